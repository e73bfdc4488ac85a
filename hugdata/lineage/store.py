"""Per-project lineage rows: one source per saved question (a successful query-log entry or a golden question) and
the columns it reads. Sources are parsed when they are saved, and caught up in bounded batches for older rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.catalog.semantic import SemanticModel
from hugdata.query.log import QueryLogEntry, succeeded
from hugdata.query.quality_models import GoldenQuestion
from hugdata.tenants.models import Base, Dialect

QUERY, GOLDEN = "query", "golden"
TABLE_READ = ""  # the column_name of a row that records a table read as a whole


class LineageSource(Base):
    __tablename__ = "lineage_sources"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    query_log_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("query_log.id", ondelete="CASCADE"))
    golden_question_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("golden_questions.id", ondelete="CASCADE")
    )
    question: Mapped[str] = mapped_column(Text)
    schema_version: Mapped[int | None] = mapped_column(Integer)
    unclear: Mapped[str | None] = mapped_column(Text)
    stale_version: Mapped[int | None] = mapped_column(Integer)
    stale_reason: Mapped[str | None] = mapped_column(Text)
    parsed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ColumnLineageRow(Base):
    __tablename__ = "column_lineage"

    project_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    table_name: Mapped[str] = mapped_column(Text, primary_key=True)
    column_name: Mapped[str] = mapped_column(Text, primary_key=True)
    uses: Mapped[list[str]] = mapped_column(ARRAY(Text))


def query_source_key(query_log_id: int) -> str:
    return f"{QUERY}:{query_log_id}"


def golden_source_key(golden_question_id: int) -> str:
    return f"{GOLDEN}:{golden_question_id}"


@dataclass(frozen=True)
class AnswerLineage:
    """What a logged answer's lineage is parsed from: recorded with the answer, or after it went out (a lost one is
    caught up at the project's next analytics refresh, which parses every logged answer that has none)."""

    project_id: str
    query_id: int
    question: str
    sql: str
    dialect: Dialect
    model: SemanticModel


def record_answer_lineage(session: Session, answer: AnswerLineage) -> bool:
    """Parse and store a logged answer's lineage (the caller commits); False if already stored."""
    return record_lineage(
        session,
        project_id=answer.project_id,
        source_key=query_source_key(answer.query_id),
        question=answer.question,
        sql=answer.sql,
        dialect=answer.dialect,
        model=answer.model,
        schema_version=None,
    )


def record_lineage(
    session: Session,
    *,
    project_id: str,
    source_key: str,
    question: str,
    sql: str,
    dialect: Dialect,
    model: SemanticModel,
    schema_version: int | None,
) -> bool:
    """Parse ``sql`` and store the source with its columns once (the caller commits); False if already stored."""
    # sqlglot loads on the first query to parse, not in every run worker that imports the lineage tables.
    from hugdata.lineage.columns import LineageUnclear, query_lineage

    kind, _, ref = source_key.partition(":")
    try:
        lineage, unclear = query_lineage(sql, dialect=dialect, model=model), None
    except LineageUnclear as exc:
        lineage, unclear = None, str(exc)
    inserted = session.execute(
        pg_insert(LineageSource)
        .values(
            project_id=project_id,
            source_key=source_key,
            kind=kind,
            query_log_id=int(ref) if kind == QUERY else None,
            golden_question_id=int(ref) if kind == GOLDEN else None,
            question=question,
            schema_version=schema_version,
            unclear=unclear,
        )
        .on_conflict_do_nothing()
        .returning(LineageSource.source_key)
    ).first()
    if inserted is None or lineage is None:
        return inserted is not None
    rows = [
        {
            "project_id": project_id,
            "source_key": source_key,
            "table_name": table,
            "column_name": column,
            "uses": sorted(uses),
        }  # fmt: skip
        for (table, column), uses in lineage.columns.items()
    ]
    read_whole = lineage.tables - {table for table, _ in lineage.columns}
    rows += [
        {
            "project_id": project_id,
            "source_key": source_key,
            "table_name": table,
            "column_name": TABLE_READ,
            "uses": ["read"],
        }  # fmt: skip
        for table in sorted(read_whole)
    ]
    if rows:
        session.execute(pg_insert(ColumnLineageRow).values(rows).on_conflict_do_nothing())
    return True


def catch_up(
    session: Session,
    *,
    project_id: str,
    dialect: Dialect,
    model: SemanticModel,
    schema_version: int | None,
    limit: int = 2000,
) -> int:
    """Parse up to ``limit`` saved questions that have no lineage yet, newest first (the caller commits)."""
    pending_queries = session.execute(
        select(QueryLogEntry.id, QueryLogEntry.question, QueryLogEntry.sql)
        .outerjoin(LineageSource, LineageSource.query_log_id == QueryLogEntry.id)
        .where(*succeeded(project_id), LineageSource.source_key.is_(None))
        .order_by(QueryLogEntry.id.desc())
        .limit(limit)
    ).all()
    pending_golden = session.execute(
        select(GoldenQuestion.id, GoldenQuestion.question, GoldenQuestion.expected_sql)
        .outerjoin(LineageSource, LineageSource.golden_question_id == GoldenQuestion.id)
        .where(GoldenQuestion.project_id == project_id, LineageSource.source_key.is_(None))
        .limit(limit)
    ).all()
    done = 0
    for key, rows in ((query_source_key, pending_queries), (golden_source_key, pending_golden)):
        for ref, question, sql in rows:
            done += record_lineage(
                session,
                project_id=project_id,
                source_key=key(ref),
                question=question,
                sql=sql,
                dialect=dialect,
                model=model,
                schema_version=schema_version,
            )
    return done


def stale_query_ids(session: Session, project_id: str, query_log_ids: list[int]) -> set[int]:
    """Which of these query-log entries a schema change has made stale."""
    if not query_log_ids:
        return set()
    return set(
        session.scalars(
            select(LineageSource.query_log_id).where(
                LineageSource.project_id == project_id,
                LineageSource.query_log_id.in_(query_log_ids),
                LineageSource.stale_version.is_not(None),
            )
        )
    )


def stale_golden_questions(session: Session, project_id: str) -> dict[int, str]:
    """Golden question ID -> why a schema change made it stale."""
    rows = session.execute(
        select(LineageSource.golden_question_id, LineageSource.stale_reason).where(
            LineageSource.project_id == project_id,
            LineageSource.kind == GOLDEN,
            LineageSource.stale_version.is_not(None),
        )
    )
    return {ref: reason or "stale" for ref, reason in rows if ref is not None}
