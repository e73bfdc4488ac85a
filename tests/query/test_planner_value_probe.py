"""A name the category lists do not hold ("from Lima", "to LAX") is looked up in the fact's columns of too many values
to list: found exactly, it is a filter; found also inside other values ("London" and "Enfield, London"), the question
is declined rather than answered for part of what it meant."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import build_semantic_model
from hugdata.query.planner import PlannerDeclined, plan_question
from hugdata.query.values import category_value_lookup, value_probe
from hugdata.tenants.source_engines import open_source_engine
from tests.sources import copied_source

DIALECTS = ["sqlite", "postgresql", "mysql", "mariadb"]
CITIES = [f"Town {i:02d}" for i in range(60)] + ["Lima", "Lima", "London", "Enfield, London"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_name_is_found_in_a_column_of_many_values_or_declined_when_it_is_only_part(
    tmp_path: Path, dialect: str
) -> None:
    path = tmp_path / "customers.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, city TEXT)")
        db.executemany("INSERT INTO customers VALUES (?, ?)", list(enumerate(CITIES, 1)))
    with copied_source(dialect, path) as spec:
        engine = open_source_engine(spec)
        try:
            model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect=spec.dialect.value)))
            values = category_value_lookup(lambda: engine, dialect=spec.dialect, model=model)
            probe = value_probe(lambda: engine, dialect=spec.dialect, model=model)

            def plan(question: str, **probing: object) -> str:
                return plan_question(question, model, dialect=spec.dialect, values=values, **probing)  # type: ignore[arg-type]

            lima = plan("How many customers are from Lima?", probe=probe)
            with engine.connect() as conn:
                assert [tuple(r) for r in conn.execute(text(lima))] == [(2,)]
            with pytest.raises(PlannerDeclined, match="also part of other city values"):
                plan("How many customers are from London?", probe=probe)
            # Without the probe the name cannot be placed, and the planner says so.
            with pytest.raises(PlannerDeclined, match="Lima"):
                plan("How many customers are from Lima?")
        finally:
            engine.dispose()
