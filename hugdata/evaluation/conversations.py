"""Three-turn conversations on the unseen public schemas (issue 31): a first question, then two refinements as a
person types them ("only from JFK", "by month instead", "which one had the most?"). Written on 2026-12-07 before the
follow-up reader existed; every second conversation (odd positions) is held out and its first run is the result.
Reference SQL is SQLite's, one per turn; each turn refines the turn before it, not the first question. One change
since, for portability and with the same answers on SQLite: the averages of portal's text-typed numbers cast them
(`AVG(CAST(weight AS REAL))`), since PostgreSQL has no average of text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Conversation:
    schema: str
    turns: tuple[tuple[str, str], ...]
    held_out: bool = False


def _conversations(*items: tuple[str, tuple[tuple[str, str], ...]]) -> list[Conversation]:
    return [Conversation(schema, turns, held_out=i % 2 == 1) for i, (schema, turns) in enumerate(items)]


# fmt: off
CONVERSATIONS: list[Conversation] = _conversations(
    ("nycflights13", (
        ("How many flights were there per carrier?", "SELECT carrier, COUNT(*) FROM flights GROUP BY carrier"),
        ("only from JFK", "SELECT carrier, COUNT(*) FROM flights WHERE origin = 'JFK' GROUP BY carrier"),
        ("which one had the most?",
         "SELECT carrier, COUNT(*) FROM flights WHERE origin = 'JFK' GROUP BY carrier ORDER BY COUNT(*) DESC LIMIT 1"),
    )),
    ("nycflights13", (
        ("What is the average departure delay per origin?",
         "SELECT origin, AVG(dep_delay) FROM flights GROUP BY origin"),
        ("by month instead", "SELECT month, AVG(dep_delay) FROM flights GROUP BY month"),
        ("maximum instead of average", "SELECT month, MAX(dep_delay) FROM flights GROUP BY month"),
    )),
    ("nycflights13", (
        ("How many planes are there per engine type?", "SELECT engine, COUNT(*) FROM planes GROUP BY engine"),
        ("only those made by BOEING",
         "SELECT engine, COUNT(*) FROM planes WHERE manufacturer = 'BOEING' GROUP BY engine"),
        ("top 2", "SELECT engine, COUNT(*) FROM planes WHERE manufacturer = 'BOEING' GROUP BY engine "
                  "ORDER BY COUNT(*) DESC LIMIT 2"),
    )),
    ("nycflights13", (
        ("Total distance flown per carrier", "SELECT carrier, SUM(distance) FROM flights GROUP BY carrier"),
        ("excluding flights from EWR",
         "SELECT carrier, SUM(distance) FROM flights WHERE origin <> 'EWR' GROUP BY carrier"),
        ("lowest first", "SELECT carrier, SUM(distance) FROM flights WHERE origin <> 'EWR' GROUP BY carrier "
                         "ORDER BY SUM(distance) ASC"),
    )),
    ("nycflights13", (
        ("How many flights were there per month?", "SELECT month, COUNT(*) FROM flights GROUP BY month"),
        ("and by origin", "SELECT month, origin, COUNT(*) FROM flights GROUP BY month, origin"),
        ("just UA", "SELECT month, origin, COUNT(*) FROM flights WHERE carrier = 'UA' GROUP BY month, origin"),
    )),
    ("nycflights13", (
        ("What is the average wind speed per origin in the weather records?",
         "SELECT origin, AVG(wind_speed) FROM weather GROUP BY origin"),
        ("by month instead", "SELECT month, AVG(wind_speed) FROM weather GROUP BY month"),
        ("which month was highest?",
         "SELECT month, AVG(wind_speed) FROM weather GROUP BY month ORDER BY AVG(wind_speed) DESC LIMIT 1"),
    )),
    ("nycflights13", (
        ("How many flights went to each destination?", "SELECT dest, COUNT(*) FROM flights GROUP BY dest"),
        ("top 5", "SELECT dest, COUNT(*) FROM flights GROUP BY dest ORDER BY COUNT(*) DESC LIMIT 5"),
        ("only from LGA", "SELECT dest, COUNT(*) FROM flights WHERE origin = 'LGA' GROUP BY dest "
                          "ORDER BY COUNT(*) DESC LIMIT 5"),
    )),
    ("portal", (
        ("How many surveys were recorded per year?", "SELECT year, COUNT(*) FROM surveys GROUP BY year"),
        ("only females", "SELECT year, COUNT(*) FROM surveys WHERE sex = 'F' GROUP BY year"),
        ("which year had the most?",
         "SELECT year, COUNT(*) FROM surveys WHERE sex = 'F' GROUP BY year ORDER BY COUNT(*) DESC LIMIT 1"),
    )),
    ("portal", (
        ("What is the average weight per species id?",
         "SELECT species_id, AVG(CAST(weight AS REAL)) FROM surveys GROUP BY species_id"),
        ("only males", "SELECT species_id, AVG(CAST(weight AS REAL)) FROM surveys WHERE sex = 'M' GROUP BY species_id"),
        ("top 3", "SELECT species_id, AVG(CAST(weight AS REAL)) FROM surveys WHERE sex = 'M' GROUP BY species_id "
                  "ORDER BY AVG(CAST(weight AS REAL)) DESC LIMIT 3"),
    )),
    ("portal", (
        ("How many species are there per taxa?", "SELECT taxa, COUNT(*) FROM species GROUP BY taxa"),
        ("excluding rodents", "SELECT taxa, COUNT(*) FROM species WHERE taxa <> 'Rodent' GROUP BY taxa"),
        ("lowest first",
         "SELECT taxa, COUNT(*) FROM species WHERE taxa <> 'Rodent' GROUP BY taxa ORDER BY COUNT(*) ASC"),
    )),
    ("portal", (
        ("How many complete records are there per plot type?",
         "SELECT plot_type, COUNT(*) FROM complete GROUP BY plot_type"),
        ("only 1990", "SELECT plot_type, COUNT(*) FROM complete WHERE year = '1990' GROUP BY plot_type"),
        ("and by sex",
         "SELECT plot_type, sex, COUNT(*) FROM complete WHERE year = '1990' GROUP BY plot_type, sex"),
    )),
    ("dplyr", (
        ("How many storm observations are there per status?",
         "SELECT status, COUNT(*) FROM storms GROUP BY status"),
        ("only 2020", "SELECT status, COUNT(*) FROM storms WHERE year = 2020 GROUP BY status"),
        ("which status had the most?",
         "SELECT status, COUNT(*) FROM storms WHERE year = 2020 GROUP BY status ORDER BY COUNT(*) DESC LIMIT 1"),
    )),
    ("dplyr", (
        ("What is the average wind speed per storm category?",
         "SELECT category, AVG(wind) FROM storms GROUP BY category"),
        ("maximum instead", "SELECT category, MAX(wind) FROM storms GROUP BY category"),
        ("only since 2010", "SELECT category, MAX(wind) FROM storms WHERE year >= 2010 GROUP BY category"),
    )),
    ("dplyr", (
        ("How many Star Wars characters are there per species?",
         "SELECT species, COUNT(*) FROM starwars GROUP BY species"),
        ("top 3", "SELECT species, COUNT(*) FROM starwars GROUP BY species ORDER BY COUNT(*) DESC LIMIT 3"),
        ("just feminine ones", "SELECT species, COUNT(*) FROM starwars WHERE gender = 'feminine' GROUP BY species "
                               "ORDER BY COUNT(*) DESC LIMIT 3"),
    )),
    ("dplyr", (
        ("What is the average height of starwars characters per gender?",
         "SELECT gender, AVG(height) FROM starwars GROUP BY gender"),
        ("by sex instead", "SELECT sex, AVG(height) FROM starwars GROUP BY sex"),
        ("only humans", "SELECT sex, AVG(height) FROM starwars WHERE species = 'Human' GROUP BY sex"),
    )),
    ("dplyr", (
        ("How many storm observations are there per year?", "SELECT year, COUNT(*) FROM storms GROUP BY year"),
        ("only hurricanes", "SELECT year, COUNT(*) FROM storms WHERE status = 'hurricane' GROUP BY year"),
        ("which year had the most?", "SELECT year, COUNT(*) FROM storms WHERE status = 'hurricane' GROUP BY year "
                                     "ORDER BY COUNT(*) DESC LIMIT 1"),
    )),
    ("lahman", (
        ("How many teams were there per league?", "SELECT lgid, COUNT(*) FROM teams GROUP BY lgid"),
        ("only 2019", "SELECT lgid, COUNT(*) FROM teams WHERE yearid = 2019 GROUP BY lgid"),
        ("by division instead", "SELECT divid, COUNT(*) FROM teams WHERE yearid = 2019 GROUP BY divid"),
    )),
    ("lahman", (
        ("Total home runs per team in 2019",
         "SELECT teamid, SUM(hr) FROM teams WHERE yearid = 2019 GROUP BY teamid"),
        ("top 5", "SELECT teamid, SUM(hr) FROM teams WHERE yearid = 2019 GROUP BY teamid "
                  "ORDER BY SUM(hr) DESC LIMIT 5"),
        ("2018 instead", "SELECT teamid, SUM(hr) FROM teams WHERE yearid = 2018 GROUP BY teamid "
                         "ORDER BY SUM(hr) DESC LIMIT 5"),
    )),
    ("lahman", (
        ("What was the average salary per year?", "SELECT yearid, AVG(salary) FROM salaries GROUP BY yearid"),
        ("only the AL", "SELECT yearid, AVG(salary) FROM salaries WHERE lgid = 'AL' GROUP BY yearid"),
        ("which year was highest?", "SELECT yearid, AVG(salary) FROM salaries WHERE lgid = 'AL' GROUP BY yearid "
                                    "ORDER BY AVG(salary) DESC LIMIT 1"),
    )),
    ("lahman", (
        ("How many players are there per birth country?",
         "SELECT birthcountry, COUNT(*) FROM people GROUP BY birthcountry"),
        ("top 5", "SELECT birthcountry, COUNT(*) FROM people GROUP BY birthcountry ORDER BY COUNT(*) DESC LIMIT 5"),
        ("excluding USA", "SELECT birthcountry, COUNT(*) FROM people WHERE birthcountry IS NOT 'USA' "
                          "GROUP BY birthcountry ORDER BY COUNT(*) DESC LIMIT 5"),
    )),
    ("lahman", (
        ("How many player awards are there per award?", "SELECT awardid, COUNT(*) FROM awardsplayers GROUP BY awardid"),
        ("only in 2010", "SELECT awardid, COUNT(*) FROM awardsplayers WHERE yearid = 2010 GROUP BY awardid"),
        ("and by league",
         "SELECT awardid, lgid, COUNT(*) FROM awardsplayers WHERE yearid = 2010 GROUP BY awardid, lgid"),
    )),
    ("lahman", (
        ("Total wins per franchise", "SELECT franchid, SUM(w) FROM teams GROUP BY franchid"),
        ("since 2000", "SELECT franchid, SUM(w) FROM teams WHERE yearid >= 2000 GROUP BY franchid"),
        ("top 3", "SELECT franchid, SUM(w) FROM teams WHERE yearid >= 2000 GROUP BY franchid "
                  "ORDER BY SUM(w) DESC LIMIT 3"),
    )),
    ("lahman", (
        ("How many Hall of Fame candidates were inducted per year?",
         "SELECT yearid, COUNT(*) FROM halloffame WHERE inducted = 'Y' GROUP BY yearid"),
        ("by category instead", "SELECT category, COUNT(*) FROM halloffame WHERE inducted = 'Y' GROUP BY category"),
        ("only since 2000", "SELECT category, COUNT(*) FROM halloffame WHERE inducted = 'Y' AND yearid >= 2000 "
                            "GROUP BY category"),
    )),
    ("lahman", (
        ("What is the average ERA of pitchers per league?", "SELECT lgid, AVG(era) FROM pitching GROUP BY lgid"),
        ("only 2019", "SELECT lgid, AVG(era) FROM pitching WHERE yearid = 2019 GROUP BY lgid"),
        ("by team instead", "SELECT teamid, AVG(era) FROM pitching WHERE yearid = 2019 GROUP BY teamid"),
    )),
    ("bakeoff", (
        ("How many bakers were there per series?", "SELECT series, COUNT(*) FROM bakers GROUP BY series"),
        ("average age instead", "SELECT series, AVG(age) FROM bakers GROUP BY series"),
        ("which series was highest?",
         "SELECT series, AVG(age) FROM bakers GROUP BY series ORDER BY AVG(age) DESC LIMIT 1"),
    )),
    ("bakeoff", (
        ("How many challenge entries were there per result?",
         "SELECT result, COUNT(*) FROM challenges GROUP BY result"),
        ("only series 3", "SELECT result, COUNT(*) FROM challenges WHERE series = 3 GROUP BY result"),
        ("highest first",
         "SELECT result, COUNT(*) FROM challenges WHERE series = 3 GROUP BY result ORDER BY COUNT(*) DESC"),
    )),
    ("bakeoff", (
        ("What is the average 7-day viewers per series?",
         "SELECT series, AVG(viewers_7day) FROM ratings GROUP BY series"),
        ("top 3", "SELECT series, AVG(viewers_7day) FROM ratings GROUP BY series "
                  "ORDER BY AVG(viewers_7day) DESC LIMIT 3"),
        ("total instead of average", "SELECT series, SUM(viewers_7day) FROM ratings GROUP BY series "
                                     "ORDER BY SUM(viewers_7day) DESC LIMIT 3"),
    )),
    ("bakeoff", (
        ("How many series aired per channel?", "SELECT channel, COUNT(*) FROM series_raw GROUP BY channel"),
        ("average uk viewers instead", "SELECT channel, AVG(avg_uk_viewers) FROM series_raw GROUP BY channel"),
        ("lowest first", "SELECT channel, AVG(avg_uk_viewers) FROM series_raw GROUP BY channel "
                         "ORDER BY AVG(avg_uk_viewers) ASC"),
    )),
    ("nycflights13", (
        ("What is the average arrival delay per carrier?",
         "SELECT carrier, AVG(arr_delay) FROM flights GROUP BY carrier"),
        ("only in March", "SELECT carrier, AVG(arr_delay) FROM flights WHERE month = 3 GROUP BY carrier"),
        ("highest first", "SELECT carrier, AVG(arr_delay) FROM flights WHERE month = 3 GROUP BY carrier "
                          "ORDER BY AVG(arr_delay) DESC"),
    )),
    ("nycflights13", (
        ("How many planes are there per manufacturer?",
         "SELECT manufacturer, COUNT(*) FROM planes GROUP BY manufacturer"),
        ("top 5", "SELECT manufacturer, COUNT(*) FROM planes GROUP BY manufacturer ORDER BY COUNT(*) DESC LIMIT 5"),
        ("average seats instead", "SELECT manufacturer, AVG(seats) FROM planes GROUP BY manufacturer "
                                  "ORDER BY AVG(seats) DESC LIMIT 5"),
    )),
    ("nycflights13", (
        ("How many airports are there per time zone?", "SELECT tzone, COUNT(*) FROM airports GROUP BY tzone"),
        ("top 3", "SELECT tzone, COUNT(*) FROM airports GROUP BY tzone ORDER BY COUNT(*) DESC LIMIT 3"),
        ("by dst instead", "SELECT dst, COUNT(*) FROM airports GROUP BY dst ORDER BY COUNT(*) DESC LIMIT 3"),
    )),
    ("dplyr", (
        ("How many storm observations are there per month?", "SELECT month, COUNT(*) FROM storms GROUP BY month"),
        ("only hurricanes", "SELECT month, COUNT(*) FROM storms WHERE status = 'hurricane' GROUP BY month"),
        ("average wind instead",
         "SELECT month, AVG(wind) FROM storms WHERE status = 'hurricane' GROUP BY month"),
    )),
    ("dplyr", (
        ("What is the average mass of Star Wars characters per homeworld?",
         "SELECT homeworld, AVG(mass) FROM starwars GROUP BY homeworld"),
        ("top 5", "SELECT homeworld, AVG(mass) FROM starwars GROUP BY homeworld ORDER BY AVG(mass) DESC LIMIT 5"),
        ("only humans", "SELECT homeworld, AVG(mass) FROM starwars WHERE species = 'Human' GROUP BY homeworld "
                        "ORDER BY AVG(mass) DESC LIMIT 5"),
    )),
    ("portal", (
        ("How many surveys are there per plot?", "SELECT plot_id, COUNT(*) FROM surveys GROUP BY plot_id"),
        ("only 2000", "SELECT plot_id, COUNT(*) FROM surveys WHERE year = '2000' GROUP BY plot_id"),
        ("lowest first",
         "SELECT plot_id, COUNT(*) FROM surveys WHERE year = '2000' GROUP BY plot_id ORDER BY COUNT(*) ASC"),
    )),
    ("portal", (
        ("What is the average hindfoot length per sex?",
         "SELECT sex, AVG(CAST(hindfoot_length AS REAL)) FROM surveys GROUP BY sex"),
        ("by species id instead",
         "SELECT species_id, AVG(CAST(hindfoot_length AS REAL)) FROM surveys GROUP BY species_id"),
        ("top 5", "SELECT species_id, AVG(CAST(hindfoot_length AS REAL)) FROM surveys GROUP BY species_id "
                  "ORDER BY AVG(CAST(hindfoot_length AS REAL)) DESC LIMIT 5"),
    )),
    ("lahman", (
        ("Total games managed per league", "SELECT lgid, SUM(g) FROM managers GROUP BY lgid"),
        ("only 2019", "SELECT lgid, SUM(g) FROM managers WHERE yearid = 2019 GROUP BY lgid"),
        ("by team instead", "SELECT teamid, SUM(g) FROM managers WHERE yearid = 2019 GROUP BY teamid"),
    )),
    ("lahman", (
        ("Total salary per team in 2016",
         "SELECT teamid, SUM(salary) FROM salaries WHERE yearid = 2016 GROUP BY teamid"),
        ("top 5", "SELECT teamid, SUM(salary) FROM salaries WHERE yearid = 2016 GROUP BY teamid "
                  "ORDER BY SUM(salary) DESC LIMIT 5"),
        ("average instead of total", "SELECT teamid, AVG(salary) FROM salaries WHERE yearid = 2016 GROUP BY teamid "
                                     "ORDER BY AVG(salary) DESC LIMIT 5"),
    )),
    ("lahman", (
        ("How many all-star selections were there per team in 2019?",
         "SELECT teamid, COUNT(*) FROM allstarfull WHERE yearid = 2019 GROUP BY teamid"),
        ("only the NL", "SELECT teamid, COUNT(*) FROM allstarfull WHERE yearid = 2019 AND lgid = 'NL' "
                        "GROUP BY teamid"),
        ("highest first", "SELECT teamid, COUNT(*) FROM allstarfull WHERE yearid = 2019 AND lgid = 'NL' "
                          "GROUP BY teamid ORDER BY COUNT(*) DESC"),
    )),
    ("bakeoff", (
        ("How many episodes are there per series?", "SELECT series, COUNT(*) FROM episodes GROUP BY series"),
        ("lowest first", "SELECT series, COUNT(*) FROM episodes GROUP BY series ORDER BY COUNT(*) ASC"),
        ("top 3", "SELECT series, COUNT(*) FROM episodes GROUP BY series ORDER BY COUNT(*) DESC LIMIT 3"),
    )),
    ("bakeoff", (
        ("What is the average age of bakers per series?", "SELECT series, AVG(age) FROM bakers GROUP BY series"),
        ("maximum instead", "SELECT series, MAX(age) FROM bakers GROUP BY series"),
        ("lowest first", "SELECT series, MAX(age) FROM bakers GROUP BY series ORDER BY MAX(age) ASC"),
    )),
    ("dplyr", (
        ("What is the average pressure per storm status?", "SELECT status, AVG(pressure) FROM storms GROUP BY status"),
        ("lowest first", "SELECT status, AVG(pressure) FROM storms GROUP BY status ORDER BY AVG(pressure) ASC"),
        ("since 2015", "SELECT status, AVG(pressure) FROM storms WHERE year >= 2015 GROUP BY status "
                       "ORDER BY AVG(pressure) ASC"),
    )),
    ("nycflights13", (
        ("How many flights were there per origin?", "SELECT origin, COUNT(*) FROM flights GROUP BY origin"),
        ("and by month", "SELECT origin, month, COUNT(*) FROM flights GROUP BY origin, month"),
        ("just AA", "SELECT origin, month, COUNT(*) FROM flights WHERE carrier = 'AA' GROUP BY origin, month"),
    )),
)
# fmt: on
