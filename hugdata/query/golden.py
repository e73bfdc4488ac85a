"""A project's golden questions: added only with reference SQL that passes validation, listed with accuracy runs."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from hugdata.catalog.store import latest_semantic_model
from hugdata.lineage.store import golden_source_key, record_lineage
from hugdata.query.quality_models import AccuracyRun, GoldenQuestion
from hugdata.query.validation import QueryRejected, validate_query
from hugdata.tenants.errors import (
    CatalogNotReady,
    DuplicateGoldenQuestion,
    GoldenQuestionNotFound,
    InvalidGoldenQuestion,
)
from hugdata.tenants.models import Dialect, Project


def add_golden_question(session: Session, project: Project, *, question: str, expected_sql: str) -> GoldenQuestion:
    """Store a golden question once its SQL is one safe read of the project's current tables (caller commits)."""
    latest = latest_semantic_model(session, project.id)
    if latest is None:
        raise CatalogNotReady(f"project {project.id!r} has no semantic model yet to check the SQL against")
    try:
        validate_query(expected_sql, dialect=Dialect(project.data_source.dialect), model=latest[1], max_rows=1000)
    except QueryRejected as rejected:
        raise InvalidGoldenQuestion(f"expected_sql is refused: {rejected}") from None
    inserted = session.scalar(
        pg_insert(GoldenQuestion)
        .values(project_id=project.id, question=question, expected_sql=expected_sql)
        .on_conflict_do_nothing(index_elements=[GoldenQuestion.project_id, GoldenQuestion.question])
        .returning(GoldenQuestion.id)
    )
    if inserted is None:
        raise DuplicateGoldenQuestion(f"project {project.id!r} already has the golden question {question!r}")
    golden = session.get(GoldenQuestion, inserted)
    assert golden is not None
    record_lineage(
        session,
        project_id=project.id,
        source_key=golden_source_key(golden.id),
        question=question,
        sql=expected_sql,
        dialect=Dialect(project.data_source.dialect),
        model=latest[1],
        schema_version=latest[0],
    )
    return golden


def golden_questions(session: Session, project_id: str) -> list[GoldenQuestion]:
    return list(
        session.scalars(
            select(GoldenQuestion).where(GoldenQuestion.project_id == project_id).order_by(GoldenQuestion.id)
        )
    )


def delete_golden_question(session: Session, project_id: str, question_id: int) -> None:
    """Remove one golden question of the project (caller commits)."""
    deleted = session.execute(
        delete(GoldenQuestion)
        .where(GoldenQuestion.project_id == project_id, GoldenQuestion.id == question_id)
        .returning(GoldenQuestion.id)
    ).first()
    if deleted is None:
        raise GoldenQuestionNotFound(f"project {project_id!r} has no golden question {question_id}")


def accuracy_runs(session: Session, project_id: str, limit: int) -> list[AccuracyRun]:
    """The newest accuracy runs of the project, newest first."""
    return list(
        session.scalars(
            select(AccuracyRun).where(AccuracyRun.project_id == project_id).order_by(AccuracyRun.id.desc()).limit(limit)
        )
    )
