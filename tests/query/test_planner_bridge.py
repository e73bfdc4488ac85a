"""Many-to-many through a bridge table: "items per tag" counts each item once per tag over item <- item_tag -> tag,
and a sum across the bridge is declined rather than counted once per partner. Numbers stored as text compare as
numbers. On every dialect."""

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
from tests.sources import copied_source

DIALECTS = ["sqlite", "postgresql", "mysql", "mariadb"]
DDL = """
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL);
CREATE TABLE tag (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE item_tag (item_id INTEGER NOT NULL REFERENCES item (id), tag_id INTEGER NOT NULL REFERENCES tag (id),
                       PRIMARY KEY (item_id, tag_id));
CREATE TABLE reading (id INTEGER PRIMARY KEY, station TEXT, weight TEXT);
INSERT INTO item VALUES (1, 'lamp', 10), (2, 'desk', 90), (3, 'chair', 40);
INSERT INTO tag VALUES (1, 'office'), (2, 'light'), (3, 'unused');
INSERT INTO item_tag VALUES (1, 1), (2, 1), (3, 1), (1, 2);
INSERT INTO reading VALUES (1, 'a', '99'), (2, 'a', '280'), (3, 'b', '7.5');
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bridge") / "store.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(DDL)
    return path


def _answer(store: Path, dialect: str, question: str) -> tuple[list[tuple], SemanticModel]:
    with copied_source(dialect, store) as spec:
        engine = open_source_engine(spec)
        try:
            model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect=spec.dialect.value)))
            sql = plan_question(question, model, dialect=spec.dialect)
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(text(sql))], model
        finally:
            engine.dispose()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_items_per_tag_are_counted_through_the_bridge_table(store: Path, dialect: str) -> None:
    rows, _ = _answer(store, dialect, "How many items are there in each tag?")
    # The tag's label is shown (names, not ids); an unused tag has no items and no row.
    assert sorted((r[-2], r[-1]) for r in rows) == [("light", 1), ("office", 3)], rows


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_maximum_of_numbers_stored_as_text_is_numeric(store: Path, dialect: str) -> None:
    rows, _ = _answer(store, dialect, "What is the maximum weight of the readings?")
    assert [float(r[0]) for r in rows] == [280.0]  # as text, '99' would come after '280'


def test_a_sum_across_a_bridge_is_declined(store: Path) -> None:
    _, model = _answer(store, "sqlite", "How many items are there in each tag?")
    with pytest.raises(PlannerDeclined, match="many-to-many"):
        plan_question("What is the total price of items per tag?", model, dialect=Dialect.sqlite)
