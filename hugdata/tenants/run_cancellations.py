"""Requests to cancel runs Dagster cannot stop yet: a STARTING run has no worker to terminate. The request is kept
until a sensor has terminated the run once it started, or the run ended on its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.tenants.models import Base


class RunCancelRequest(Base):
    __tablename__ = "run_cancel_requests"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def request_cancel(session: Session, *, run_id: str, project_id: str, requested_by: str) -> None:
    """Remember that ``run_id`` is to be cancelled (idempotent; the caller commits)."""
    session.execute(
        insert(RunCancelRequest)
        .values(run_id=run_id, project_id=project_id, requested_by=requested_by)
        .on_conflict_do_nothing(index_elements=["run_id"])
    )


def pending_cancellations(session: Session, *, limit: int = 200) -> list[str]:
    """Run IDs still to be cancelled, oldest request first; bounded, so a tick's cost stays fixed."""
    query = select(RunCancelRequest.run_id).order_by(RunCancelRequest.requested_at).limit(limit)
    return list(session.scalars(query))


def forget_cancellations(session: Session, run_ids: list[str]) -> None:
    """Drop requests that were honoured or whose runs ended (the caller commits)."""
    if run_ids:
        session.execute(delete(RunCancelRequest).where(RunCancelRequest.run_id.in_(run_ids)))
