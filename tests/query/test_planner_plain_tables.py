"""Tables as CSV imports leave them: a year kept as a number or as text, run-together keys (``yearid``), adjectives
that name their column ("the oldest baker" by age), and rows named by a column named after the table's thing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import build_semantic_model
from hugdata.query.planner import PlannerDeclined, plan_question
from hugdata.tenants.source_engines import open_source_engine
from tests.sources import copied_source

DIALECTS = ["sqlite", "postgresql", "mysql", "mariadb"]
DDL = """
CREATE TABLE bakers (series INTEGER, baker TEXT, age INTEGER, hometown TEXT);
CREATE TABLE salaries (yearid INTEGER, teamid TEXT, salary INTEGER);
CREATE TABLE surveys (record_id TEXT, year TEXT, sex TEXT, weight TEXT);
CREATE TABLE shipments (shipped_at DATE, weight REAL);
INSERT INTO bakers VALUES (1, 'Edd', 32, 'Bradford'), (1, 'Ruth', 31, 'Poynton'), (2, 'Mary', 45, 'London');
INSERT INTO salaries VALUES (2019, 'BOS', 100), (2019, 'NYA', 300), (2020, 'BOS', 50);
INSERT INTO surveys VALUES ('1', '1990', 'F', '40'), ('2', '1990', 'M', '7'), ('3', '1991', 'F', '12');
INSERT INTO shipments VALUES ('2024-01-05', 2.5), ('2023-06-01', 9.0);
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plain") / "plain.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(DDL)
    return path


def _answers(source: Path, dialect: str, questions: list[str]) -> list[list[tuple]]:
    with copied_source(dialect, source) as spec:
        engine = open_source_engine(spec)
        try:
            model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect=spec.dialect.value)))
            with engine.connect() as conn:
                return [
                    [tuple(r) for r in conn.execute(text(plan_question(q, model, dialect=spec.dialect)))]
                    for q in questions
                ]
        finally:
            engine.dispose()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_key_less_tables_answer_by_year_columns_adjectives_and_own_names(source: Path, dialect: str) -> None:
    per_year, in_2019, females_1990, oldest = _answers(
        source,
        dialect,
        [
            "What is the average salary per year?",  # yearid reads as "year id"
            "What is the total salary in 2019?",  # a year kept as a number
            "How many surveys with sex F were recorded in 1990?",  # a year kept as text
            "Who was the oldest baker?",  # by age, shown by the column named after the baker
        ],
    )
    assert sorted((int(y), float(v)) for y, v in per_year) == [(2019, 200.0), (2020, 50.0)]
    assert [int(v) for (v,) in in_2019] == [400]
    assert [int(v) for (v,) in females_1990] == [1]
    assert len(oldest) == 1 and "Mary" in oldest[0] and 45 in oldest[0]


def test_oldest_without_an_age_column_is_about_time(source: Path) -> None:
    [earliest] = _answers(source, "sqlite", ["When was the oldest shipment shipped?"])
    assert earliest == [("2023-06-01",)]


def test_a_year_with_no_year_column_to_hold_it_is_declined(source: Path) -> None:
    with copied_source("sqlite", source) as spec:
        engine = open_source_engine(spec)
        model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect="sqlite")))
        engine.dispose()
    with pytest.raises(PlannerDeclined, match="year 2019"):
        plan_question("How many bakers are there in 2019?", model, dialect=spec.dialect)


def test_a_table_is_named_by_what_its_own_key_is_named_after(tmp_path: Path) -> None:
    path = tmp_path / "league.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE people (playerid TEXT, namefirst TEXT);"
            "CREATE TABLE awardsshareplayers (awardid TEXT, playerid TEXT, points INTEGER);"
            "CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT, manager_id INTEGER REFERENCES staff (id));"
            "INSERT INTO people VALUES ('a1', 'Ann'), ('b1', 'Bo'), ('c1', 'Cy');"
            "INSERT INTO awardsshareplayers VALUES ('MVP', 'a1', 3);"
            "INSERT INTO staff VALUES (1, 'Di', NULL), (2, 'Ed', 1), (3, 'Flo', 1);"
        )
    with copied_source("sqlite", path) as spec:
        engine = open_source_engine(spec)
        model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect="sqlite")))
        engine.dispose()
    # People are the players: every other table refers to them by playerid; the award shares merely end in "players".
    sql = plan_question("How many players are there?", model, dialect=spec.dialect)
    assert "people" in sql and "awardsshareplayers" not in sql
    # A role pointing at another key is not the table's name: managers are some staff, not all of them.
    with pytest.raises(PlannerDeclined):
        plan_question("How many managers are there?", model, dialect=spec.dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rows_that_repeat_a_name_are_not_counted_as_things(tmp_path: Path, dialect: str) -> None:
    path = tmp_path / "storms.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript("CREATE TABLE storms (name TEXT, year INTEGER, hour INTEGER, wind INTEGER);"
                         "CREATE TABLE ships (id INTEGER PRIMARY KEY, name TEXT);")  # fmt: skip
        db.executemany(
            "INSERT INTO storms VALUES (?, 1990, ?, 40)", [(n, h) for n in ("Amy", "Bob", "Cy") for h in range(12)]
        )
        db.executemany("INSERT INTO ships VALUES (?, ?)", [(i, ("Ark", "Bee")[i % 2]) for i in range(1, 31)])
    with copied_source(dialect, path) as spec:
        engine = open_source_engine(spec)
        try:
            model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect=spec.dialect.value)))
        finally:
            engine.dispose()
    # 36 observations of 3 storms: counting rows would say 36 storms.
    with pytest.raises(PlannerDeclined, match="no key"):
        plan_question("How many storms are there?", model, dialect=spec.dialect)
    assert plan_question("What is the lowest wind of the storms?", model, dialect=spec.dialect)
    # A keyed table's rows are its things, however often their names repeat.
    assert "COUNT(*)" in plan_question("How many ships are there?", model, dialect=spec.dialect)


def test_a_word_is_never_taken_for_a_number_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "captures.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE captures (record_id TEXT, sex TEXT, weight TEXT)")
        db.executemany("INSERT INTO captures VALUES (?, ?, ?)", [(str(i), "FM"[i % 2], str(10 + i)) for i in range(40)])
    with copied_source("sqlite", path) as spec:
        engine = open_source_engine(spec)
        model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect="sqlite")))
        engine.dispose()
    # "weight of females": weight holds numbers as text; "females" is no weight, so it is not a filter on it.
    with pytest.raises(PlannerDeclined, match="females"):
        plan_question("What is the average weight of females?", model, dialect=spec.dialect)


def test_a_group_of_a_key_less_table_shows_its_identifying_column_beside_the_name(tmp_path: Path) -> None:
    path = tmp_path / "flights.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE airlines (carrier TEXT, name TEXT);"
            "CREATE TABLE flights (flight INTEGER, carrier TEXT, arr_delay REAL);"
            "INSERT INTO airlines VALUES ('AA', 'American'), ('UA', 'United');"
            "INSERT INTO flights VALUES (1, 'AA', 5.0), (2, 'AA', 7.0), (3, 'UA', -1.0);"
        )
    with copied_source("sqlite", path) as spec:
        engine = open_source_engine(spec)
        model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect="sqlite")))
        sql = plan_question("What is the average arrival delay per airline?", model, dialect=spec.dialect)
        with engine.connect() as conn:
            rows = sorted(tuple(r) for r in conn.execute(text(sql)))
        engine.dispose()
    assert rows == [("AA", "American", 6.0), ("UA", "United", -1.0)], sql
