"""A second, fresh held-out set on the unseen schemas (issues 29 and 30): written 2026-12-07, in a new session, after
the first held-out halves were spent and before any of the tuning that followed them. Questions a tenant's analyst
would ask, not shaped to what the planner can do; all held out, their first run is the result. References are
SQLite's; `bench trust` and `bench semantic_layer` read them as the "fresh" set."""

from __future__ import annotations

from hugdata.evaluation.questions import Question


def _held_out(schema: str, *pairs: tuple[str, str]) -> list[Question]:
    return [Question(schema, q, sql, held_out=True) for q, sql in pairs]


FRESH_QUESTIONS: dict[str, list[Question]] = {
    "lahman": _held_out(
        "lahman",
        ("How many players bat left-handed?", "SELECT COUNT(*) FROM people WHERE bats = 'L'"),
        ("How many teams played in 2019?", "SELECT COUNT(*) FROM teams WHERE yearid = 2019"),
        ("What was the total attendance in 2019?", "SELECT SUM(attendance) FROM teams WHERE yearid = 2019"),
        ("How many managers are there?", "SELECT COUNT(DISTINCT playerid) FROM managers"),
        ("Which 5 players stole the most bases in 2019?",
         "SELECT p.namefirst, p.namelast, SUM(b.sb) FROM batting b JOIN people p ON p.playerid = b.playerid "
         "WHERE b.yearid = 2019 GROUP BY b.playerid, p.namefirst, p.namelast ORDER BY SUM(b.sb) DESC LIMIT 5"),
        ("How many Gold Glove awards were given in 2010?",
         "SELECT COUNT(*) FROM awardsplayers WHERE awardid = 'Gold Glove' AND yearid = 2010"),
        ("What was the average height of players per birth country?",
         "SELECT birthcountry, AVG(height) FROM people GROUP BY birthcountry"),
    ),
    "nycflights13": _held_out(
        "nycflights13",
        ("How many flights left from LaGuardia?", "SELECT COUNT(*) FROM flights WHERE origin = 'LGA'"),
        ("What is the average flight distance per carrier?",
         "SELECT carrier, AVG(distance) FROM flights GROUP BY carrier"),
        ("How many planes have turbo-jet engines?", "SELECT COUNT(*) FROM planes WHERE engine = 'Turbo-jet'"),
        ("What was the longest departure delay?", "SELECT MAX(dep_delay) FROM flights"),
        ("How many flights were there each month?", "SELECT month, COUNT(*) FROM flights GROUP BY month"),
        ("Which 3 airlines flew the most flights?",
         "SELECT a.name, COUNT(*) FROM flights f JOIN airlines a ON a.carrier = f.carrier "
         "GROUP BY a.name ORDER BY COUNT(*) DESC LIMIT 3"),
        ("What is the average number of seats of the planes?", "SELECT AVG(seats) FROM planes"),
    ),
    "bakeoff": _held_out(
        "bakeoff",
        ("How many bakers won a technical challenge?", "SELECT COUNT(*) FROM bakers WHERE technical_winner > 0"),
        ("Which bakers are nurses?", "SELECT baker_full FROM bakers WHERE occupation = 'Nurse'"),
        ("What was the average age of the bakers in each series?",
         "SELECT series, AVG(age) FROM bakers GROUP BY series"),
        ("Who won series 5?", "SELECT winner FROM series_raw WHERE series = 5"),
        ("How many episodes did each baker appear in?", "SELECT baker_full, total_episodes_appeared FROM bakers"),
        ("Which series had the highest average UK viewers?",
         "SELECT series FROM series_raw ORDER BY avg_uk_viewers DESC LIMIT 1"),
        ("How many bakers came from Manchester?", "SELECT COUNT(*) FROM bakers WHERE hometown = 'Manchester'"),
    ),
    "portal": _held_out(
        "portal",
        ("How many reptile species are there?", "SELECT COUNT(*) FROM species WHERE taxa = 'Reptile'"),
        ("How many animals were caught each month?", "SELECT month, COUNT(*) FROM surveys GROUP BY month"),
        ("What is the heaviest weight recorded for a female?",
         "SELECT MAX(CAST(weight AS REAL)) FROM surveys WHERE sex = 'F'"),
        ("How many plots are control plots?", "SELECT COUNT(*) FROM plots WHERE plot_type = 'Control'"),
        ("How many animals of each species were caught?",
         "SELECT species_id, COUNT(*) FROM surveys GROUP BY species_id"),
        ("What is the average hindfoot length of rodents?",
         "SELECT AVG(CAST(s.hindfoot_length AS REAL)) FROM surveys s JOIN species sp ON sp.species_id = s.species_id "
         "WHERE sp.taxa = 'Rodent'"),
        ("How many genera are there?", "SELECT COUNT(DISTINCT genus) FROM species"),
    ),
    "datalake": _held_out(
        "datalake",
        ("What is the average price of a diamond per color?", "SELECT color, AVG(price) FROM diamonds GROUP BY color"),
        ("How many SUVs are in the mpg data?", "SELECT COUNT(*) FROM mpg WHERE class = 'suv'"),
        ("What was the population of each continent in 2000?",
         "SELECT continent, SUM(population) FROM gapminder WHERE year = 2000 GROUP BY continent"),
        ("How many vegetarian pizzas were sold?", "SELECT COUNT(*) FROM pizzaplace WHERE type = 'veggie'"),
        ("Which presidents were Republicans?", "SELECT name FROM presidential WHERE party = 'Republican'"),
        ("How many murders were there per region?", "SELECT region, SUM(total) FROM murders GROUP BY region"),
        ("What is the most expensive car in gtcars?", "SELECT model FROM gtcars ORDER BY msrp DESC LIMIT 1"),
    ),
    "dplyr": _held_out(
        "dplyr",
        ("How many characters are female?", "SELECT COUNT(*) FROM starwars WHERE sex = 'female'"),
        ("What is the average height per species?", "SELECT species, AVG(height) FROM starwars GROUP BY species"),
        ("Who is the heaviest character?", "SELECT name FROM starwars ORDER BY mass DESC LIMIT 1"),
        ("How many hurricanes were recorded in 2010?",
         "SELECT COUNT(DISTINCT name) FROM storms WHERE status = 'hurricane' AND year = 2010"),
        ("How many characters come from each homeworld?",
         "SELECT homeworld, COUNT(*) FROM starwars GROUP BY homeworld"),
        ("What was the lowest pressure of each storm?", "SELECT name, MIN(pressure) FROM storms GROUP BY name"),
        ("How many characters have brown hair?", "SELECT COUNT(*) FROM starwars WHERE hair_color = 'brown'"),
    ),
}  # fmt: skip
