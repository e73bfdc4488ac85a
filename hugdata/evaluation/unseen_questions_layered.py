"""New questions on the unseen schemas for measuring the curated layers (issue 30, point 5): written 2026-12-07
after the layers of `unseen_layers` were committed and before anything was measured with them; all held out, their
first run reported. References are SQLite's."""

from __future__ import annotations

from hugdata.evaluation.questions import Question


def _held_out(schema: str, *pairs: tuple[str, str]) -> list[Question]:
    return [Question(schema, q, sql, held_out=True) for q, sql in pairs]


LAYERED_QUESTIONS: dict[str, list[Question]] = {
    "lahman": _held_out(
        "lahman",
        ("How many players were born in Venezuela?", "SELECT COUNT(*) FROM people WHERE birthcountry = 'Venezuela'"),
        ("How many home runs were hit in 2000?", "SELECT SUM(hr) FROM batting WHERE yearid = 2000"),
        ("How many players are in the Hall of Fame?",
         "SELECT COUNT(DISTINCT playerid) FROM halloffame WHERE inducted = 'Y'"),
        ("What was the average salary in 2010?", "SELECT AVG(salary) FROM salaries WHERE yearid = 2010"),
        ("Which 5 players had the most strikeouts in 2019?",
         "SELECT p.namefirst, p.namelast, SUM(pi.so) FROM pitching pi JOIN people p ON p.playerid = pi.playerid "
         "WHERE pi.yearid = 2019 GROUP BY pi.playerid, p.namefirst, p.namelast ORDER BY SUM(pi.so) DESC LIMIT 5"),
    ),
    "nycflights13": _held_out(
        "nycflights13",
        ("How many flights were cancelled in February?",
         "SELECT COUNT(*) FROM flights WHERE dep_time IS NULL AND month = 2"),
        ("How many flights departed from each airport?", "SELECT origin, COUNT(*) FROM flights GROUP BY origin"),
        ("What is the average arrival delay per carrier?",
         "SELECT carrier, AVG(arr_delay) FROM flights GROUP BY carrier"),
        ("How many planes were built before 2000?", "SELECT COUNT(*) FROM planes WHERE year < 2000"),
        ("What was the highest wind speed at JFK?", "SELECT MAX(wind_speed) FROM weather WHERE origin = 'JFK'"),
    ),
    "bakeoff": _held_out(
        "bakeoff",
        ("How many bakers were eliminated?", "SELECT COUNT(*) FROM challenges WHERE result = 'OUT'"),
        ("Which baker was the youngest?", "SELECT baker_full FROM bakers ORDER BY age ASC LIMIT 1"),
        ("How many star baker awards were given in each series?",
         "SELECT series, COUNT(*) FROM challenges WHERE result = 'STAR BAKER' GROUP BY series"),
        ("What was the highest viewership of any episode?", "SELECT MAX(viewers_7day) FROM ratings"),
        ("How many episodes were there in total?", "SELECT COUNT(*) FROM episodes"),
    ),
    "portal": _held_out(
        "portal",
        ("How many male animals were caught?", "SELECT COUNT(*) FROM surveys WHERE sex = 'M'"),
        ("What is the average weight of females?", "SELECT AVG(CAST(weight AS REAL)) FROM surveys WHERE sex = 'F'"),
        ("How many bird species are there?", "SELECT COUNT(*) FROM species WHERE taxa = 'Bird'"),
        ("How many captures were made in 2000?", "SELECT COUNT(*) FROM surveys WHERE year = '2000'"),
        ("How many animals were caught per plot type?",
         "SELECT p.plot_type, COUNT(*) FROM surveys s JOIN plots p ON p.plot_id = s.plot_id GROUP BY p.plot_type"),
    ),
    "datalake": _held_out(
        "datalake",
        ("How many carnivores are there?", "SELECT COUNT(*) FROM msleep WHERE vore = 'carni'"),
        ("What was the pizza revenue per pizza size?", "SELECT size, SUM(price) FROM pizzaplace GROUP BY size"),
        ("How many pizzas were sold in total?", "SELECT COUNT(*) FROM pizzaplace"),
        ("How many polio cases were reported in 1955?",
         "SELECT SUM(count) FROM us_contagious_diseases WHERE disease = 'Polio' AND year = 1955"),
        ("What is the average rating of movies?", "SELECT AVG(rating) FROM movielens"),
    ),
    "dplyr": _held_out(
        "dplyr",
        ("How many characters are droids?", "SELECT COUNT(*) FROM starwars WHERE species = 'Droid'"),
        ("What is the average height of the characters?", "SELECT AVG(height) FROM starwars"),
        ("How many storms were there in 2005?", "SELECT COUNT(DISTINCT name) FROM storms WHERE year = 2005"),
        ("What instrument does each member of the Beatles play?",
         "SELECT m.name, i.plays FROM band_members m JOIN band_instruments i ON i.name = m.name "
         "WHERE m.band = 'Beatles'"),
        ("What was the strongest wind recorded?", "SELECT MAX(wind) FROM storms"),
    ),
}  # fmt: skip
