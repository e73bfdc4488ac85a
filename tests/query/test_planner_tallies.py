"""Tables that hold counts, observations and look-alike columns: the shapes behind the fresh held-out set's wrong
answers. "How many cases" sums the column that counts them; a table of per-state totals is not counted row by row;
"each storm" over storm observations groups by the storm's name; a column two tables share, or a year two tables
have, is not guessed at."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import build_semantic_model
from hugdata.query.planner import PlannerDeclined, plan_question
from hugdata.query.values import category_value_lookup
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import open_source_engine
from tests.sources import copied_source, profiled_model

DIALECTS = ["sqlite", "postgresql", "mysql", "mariadb"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tallies") / "tallies.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE diseases (disease TEXT, state TEXT, year INTEGER, cases INTEGER);"
            "CREATE TABLE murders (state TEXT, region TEXT, total INTEGER);"
            "CREATE TABLE storms (name TEXT, hour INTEGER, pressure INTEGER);"
            "CREATE TABLE teams (team TEXT, year INTEGER, attendance INTEGER);"
            "CREATE TABLE homegames (park TEXT, year INTEGER, attendance INTEGER);"
            "CREATE TABLE planes (tailnum TEXT PRIMARY KEY, year INTEGER);"
            "CREATE TABLE flights (id INTEGER PRIMARY KEY, tailnum TEXT REFERENCES planes (tailnum), year INTEGER);"
        )
        db.executescript(
            "CREATE TABLE bakers (baker TEXT PRIMARY KEY, total_episodes_appeared INTEGER);"
            "INSERT INTO bakers VALUES ('Edd', 6), ('Ruth', 5), ('Mary', 3);"
            "CREATE TABLE captures (record_id INTEGER PRIMARY KEY, weight INTEGER);"
            "INSERT INTO captures VALUES (1, 40), (2, 7), (3, 12);"
            "CREATE VIEW complete AS SELECT record_id, weight FROM captures;"
        )
        db.executemany("INSERT INTO planes VALUES (?, ?)", [("N1", 1985), ("N2", 1995)])
        db.executemany(
            "INSERT INTO flights VALUES (?, ?, 2013)", [(i, "N1N2"[2 * (i % 2) : 2 * (i % 2) + 2]) for i in range(1, 7)]
        )
        db.executemany(
            "INSERT INTO diseases VALUES (?, ?, ?, ?)",
            [(d, s, y, 10 * i + 1) for i, (d, s, y) in enumerate(
                (d, s, y) for d in ("Polio", "Measles") for s in ("AL", "AK", "AZ") for y in (1955, 1956))],
        )  # fmt: skip
        db.executemany("INSERT INTO murders VALUES (?, ?, ?)", [(f"S{i:02d}", "NS"[i % 2], i) for i in range(24)])
        db.executemany(
            "INSERT INTO storms VALUES (?, ?, ?)",
            [(n, h, 1000 - h * k) for k, n in enumerate("ABC", 1) for h in range(8)],
        )
        db.executemany("INSERT INTO teams VALUES (?, 2019, ?)", [("BOS", 100), ("NYA", 200)])
        db.executemany("INSERT INTO homegames VALUES (?, 2019, ?)", [("P1", 90), ("P2", 190), ("P3", 5)])
    return path


@pytest.mark.parametrize("dialect", DIALECTS)
def test_how_many_of_a_counted_column_is_its_total(source: Path, dialect: str) -> None:
    with copied_source(dialect, source) as spec:
        engine = open_source_engine(spec)
        try:
            model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect=spec.dialect.value)))
            values = category_value_lookup(lambda: engine, dialect=spec.dialect, model=model)
            sql = plan_question("How many Polio cases were there in 1955?", model, dialect=spec.dialect, values=values)
            with engine.connect() as conn:
                assert [tuple(r) for r in conn.execute(text(sql))] == [(1 + 21 + 41,)], sql
                storms = plan_question("What was the lowest pressure of each storm?", model, dialect=spec.dialect)
                rows = sorted((r[0], int(r[1])) for r in conn.execute(text(storms)))
        finally:
            engine.dispose()
    # Each storm is each name: its lowest pressure, not the lowest of every observation.
    assert rows == [("A", 993), ("B", 986), ("C", 979)]


def test_what_would_be_a_guess_is_declined(source: Path) -> None:
    model = profiled_model(source)
    # Rows of per-state totals are states: "how many murders" is not their number.
    with pytest.raises(PlannerDeclined, match="holds counts already in its total column"):
        plan_question("How many murders were there per region?", model, dialect=Dialect.sqlite)
    # Teams and home games both have an attendance, and their totals differ.
    with pytest.raises(PlannerDeclined, match="attendance is a column of homegames and teams"):
        plan_question("What was the total attendance in 2019?", model, dialect=Dialect.sqlite)
    # Named, the table decides.
    assert "teams" in plan_question(
        "What was the total attendance of the teams in 2019?", model, dialect=Dialect.sqlite
    )
    # "Built before 1990" is the planes' year, not the flights': with two years to choose from, no guess.
    with pytest.raises(PlannerDeclined, match="have a year"):
        plan_question("How many flights were flown by planes built before 1990?", model, dialect=Dialect.sqlite)
    # A count that is a fact about each row (episodes a baker appeared in) does not make the rows counts.
    assert "COUNT(*)" in plan_question("How many bakers are there?", model, dialect=Dialect.sqlite)
    # A view repeating a table's column reads the same rows: the table answers, nothing is declined.
    assert "captures" in plan_question("What is the maximum weight?", model, dialect=Dialect.sqlite)
    # Counting storm observations as storms stays declined.
    with pytest.raises(PlannerDeclined, match="no key"):
        plan_question("How many storms are there?", model, dialect=Dialect.sqlite)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_values_are_matched_in_the_plural_and_a_value_two_columns_hold_is_declined(
    tmp_path: Path, dialect: str
) -> None:
    path = tmp_path / "species.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE species (species_id TEXT PRIMARY KEY, genus TEXT, taxa TEXT, party TEXT);"
            'CREATE TABLE delays (flight INTEGER PRIMARY KEY, dep_delay INTEGER, year INTEGER, "2000" INTEGER);'
        )
        rows = [(f"S{i}", ("Rodent", "Dipodomys", "Amphispiza")[i % 3], ("Rodent", "Rodent", "Bird")[i % 3],
                 ("Republican", "Democratic")[i % 2]) for i in range(12)]  # fmt: skip
        db.executemany("INSERT INTO species VALUES (?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO delays VALUES (?, ?, ?, 7)", [(i, 10 * i, 1999 + i % 2) for i in range(1, 7)])
    with copied_source(dialect, path) as spec:
        engine = open_source_engine(spec)
        try:
            model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect=spec.dialect.value)))
            values = category_value_lookup(lambda: engine, dialect=spec.dialect, model=model)

            def answer(question: str) -> list[tuple]:
                sql = plan_question(question, model, dialect=spec.dialect, values=values)
                with engine.connect() as conn:
                    return [tuple(r) for r in conn.execute(text(sql))]

            # "Republicans" are rows whose party is 'Republican'.
            assert answer("How many species are Republicans?") == [(6,)]
            # "the longest departure delay" is the greatest delay; "in 2000" is a year, not the column named 2000.
            assert [int(v) for (v,) in answer("What was the longest departure delay?")] == [60]
            assert answer("How many delays were there in 2000?") == [(3,)]
            # 'Rodent' is a genus and a taxon: either filter would be a guess.
            with pytest.raises(PlannerDeclined, match="value of genus and taxa"):
                answer("How many species are Rodents?")
        finally:
            engine.dispose()
