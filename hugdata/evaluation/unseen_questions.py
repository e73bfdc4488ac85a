"""Questions a tenant would ask of the six unseen schemas (issue 29), each with the SQL of its right answer.

Written on 2026-12-07 from the datasets' own documentation (the Lahman databank's readme, the R packages' help
pages) and their column lists, before the planner, retrieval or relationship inference ever ran on these schemas.
Every second question of each schema (odd positions) is held out: frozen, not looked at while tuning, and its first
run is reported apart. A reference names only the columns a person needs (the answer may show more); a question
whose words the schema cannot place (a "cancelled" flight) is kept, since a decline is its right outcome.

One reference was corrected before any run, after checking that every reference returns rows: the package's
`bakers.star_baker` is 0 for every baker, so "star baker most often" counts the `STAR BAKER` results instead.
After the first run, four tuning-half references were made portable with the same answer on SQLite: PostgreSQL
wants every shown column grouped and a derived table named, and the copies on the servers have no views, so the
portal genus question joins the tables its view joins.
"""

from __future__ import annotations

from hugdata.evaluation.questions import Question, _questions

LAHMAN = _questions(
    "lahman",
    ("How many players are in the database?", "SELECT COUNT(*) FROM people"),
    ("How many players were born in each country?", "SELECT birthcountry, COUNT(*) FROM people GROUP BY birthcountry"),
    ("Which 10 players hit the most home runs in 2019?",
     "SELECT p.namefirst, p.namelast, SUM(b.hr) FROM batting b JOIN people p ON p.playerid = b.playerid "
     "WHERE b.yearid = 2019 GROUP BY b.playerid, p.namefirst, p.namelast ORDER BY SUM(b.hr) DESC LIMIT 10"),
    ("What was the total payroll of each team in 2016?",
     "SELECT teamid, SUM(salary) FROM salaries WHERE yearid = 2016 GROUP BY teamid"),
    ("How many players have been inducted into the Hall of Fame?",
     "SELECT COUNT(DISTINCT playerid) FROM halloffame WHERE inducted = 'Y'"),
    ("Which team had the most wins in 2001?", "SELECT name FROM teams WHERE yearid = 2001 ORDER BY w DESC LIMIT 1"),
    ("What is the average salary per year?", "SELECT yearid, AVG(salary) FROM salaries GROUP BY yearid"),
    ("How many franchises are still active?", "SELECT COUNT(*) FROM teamsfranchises WHERE active = 'Y'"),
    ("Which 5 schools have produced the most players?",
     "SELECT s.name_full, COUNT(DISTINCT c.playerid) FROM collegeplaying c JOIN schools s ON s.schoolid = c.schoolid "
     "GROUP BY s.schoolid, s.name_full ORDER BY COUNT(DISTINCT c.playerid) DESC LIMIT 5"),
    ("How many ballparks are there in each state?", "SELECT state, COUNT(*) FROM parks GROUP BY state"),
    ("What was the highest salary ever paid?", "SELECT MAX(salary) FROM salaries"),
    ("Which players won the Most Valuable Player award in 2015?",
     "SELECT p.namefirst, p.namelast FROM awardsplayers a JOIN people p ON p.playerid = a.playerid "
     "WHERE a.awardid = 'Most Valuable Player' AND a.yearid = 2015"),
    ("What was the attendance of each team in 2019?", "SELECT name, attendance FROM teams WHERE yearid = 2019"),
    ("How many games did each team win in 2020?", "SELECT name, w FROM teams WHERE yearid = 2020"),
)  # fmt: skip

NYCFLIGHTS13 = _questions(
    "nycflights13",
    ("How many flights are there?", "SELECT COUNT(*) FROM flights"),
    ("How many flights did each airline operate?",
     "SELECT a.name, COUNT(*) FROM flights f JOIN airlines a ON a.carrier = f.carrier GROUP BY a.name"),
    ("What is the average departure delay per origin airport?",
     "SELECT origin, AVG(dep_delay) FROM flights GROUP BY origin"),
    ("Which 5 destinations have the most flights?",
     "SELECT dest, COUNT(*) FROM flights GROUP BY dest ORDER BY COUNT(*) DESC LIMIT 5"),
    ("How many flights were cancelled?", "SELECT COUNT(*) FROM flights WHERE dep_time IS NULL"),
    ("How many planes does each manufacturer have?",
     "SELECT manufacturer, COUNT(*) FROM planes GROUP BY manufacturer"),
    ("Which airline has the longest average arrival delay?",
     "SELECT a.name FROM flights f JOIN airlines a ON a.carrier = f.carrier GROUP BY a.name "
     "ORDER BY AVG(f.arr_delay) DESC LIMIT 1"),
    ("How many airports are in each time zone?", "SELECT tzone, COUNT(*) FROM airports GROUP BY tzone"),
    ("What is the total distance flown per month?", "SELECT month, SUM(distance) FROM flights GROUP BY month"),
    ("How many flights went to LAX?", "SELECT COUNT(*) FROM flights WHERE dest = 'LAX'"),
    ("What was the average temperature at each origin airport?",
     "SELECT origin, AVG(temp) FROM weather GROUP BY origin"),
    ("Which planes have more than 300 seats?", "SELECT tailnum FROM planes WHERE seats > 300"),
    ("What are the 10 highest airports?", "SELECT name FROM airports ORDER BY alt DESC LIMIT 10"),
    ("How many flights were flown by planes built before 1990?",
     "SELECT COUNT(*) FROM flights f JOIN planes p ON p.tailnum = f.tailnum WHERE p.year < 1990"),
)  # fmt: skip

BAKEOFF = _questions(
    "bakeoff",
    ("How many bakers have competed?", "SELECT COUNT(*) FROM bakers"),
    ("How many bakers were there in each series?", "SELECT series, COUNT(*) FROM bakers GROUP BY series"),
    ("Which bakers won their series?", "SELECT baker FROM bakers WHERE series_winner = 1"),
    ("What is the average age of the bakers?", "SELECT AVG(age) FROM bakers"),
    ("Which episodes had more than 10 million viewers?",
     "SELECT series, episode FROM ratings WHERE viewers_7day > 10"),
    ("What was the average 7-day viewership per series?",
     "SELECT series, AVG(viewers_7day) FROM ratings GROUP BY series"),
    ("Which 5 bakers were star baker most often?",
     "SELECT baker, COUNT(*) FROM challenges WHERE result = 'STAR BAKER' GROUP BY series, baker "
     "ORDER BY COUNT(*) DESC LIMIT 5"),
    ("How many episodes did each series have?", "SELECT series, COUNT(*) FROM episodes GROUP BY series"),
    ("Which bakers are from London?", "SELECT baker_full FROM bakers WHERE hometown LIKE '%London%'"),
    ("How many bakers were eliminated in each series?",
     "SELECT series, COUNT(*) FROM challenges WHERE result = 'OUT' GROUP BY series"),
    ("Who was the oldest baker?", "SELECT baker_full FROM bakers ORDER BY age DESC LIMIT 1"),
    ("Which channel aired each series?", "SELECT series, channel FROM series_raw"),
)  # fmt: skip

PORTAL = _questions(
    "portal",
    ("How many animals were surveyed?", "SELECT COUNT(*) FROM surveys"),
    ("How many animals of each taxa were caught?",
     "SELECT sp.taxa, COUNT(*) FROM surveys s JOIN species sp ON sp.species_id = s.species_id GROUP BY sp.taxa"),
    ("What is the average weight of the animals?", "SELECT AVG(CAST(weight AS REAL)) FROM surveys"),
    ("How many surveys were done each year?", "SELECT year, COUNT(*) FROM surveys GROUP BY year"),
    ("What is the average hindfoot length by sex?",
     "SELECT sex, AVG(CAST(hindfoot_length AS REAL)) FROM surveys GROUP BY sex"),
    ("How many plots are there of each plot type?", "SELECT plot_type, COUNT(*) FROM plots GROUP BY plot_type"),
    ("Which genus has the heaviest average weight?",
     "SELECT sp.genus FROM surveys s JOIN species sp ON sp.species_id = s.species_id JOIN plots p "
     "ON p.plot_id = s.plot_id GROUP BY sp.genus ORDER BY AVG(CAST(s.weight AS REAL)) DESC LIMIT 1"),
    ("How many species are rodents?", "SELECT COUNT(*) FROM species WHERE taxa = 'Rodent'"),
    ("What is the maximum weight recorded?", "SELECT MAX(CAST(weight AS REAL)) FROM surveys"),
    ("How many animals were caught in control plots?",
     "SELECT COUNT(*) FROM surveys s JOIN plots p ON p.plot_id = s.plot_id WHERE p.plot_type = 'Control'"),
    ("How many females were recorded in 1990?", "SELECT COUNT(*) FROM surveys WHERE sex = 'F' AND year = '1990'"),
    ("What are the 5 heaviest animals recorded?",
     "SELECT record_id, CAST(weight AS REAL) FROM surveys ORDER BY CAST(weight AS REAL) DESC LIMIT 5"),
)  # fmt: skip

DATALAKE = _questions(
    "datalake",
    ("What is the average price of a diamond by cut?", "SELECT cut, AVG(price) FROM diamonds GROUP BY cut"),
    ("Which state had the most gun murders?", "SELECT state FROM murders ORDER BY total DESC LIMIT 1"),
    ("What was the total pizza revenue?", "SELECT SUM(price) FROM pizzaplace"),
    ("How many pizzas were sold of each size?", "SELECT size, COUNT(*) FROM pizzaplace GROUP BY size"),
    ("What was the life expectancy in Japan in 2010?",
     "SELECT life_expectancy FROM gapminder WHERE country = 'Japan' AND year = 2010"),
    ("Which car manufacturers have the best average highway mileage?",
     "SELECT manufacturer, AVG(hwy) FROM mpg GROUP BY manufacturer ORDER BY AVG(hwy) DESC"),
    ("How many measles cases were reported per year?",
     "SELECT year, SUM(count) FROM us_contagious_diseases WHERE disease = 'Measles' GROUP BY year"),
    ("Which 10 movies have the most ratings?",
     "SELECT title, COUNT(*) FROM movielens GROUP BY title ORDER BY COUNT(*) DESC LIMIT 10"),
    ("Which 5 metro stations have the most passengers?",
     "SELECT name FROM metro ORDER BY passengers DESC LIMIT 5"),
    ("What was the highest closing price of the S&P 500?", "SELECT MAX(close) FROM sp500"),
    ("How many mammals are herbivores?", "SELECT COUNT(*) FROM msleep WHERE vore = 'herbi'"),
    ("What was the average unemployment per year?",
     "SELECT strftime('%Y', date), AVG(unemploy) FROM economics GROUP BY strftime('%Y', date)"),
)  # fmt: skip

DPLYR = _questions(
    "dplyr",
    ("How many Star Wars characters are there?", "SELECT COUNT(*) FROM starwars"),
    ("What instrument does each band member play?",
     "SELECT m.name, i.plays FROM band_members m JOIN band_instruments i ON i.name = m.name"),
    ("How many characters are there of each species?", "SELECT species, COUNT(*) FROM starwars GROUP BY species"),
    ("Who is the tallest character?", "SELECT name FROM starwars ORDER BY height DESC LIMIT 1"),
    ("What is the average mass by gender?", "SELECT gender, AVG(mass) FROM starwars GROUP BY gender"),
    ("Which characters come from Tatooine?", "SELECT name FROM starwars WHERE homeworld = 'Tatooine'"),
    ("How many storms were there each year?", "SELECT year, COUNT(DISTINCT name) FROM storms GROUP BY year"),
    ("What was the strongest wind of each storm?", "SELECT name, MAX(wind) FROM storms GROUP BY name"),
    ("How many hurricanes reached category 5?",
     "SELECT COUNT(*) FROM (SELECT DISTINCT name, year FROM storms WHERE category = 5) AS hurricanes"),
    ("Which band does each musician belong to?", "SELECT name, band FROM band_members"),
    ("What is the lowest pressure recorded in a storm?", "SELECT MIN(pressure) FROM storms"),
    ("Which characters have blue eyes?", "SELECT name FROM starwars WHERE eye_color = 'blue'"),
)  # fmt: skip

UNSEEN_QUESTIONS: dict[str, list[Question]] = {
    "lahman": LAHMAN,
    "nycflights13": NYCFLIGHTS13,
    "bakeoff": BAKEOFF,
    "portal": PORTAL,
    "datalake": DATALAKE,
    "dplyr": DPLYR,
}
