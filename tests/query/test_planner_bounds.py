"""Bounds and counts as analysts say them: "more than 300 seats", "built before 2000", "which 2 destinations have
the most flights", "how many ... in total"; and what the planner must still decline: counting per a column whose
values are all different, and a cue word read as a column of a table the question never names."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.query.planner import PlannerDeclined, plan_question
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import open_source_engine
from tests.sources import copied_source, profiled_model

DIALECTS = ["sqlite", "postgresql", "mysql", "mariadb"]
PLANES = [("N1", 1995, 350), ("N2", 2005, 150), ("N3", 1999, 400), ("N4", 2010, 20)]
DESTINATIONS = ["LAX"] * 12 + ["ORD"] * 8 + ["BOS"] * 4 + ["SFO"] * 2


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bounds") / "bounds.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE planes (tailnum TEXT, year INTEGER, seats INTEGER);"
            "CREATE TABLE flights (flight INTEGER, dest TEXT, distance INTEGER);"
            "CREATE TABLE shipments (shipped_at DATE, weight REAL);"
            "CREATE TABLE surveys (record_id TEXT, year TEXT, weight TEXT);"
            "CREATE TABLE murders (state TEXT, total INTEGER);"
        )
        db.executemany("INSERT INTO planes VALUES (?, ?, ?)", PLANES)
        db.executemany("INSERT INTO flights VALUES (?, ?, 100)", list(enumerate(DESTINATIONS, 1)))
        db.executemany("INSERT INTO shipments VALUES (?, 1.0)", [("2023-06-01",), ("2024-01-05",), ("2025-02-01",)])
        db.executemany("INSERT INTO surveys VALUES (?, ?, '5')", [(str(i), str(1988 + i % 4)) for i in range(24)])
        db.executemany("INSERT INTO murders VALUES (?, ?)", [(f"S{i:02d}", 10 * i) for i in range(24)])
    return path


def _model_and_answers(source: Path, dialect: str, questions: list[str]) -> tuple[SemanticModel, list[list[tuple]]]:
    with copied_source(dialect, source) as spec:
        engine = open_source_engine(spec)
        try:
            model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect=spec.dialect.value)))
            with engine.connect() as conn:
                answers = [
                    [tuple(r) for r in conn.execute(text(plan_question(q, model, dialect=spec.dialect)))]
                    for q in questions
                ]
        finally:
            engine.dispose()
    return model, answers


@pytest.mark.parametrize("dialect", DIALECTS)
def test_bounds_before_their_column_and_years_before_or_after_are_filters(source: Path, dialect: str) -> None:
    _, (big, before_2000, after_2023, since_2024, text_years) = _model_and_answers(
        source,
        dialect,
        [
            "Which planes have more than 300 seats?",
            "How many planes were built before 2000?",  # a year kept as a number
            "How many shipments were made after 2023?",  # a date: from the next year's first day
            "How many shipments were made since 2024?",
            "How many surveys were done before 1990?",  # four-digit years kept as text order as the years do
        ],
    )
    assert sorted(r[0] for r in big) == ["N1", "N3"]
    assert before_2000 == [(2,)] and after_2023 == [(2,)] and since_2024 == [(2,)]
    assert text_years == [(12,)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_most_rows_are_counted_per_a_column_whose_values_repeat(source: Path, dialect: str) -> None:
    _, [top_two, in_total] = _model_and_answers(
        source, dialect, ["Which 2 destinations have the most flights?", "How many planes are there in total?"]
    )
    assert [(r[0], int(r[1])) for r in top_two] == [("LAX", 12), ("ORD", 8)]
    assert in_total == [(4,)]  # a count of planes, not a total of some column


def test_counting_per_a_column_of_unique_values_and_stray_cue_words_are_declined(source: Path) -> None:
    model, _ = _model_and_answers(source, "sqlite", [])
    # One row per state: "the most murders" per state would count ones. It is declined, not ranked by ties.
    with pytest.raises(PlannerDeclined):
        plan_question("Which state has the most murders?", model, dialect=Dialect.sqlite)
    # "total" is the question's, not murders.total: the planes are counted.
    sql = plan_question("How many planes are there in total?", model, dialect=Dialect.sqlite)
    assert "murders" not in sql and "COUNT(*)" in sql
    # A number bounding a column is never taken for how many rows to show.
    assert "LIMIT" not in plan_question("Which planes have more than 300 seats?", model, dialect=Dialect.sqlite)


def test_a_piece_of_a_run_together_table_name_names_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "pizza.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE pizzaplace (id INTEGER PRIMARY KEY, size TEXT, price REAL)")
        db.executemany("INSERT INTO pizzaplace VALUES (?, ?, ?)", [(i, "SML"[i % 3], 10.0 + i % 3) for i in range(30)])
    model = profiled_model(path)
    # "pizzas" is a piece of pizzaplace; "revenue per size" sums the price even though a price alone is ambiguous.
    assert "COUNT(*)" in plan_question("How many pizzas are there?", model, dialect=Dialect.sqlite)
    revenue = plan_question("What was the pizza revenue per size?", model, dialect=Dialect.sqlite)
    assert "SUM(" in revenue and "GROUP BY" in revenue
    with pytest.raises(PlannerDeclined, match="total or an average"):
        plan_question("What is the price per size?", model, dialect=Dialect.sqlite)


def test_a_noun_the_same_in_both_numbers_takes_its_number_from_the_verb(tmp_path: Path) -> None:
    path = tmp_path / "series.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE seasons (series INTEGER PRIMARY KEY, avg_viewers REAL)")
        db.executemany("INSERT INTO seasons VALUES (?, ?)", [(i, 2.0 + i % 4) for i in range(1, 11)])
    model = profiled_model(path)
    one = plan_question("Which series has the highest average viewers?", model, dialect=Dialect.sqlite)
    assert one.rstrip().endswith("LIMIT 1")
    several = plan_question("Which series have the highest average viewers?", model, dialect=Dialect.sqlite)
    assert "LIMIT 10" in several
    # "had" says neither: one row or ten would both be a guess.
    with pytest.raises(PlannerDeclined, match="one or several"):
        plan_question("Which series had the highest average viewers?", model, dialect=Dialect.sqlite)
