"""A grouped answer shows names, not ids: grouping by a key column shows the named entity it points at."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.semantic import build_semantic_model
from hugdata.query.planner import plan_question
from hugdata.tenants.models import Dialect


@pytest.mark.parametrize("question", ["How many customers are there per country id?"])
def test_grouping_by_a_key_column_shows_the_names_it_points_at(tmp_path: Path, question: str) -> None:
    path = tmp_path / "names.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE countries (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, country_id INTEGER REFERENCES countries (id));"
            "INSERT INTO countries VALUES (1, 'Chile'), (2, 'Peru');"
            "INSERT INTO customers VALUES (1, 'a@x', 1), (2, 'b@x', 1), (3, 'c@x', 2);"
        )
    engine = create_engine(f"sqlite:///{path}")
    model = build_semantic_model(introspect_schema(engine, dialect="sqlite"))
    sql = plan_question(question, model, dialect=Dialect.sqlite)
    with engine.connect() as conn:
        rows = sorted(tuple(r) for r in conn.exec_driver_sql(sql).fetchall())
    engine.dispose()
    # Each row carries the country's name (beside its key, which keeps two countries of one name apart).
    assert [(r[-2], r[-1]) for r in rows] == [("Chile", 2), ("Peru", 1)], sql
