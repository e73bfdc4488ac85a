# ruff: noqa: E501  (one pair per line reads as a table)
"""Near-miss pairs for answer reuse on the unseen schemas, written 2026-12-07 before the reuse check ever ran on
these schemas, and held out whole: a past question with the SQL that answered it, and a new question with the same
words but another grouping, filter, measure, order or limit (or none of the past filter). None may be answered with
the past SQL. Beside them, paraphrases that may be."""

from __future__ import annotations

PLAYERS = "SELECT COUNT(*) FROM people"
SALARY_BY_YEAR = "SELECT yearid, AVG(salary) FROM salaries GROUP BY yearid"
MAX_SALARY = "SELECT MAX(salary) FROM salaries"
ACTIVE = "SELECT COUNT(*) FROM teamsfranchises WHERE active = 'Y'"
FLIGHTS = "SELECT COUNT(*) FROM flights"
DELAY_BY_ORIGIN = "SELECT origin, AVG(dep_delay) FROM flights GROUP BY origin"
TOP_DESTS = "SELECT dest, COUNT(*) FROM flights GROUP BY dest ORDER BY COUNT(*) DESC LIMIT 5"
DISTANCE = "SELECT month, SUM(distance) FROM flights GROUP BY month"
BAKERS = "SELECT COUNT(*) FROM bakers"
AGE = "SELECT AVG(age) FROM bakers"
EPISODES = "SELECT series, COUNT(*) FROM episodes GROUP BY series"
OLDEST = "SELECT baker_full FROM bakers ORDER BY age DESC LIMIT 1"
VIEWERS = "SELECT series, AVG(viewers_7day) FROM ratings GROUP BY series"
ANIMALS = "SELECT COUNT(*) FROM surveys"
WEIGHT = "SELECT AVG(CAST(weight AS REAL)) FROM surveys"
SURVEYS_BY_YEAR = "SELECT year, COUNT(*) FROM surveys GROUP BY year"
MAX_WEIGHT = "SELECT MAX(CAST(weight AS REAL)) FROM surveys"
FEMALES_1990 = "SELECT COUNT(*) FROM surveys WHERE sex = 'F' AND year = '1990'"
DIAMONDS = "SELECT cut, AVG(price) FROM diamonds GROUP BY cut"
PIZZA = "SELECT SUM(price) FROM pizzaplace"
HERBIVORES = "SELECT COUNT(*) FROM msleep WHERE vore = 'herbi'"
SP500 = "SELECT MAX(close) FROM sp500"
CHARACTERS = "SELECT COUNT(*) FROM starwars"
MASS = "SELECT gender, AVG(mass) FROM starwars GROUP BY gender"
TALLEST = "SELECT name FROM starwars ORDER BY height DESC LIMIT 1"
PRESSURE = "SELECT MIN(pressure) FROM storms"
STORMS = "SELECT year, COUNT(DISTINCT name) FROM storms GROUP BY year"
TATOOINE = "SELECT name FROM starwars WHERE homeworld = 'Tatooine'"

# (schema, past question, its SQL, new question)
UNSEEN_NEAR_MISSES: list[tuple[str, str, str, str]] = [
    ("lahman", "How many players are in the database?", PLAYERS, "How many players are in the database per birth country?"),
    ("lahman", "How many players are in the database?", PLAYERS, "How many players were born in Canada?"),
    ("lahman", "How many players are in the database?", PLAYERS, "How many players bat left-handed?"),
    ("lahman", "What is the average salary per year?", SALARY_BY_YEAR, "What is the total salary per year?"),
    ("lahman", "What is the average salary per year?", SALARY_BY_YEAR, "What is the average salary per team?"),
    ("lahman", "What is the average salary per year?", SALARY_BY_YEAR, "What is the average salary per year in the American League?"),
    ("lahman", "What was the highest salary ever paid?", MAX_SALARY, "What was the lowest salary ever paid?"),
    ("lahman", "What was the highest salary ever paid?", MAX_SALARY, "What was the highest salary paid in 2010?"),
    ("lahman", "What was the highest salary ever paid?", MAX_SALARY, "What was the highest salary paid by each team?"),
    ("lahman", "How many franchises are still active?", ACTIVE, "How many franchises are no longer active?"),
    ("nycflights13", "How many flights are there?", FLIGHTS, "How many flights are there per carrier?"),
    ("nycflights13", "How many flights are there?", FLIGHTS, "How many flights left from JFK?"),
    ("nycflights13", "How many flights are there?", FLIGHTS, "How many flights were there in February?"),
    ("nycflights13", "What is the average departure delay per origin airport?", DELAY_BY_ORIGIN,
     "What is the average arrival delay per origin airport?"),
    ("nycflights13", "What is the average departure delay per origin airport?", DELAY_BY_ORIGIN,
     "What is the maximum departure delay per origin airport?"),
    ("nycflights13", "What is the average departure delay per origin airport?", DELAY_BY_ORIGIN,
     "What is the average departure delay per destination airport?"),
    ("nycflights13", "Which 5 destinations have the most flights?", TOP_DESTS, "Which 10 destinations have the most flights?"),
    ("nycflights13", "Which 5 destinations have the most flights?", TOP_DESTS, "Which 5 destinations have the fewest flights?"),
    ("nycflights13", "Which 5 destinations have the most flights?", TOP_DESTS, "Which 5 carriers have the most flights?"),
    ("nycflights13", "What is the total distance flown per month?", DISTANCE, "What is the average distance flown per month?"),
    ("bakeoff", "How many bakers have competed?", BAKERS, "How many bakers have competed in series 3?"),
    ("bakeoff", "How many bakers have competed?", BAKERS, "How many bakers per occupation have competed?"),
    ("bakeoff", "How many bakers have competed?", BAKERS, "How many bakers under 30 have competed?"),
    ("bakeoff", "What is the average age of the bakers?", AGE, "What is the median age of the bakers?"),
    ("bakeoff", "What is the average age of the bakers?", AGE, "What is the average age of the bakers in each series?"),
    ("bakeoff", "What is the average age of the bakers?", AGE, "What is the maximum age of the bakers?"),
    ("bakeoff", "How many episodes did each series have?", EPISODES, "How many episodes did series 5 have?"),
    ("bakeoff", "Who was the oldest baker?", OLDEST, "Who was the youngest baker?"),
    ("bakeoff", "Who was the oldest baker?", OLDEST, "Who were the 3 oldest bakers?"),
    ("bakeoff", "What was the average 7-day viewership per series?", VIEWERS,
     "What was the average 28-day viewership per series?"),
    ("portal", "How many animals were surveyed?", ANIMALS, "How many animals were surveyed per plot?"),
    ("portal", "How many animals were surveyed?", ANIMALS, "How many male animals were surveyed?"),
    ("portal", "How many animals were surveyed?", ANIMALS, "How many animals were surveyed in 1985?"),
    ("portal", "What is the average weight of the animals?", WEIGHT, "What is the average weight of the animals by species?"),
    ("portal", "What is the average weight of the animals?", WEIGHT, "What is the average hindfoot length of the animals?"),
    ("portal", "What is the average weight of the animals?", WEIGHT, "What is the minimum weight of the animals?"),
    ("portal", "How many surveys were done each year?", SURVEYS_BY_YEAR, "How many surveys were done each month?"),
    ("portal", "How many surveys were done each year?", SURVEYS_BY_YEAR, "How many surveys were done each year on control plots?"),
    ("portal", "What is the maximum weight recorded?", MAX_WEIGHT, "What is the maximum weight recorded for females?"),
    ("portal", "How many females were recorded in 1990?", FEMALES_1990, "How many males were recorded in 1990?"),
    ("datalake", "What is the average price of a diamond by cut?", DIAMONDS, "What is the average price of a diamond by color?"),
    ("datalake", "What is the average price of a diamond by cut?", DIAMONDS, "What is the average carat of a diamond by cut?"),
    ("datalake", "What is the average price of a diamond by cut?", DIAMONDS, "What is the highest price of a diamond by cut?"),
    ("datalake", "What was the total pizza revenue?", PIZZA, "What was the total pizza revenue per type?"),
    ("datalake", "What was the total pizza revenue?", PIZZA, "What was the total revenue of large pizzas?"),
    ("datalake", "What was the total pizza revenue?", PIZZA, "What was the average pizza price?"),
    ("datalake", "How many mammals are herbivores?", HERBIVORES, "How many mammals are carnivores?"),
    ("datalake", "How many mammals are herbivores?", HERBIVORES, "How many mammals are there?"),
    ("datalake", "What was the highest closing price of the S&P 500?", SP500, "What was the lowest closing price of the S&P 500?"),
    ("datalake", "What was the highest closing price of the S&P 500?", SP500, "What was the highest opening price of the S&P 500?"),
    ("dplyr", "How many Star Wars characters are there?", CHARACTERS, "How many Star Wars characters are there per homeworld?"),
    ("dplyr", "How many Star Wars characters are there?", CHARACTERS, "How many Star Wars characters are droids?"),
    ("dplyr", "How many Star Wars characters are there?", CHARACTERS, "How many Star Wars characters are taller than 200?"),
    ("dplyr", "What is the average mass by gender?", MASS, "What is the average height by gender?"),
    ("dplyr", "What is the average mass by gender?", MASS, "What is the average mass by species?"),
    ("dplyr", "What is the average mass by gender?", MASS, "What is the total mass by gender?"),
    ("dplyr", "Who is the tallest character?", TALLEST, "Who is the shortest character?"),
    ("dplyr", "Who is the tallest character?", TALLEST, "Who is the heaviest character?"),
    ("dplyr", "What is the lowest pressure recorded in a storm?", PRESSURE, "What is the highest pressure recorded in a storm?"),
    ("dplyr", "What is the lowest pressure recorded in a storm?", PRESSURE,
     "What is the lowest pressure recorded in a storm in 2005?"),
    ("dplyr", "How many storms were there each year?", STORMS, "How many storms were there each month?"),
    ("dplyr", "Which characters come from Tatooine?", TATOOINE, "Which characters come from Naboo?"),
]  # fmt: skip

# (schema, past question, its SQL, a paraphrase the same SQL answers)
UNSEEN_PARAPHRASES: list[tuple[str, str, str, str]] = [
    ("lahman", "How many players are in the database?", PLAYERS, "What is the number of players in the database?"),
    ("nycflights13", "How many flights are there?", FLIGHTS, "What is the number of flights?"),
    ("nycflights13", "What is the average departure delay per origin airport?", DELAY_BY_ORIGIN,
     "Average departure delay by origin airport"),
    ("datalake", "What was the total pizza revenue?", PIZZA, "Total revenue from pizza"),
    ("bakeoff", "How many bakers have competed?", BAKERS, "Number of bakers who competed"),
    ("portal", "What is the average weight of the animals?", WEIGHT, "Average animal weight"),
    ("dplyr", "Who is the tallest character?", TALLEST, "Which character is the tallest?"),
    ("dplyr", "What is the average mass by gender?", MASS, "Average mass per gender"),
    ("datalake", "What is the average price of a diamond by cut?", DIAMONDS, "Average diamond price per cut"),
    ("bakeoff", "Who was the oldest baker?", OLDEST, "Which baker was the oldest?"),
]  # fmt: skip
