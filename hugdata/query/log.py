"""Every ask a tenant makes, in the tenant's query log: question, SQL, outcome, latency, tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hugdata.db import pipelined
from hugdata.tenants.models import Base
from hugdata.tenants.row_security import CONNECTION_SCOPE_SQL


class QueryLogEntry(Base):
    __tablename__ = "query_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    sql: Mapped[str | None] = mapped_column(Text)
    valid: Mapped[bool] = mapped_column(Boolean)
    executed: Mapped[bool] = mapped_column(Boolean)
    rows: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error_class: Mapped[str | None] = mapped_column(String(64))
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    tries: Mapped[int] = mapped_column(Integer, default=1)
    answered_by: Mapped[str | None] = mapped_column(String(32))  # llm, offline_planner, past_question
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)


class UsageAnalytics(Base):
    """The latest usage summary of a project, written by the `usage_analytics` asset."""

    __tablename__ = "usage_analytics"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def succeeded(project_id: str) -> list[ColumnElement[bool]]:
    """The conditions of a project's ask whose SQL ran without error."""
    return [
        QueryLogEntry.project_id == project_id,
        QueryLogEntry.valid.is_(True),
        QueryLogEntry.executed.is_(True),
        QueryLogEntry.error_class.is_(None),
        QueryLogEntry.sql.is_not(None),
    ]


def successful_asks(project_id: str, *, limit: int) -> Select[tuple[str, str | None, int, int]]:
    """The project's asks whose SQL ran without error, newest first: question, SQL, latency, log ID."""
    return (
        select(QueryLogEntry.question, QueryLogEntry.sql, QueryLogEntry.latency_ms, QueryLogEntry.id)
        .where(*succeeded(project_id))
        .order_by(QueryLogEntry.id.desc())
        .limit(limit)
    )


_WRITTEN = [c.name for c in QueryLogEntry.__table__.columns if c.name not in ("id", "created_at")]
_INSERT_SQL = (
    f"INSERT INTO query_log ({', '.join(_WRITTEN)}) VALUES ({', '.join(f'%({c})s' for c in _WRITTEN)}) RETURNING id"
)


def write_ask_log(connection: Connection, entry: QueryLogEntry, *, scoped: bool) -> int:
    """Store one ask in one round trip and set its ID. ``scoped`` for a connection outside a transaction whose role
    is under row-level security (the project setting goes with the insert); else the caller commits."""
    with pipelined(connection) as raw:
        if scoped:
            raw.execute(CONNECTION_SCOPE_SQL, {"project_id": entry.project_id})
        cursor = raw.execute(_INSERT_SQL, {c: getattr(entry, c) for c in _WRITTEN})
    entry.id = cursor.fetchone()[0]
    return entry.id
