"""Threads and their turns in the platform database: one row a thread, one a turn, under row-level security, purged
with the project and after the retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, delete, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.conversations.turns import PastTurn
from hugdata.query.ask import AskResult
from hugdata.tenants.models import Base

# Old threads of a project are removed a batch at a time, when it starts a new one: bounded work on a write.
PURGE_BATCH = 100
HISTORY_TURNS = 4  # the answered turns an ask in a thread sees


class ThreadNotFound(LookupError):
    """No such thread in this project (another project's thread is not found either)."""


class ThreadFull(ValueError):
    """The thread has as many turns as a thread may have."""


class Thread(Base):
    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    end_user: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ThreadTurn(Base):
    __tablename__ = "thread_turns"

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    turn: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # answered, declined, refused, failed
    sql: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(32))
    tables: Mapped[list[str]] = mapped_column(JSONB, default=list)
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    changes: Mapped[list[str]] = mapped_column(JSONB, default=list)
    columns: Mapped[list[str]] = mapped_column(JSONB, default=list)
    row_count: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    query_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def start_thread(
    session: Session, project_id: str, *, title: str, end_user: str | None, retention: timedelta
) -> Thread:
    """A new empty thread (caller commits); the project's threads idle past ``retention`` go, a batch at a time."""
    stale = select(Thread.id).where(Thread.project_id == project_id, Thread.updated_at < func.now() - retention)
    session.execute(delete(Thread).where(Thread.id.in_(stale.limit(PURGE_BATCH).scalar_subquery())))
    thread = Thread(project_id=project_id, title=title, end_user=end_user, turns=0)
    session.add(thread)
    session.flush()
    return thread


def get_thread(session: Session, project_id: str, thread_id: int) -> Thread:
    thread = session.scalar(select(Thread).where(Thread.project_id == project_id, Thread.id == thread_id))
    if thread is None:
        raise ThreadNotFound(f"project {project_id!r} has no thread {thread_id}")
    return thread


def list_threads(
    session: Session, project_id: str, *, end_user: str | None, before: int | None, limit: int
) -> list[Thread]:
    """Newest first, ``limit`` at most, with IDs below ``before`` (keyset paging)."""
    query = select(Thread).where(Thread.project_id == project_id)
    if end_user is not None:
        query = query.where(Thread.end_user == end_user)
    if before is not None:
        query = query.where(Thread.id < before)
    return list(session.scalars(query.order_by(Thread.id.desc()).limit(limit)))


def thread_turns(session: Session, project_id: str, thread_id: int) -> list[ThreadTurn]:
    return list(
        session.scalars(
            select(ThreadTurn)
            .where(ThreadTurn.project_id == project_id, ThreadTurn.thread_id == thread_id)
            .order_by(ThreadTurn.turn)
        )
    )


def history(turns: list[ThreadTurn]) -> list[PastTurn]:
    """The answered turns an ask in the thread builds on, oldest first."""
    answered = [t for t in turns if t.outcome == "answered" and t.sql]
    return [PastTurn(t.question, t.sql, list(t.tables)) for t in answered[-HISTORY_TURNS:]]  # type: ignore[arg-type]


def reserve_turn(session: Session, thread: Thread, *, max_turns: int) -> int:
    """The next turn's number, counted against the thread's limit in the same statement (caller commits)."""
    number = session.scalar(
        update(Thread)
        .where(Thread.id == thread.id, Thread.turns < max_turns)
        .values(turns=Thread.turns + 1, updated_at=func.now())
        .returning(Thread.turns)
    )
    if number is None:
        raise ThreadFull(f"thread {thread.id} has reached its limit of {max_turns} turns; start a new thread")
    return number


@dataclass(frozen=True)
class TurnOutcome:
    outcome: str
    result: AskResult | None = None
    error: str | None = None


def record_turn(session: Session, thread: Thread, number: int, question: str, outcome: TurnOutcome) -> ThreadTurn:
    """Store one turn (caller commits): the answer's SQL without its row cap, so the next turn refines the query."""
    result = outcome.result
    turn = ThreadTurn(thread_id=thread.id, turn=number, project_id=thread.project_id, question=question,
                      outcome=outcome.outcome, error=outcome.error)  # fmt: skip
    if result is not None:
        turn.sql, turn.answered_by, turn.tables = (
            result.uncapped_sql or result.sql,
            result.answered_by,
            list(result.tables),
        )
        turn.explanation, turn.changes, turn.query_id = result.explanation, list(result.changes), result.query_id
        turn.columns, turn.row_count = list(result.columns), len(result.rows) if result.executed else None
    session.add(turn)
    return turn
