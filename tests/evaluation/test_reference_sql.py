"""Every reference query of the public question sets passes the validator on every dialect (a refusal of a correct
query is a validator bug) and answers on its schema; each names the tables and columns it needs."""

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.evaluation.questions import PUBLIC_QUESTIONS
from hugdata.evaluation.reference import reference_needs, reference_sql_for
from hugdata.query.validation import validate_query
from hugdata.tenants.models import Dialect


def _model(path: Path) -> tuple[SemanticModel, object]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        snapshot = profile_source(engine, introspect_schema(engine, dialect="sqlite"))
    finally:
        engine.dispose()
    return build_semantic_model(snapshot), snapshot


def test_question_sets_are_split_into_tuning_and_held_out_halves() -> None:
    for schema, questions in PUBLIC_QUESTIONS.items():
        held_out = [q for q in questions if q.held_out]
        assert len(questions) >= 16 and abs(len(questions) - 2 * len(held_out)) <= 1, schema


@pytest.mark.parametrize("dialect", list(Dialect))
@pytest.mark.parametrize("schema", sorted(PUBLIC_QUESTIONS))
def test_every_reference_query_passes_validation(public_builds: dict[str, Path], schema: str, dialect: Dialect) -> None:
    model, _ = _model(public_builds[schema])
    for question in PUBLIC_QUESTIONS[schema]:
        sql = reference_sql_for(question.sql, dialect)
        validate_query(sql, dialect=dialect, model=model, max_rows=1000)


@pytest.mark.parametrize("schema", sorted(PUBLIC_QUESTIONS))
def test_every_reference_query_answers_and_names_what_it_needs(public_builds: dict[str, Path], schema: str) -> None:
    _, snapshot = _model(public_builds[schema])
    with sqlite3.connect(public_builds[schema]) as db:
        for question in PUBLIC_QUESTIONS[schema]:
            assert db.execute(question.sql).fetchall() is not None
            needs = reference_needs(question.sql, snapshot)  # type: ignore[arg-type]
            assert needs.tables and all(t in needs.tables for t, _ in needs.columns), question.question


def test_needs_resolve_aliases_and_subqueries(public_builds: dict[str, Path]) -> None:
    _, snapshot = _model(public_builds["chinook"])
    sql = (
        'SELECT g.name, SUM(il.unit_price * il."Quantity") FROM chinook_invoiceline il '
        "JOIN chinook_track t ON t.id = il.track_id JOIN chinook_genre g ON g.id = t.genre_id GROUP BY g.name"
    )
    needs = reference_needs(sql, snapshot)  # type: ignore[arg-type]
    assert needs.tables == {"main.chinook_invoiceline", "main.chinook_track", "main.chinook_genre"}
    assert ("main.chinook_invoiceline", "Quantity") in needs.columns
    assert ("main.chinook_track", "genre_id") in needs.columns and ("main.chinook_genre", "name") in needs.columns
