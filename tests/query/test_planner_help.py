"""Suggested questions read as English and are answered by the planner when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from hugdata.query.planner import plan_question
from hugdata.query.planner_help import suggested_questions
from hugdata.tenants.models import Dialect
from tests.sources import sqlite_catalog


@pytest.mark.parametrize(
    ("table", "plural"),
    [("compartment_class", "compartment classes"), ("address", "addresses"), ("category", "categories"),
     ("train", "trains")],
)  # fmt: skip
def test_suggestions_are_plural_english_and_answered_without_hints(tmp_path: Path, table: str, plural: str) -> None:
    _, model = sqlite_catalog(
        tmp_path / "s.sqlite",
        f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO {table} VALUES (1, 'a'), (2, 'b');",
    )
    suggestions = suggested_questions(model, [f"main.{table}"], Dialect.sqlite)
    assert f"How many {plural} are there?" in suggestions
    for question in suggestions:
        assert plan_question(question, model, dialect=Dialect.sqlite)
