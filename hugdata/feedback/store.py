"""Ratings of a project's answers, the golden-question candidates they make, and the share rated up per answerer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, case, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.query.golden import add_golden_question
from hugdata.query.log import QueryLogEntry
from hugdata.query.quality_models import GoldenQuestion
from hugdata.tenants.errors import DuplicateGoldenQuestion
from hugdata.tenants.models import Base, Project


class QueryNotFound(LookupError):
    """No such ask in this project's query log."""


class CandidateNotFound(LookupError):
    """No pending golden-question candidate with that ID in this project."""


class NothingToRateUp(ValueError):
    """The ask has no answer that ran: there is nothing right to keep."""


class QueryFeedback(Base):
    __tablename__ = "query_feedback"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    query_id: Mapped[int] = mapped_column(ForeignKey("query_log.id", ondelete="CASCADE"))
    rating: Mapped[str] = mapped_column(String(4))  # up, down
    corrected_sql: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    end_user: Mapped[str | None] = mapped_column(String(200))
    # none (nothing to keep), pending (awaits a review), accepted, rejected, duplicate (already a golden question)
    candidate: Mapped[str] = mapped_column(String(16))
    golden_question_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def logged_ask(session: Session, project_id: str, query_id: int) -> QueryLogEntry:
    entry = session.scalar(
        select(QueryLogEntry).where(QueryLogEntry.project_id == project_id, QueryLogEntry.id == query_id)
    )
    if entry is None:
        raise QueryNotFound(f"project {project_id!r} has no query {query_id}")
    return entry


def rate_answer(
    session: Session,
    project: Project,
    entry: QueryLogEntry,
    *,
    rating: str,
    corrected_sql: str | None,
    note: str | None,
    end_user: str | None,
) -> QueryFeedback:
    """Store a rating (caller commits). An answer rated up, or a correction (already checked to validate and run),
    becomes a golden-question candidate: accepted at once when the project says so, else pending a review."""
    answered = entry.valid and entry.executed and entry.error_class is None and entry.sql
    if rating == "up" and not answered and corrected_sql is None:
        raise NothingToRateUp(f"query {entry.id} has no answer that ran: rate it down, or send corrected_sql")
    keeps = corrected_sql is not None or rating == "up"
    feedback = QueryFeedback(project_id=project.id, query_id=entry.id, rating=rating, corrected_sql=corrected_sql,
                             note=note, end_user=end_user, candidate="pending" if keeps else "none")  # fmt: skip
    session.add(feedback)
    session.flush()
    if keeps and project.accept_golden_candidates:
        accept_candidate(session, project, feedback.id)
    return feedback


def pending_candidates(session: Session, project_id: str, limit: int) -> list[tuple[QueryFeedback, QueryLogEntry]]:
    """Candidates awaiting a review, oldest first, with the asks they rate."""
    rows = session.execute(
        select(QueryFeedback, QueryLogEntry)
        .join(QueryLogEntry, QueryLogEntry.id == QueryFeedback.query_id)
        .where(QueryFeedback.project_id == project_id, QueryFeedback.candidate == "pending")
        .order_by(QueryFeedback.id)
        .limit(limit)
    ).all()
    return [(f, e) for f, e in rows]


def candidate_sql(feedback: QueryFeedback, entry: QueryLogEntry) -> str:
    return feedback.corrected_sql or entry.sql or ""


def accept_candidate(session: Session, project: Project, feedback_id: int) -> GoldenQuestion | None:
    """The candidate as a golden question (caller commits); None when the question already is one."""
    feedback, entry = _pending(session, project.id, feedback_id)
    try:
        with session.begin_nested():
            golden = add_golden_question(session, project, question=entry.question,
                                         expected_sql=candidate_sql(feedback, entry))  # fmt: skip
    except DuplicateGoldenQuestion:
        feedback.candidate = "duplicate"
        return None
    feedback.candidate, feedback.golden_question_id = "accepted", golden.id
    return golden


def reject_candidate(session: Session, project_id: str, feedback_id: int) -> None:
    feedback, _ = _pending(session, project_id, feedback_id)
    feedback.candidate = "rejected"


def _pending(session: Session, project_id: str, feedback_id: int) -> tuple[QueryFeedback, QueryLogEntry]:
    row = session.execute(
        select(QueryFeedback, QueryLogEntry)
        .join(QueryLogEntry, QueryLogEntry.id == QueryFeedback.query_id)
        .where(
            QueryFeedback.project_id == project_id,
            QueryFeedback.id == feedback_id,
            QueryFeedback.candidate == "pending",
        )  # fmt: skip
    ).first()
    if row is None:
        raise CandidateNotFound(f"project {project_id!r} has no pending golden-question candidate {feedback_id}")
    return row[0], row[1]


def rating_summary(session: Session, project_id: str) -> dict[str, Any]:
    """Answers rated, rated up and the share up, overall and per answerer (llm, offline_planner, past_question)."""
    up = func.sum(case((QueryFeedback.rating == "up", 1), else_=0))
    rows = session.execute(
        select(QueryLogEntry.answered_by, func.count(), up)
        .join(QueryLogEntry, QueryLogEntry.id == QueryFeedback.query_id)
        .where(QueryFeedback.project_id == project_id)
        .group_by(QueryLogEntry.answered_by)
    ).all()

    def shares(rated: int, rated_up: int) -> dict[str, Any]:
        return {"rated": rated, "rated_up": rated_up, "share_up": round(rated_up / rated, 4) if rated else None}

    total = shares(sum(r[1] for r in rows), sum(int(r[2] or 0) for r in rows))
    return {**total, "by_answerer": {str(r[0] or "unknown"): shares(r[1], int(r[2] or 0)) for r in rows}}
