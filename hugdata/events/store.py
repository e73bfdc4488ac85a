"""The `project_events` table: appended by database triggers when a webhook event is queued or an asset state
changes (migration 0019), read by ID so a stream resumes exactly where it stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, DateTime, ForeignKey, Index, String, delete, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.tenants.models import Base

CHANNEL = "hugdata_project_events"
# A stream away for longer resumes from what is kept; the dashboard reloads its lists then anyway.
KEPT_FOR = timedelta(days=1)


class ProjectEvent(Base):
    __tablename__ = "project_events"
    __table_args__ = (
        Index("ix_project_events_project_id_id", "project_id", "id"),
        Index("ix_project_events_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    payload: dict[str, Any]


def events_after(connection: Connection, *, project_id: str, after_id: int, limit: int = 100) -> list[Event]:
    """The project's events with an ID above ``after_id``, oldest first (one index range)."""
    rows = connection.execute(
        select(ProjectEvent.id, ProjectEvent.kind, ProjectEvent.payload)
        .where(ProjectEvent.project_id == project_id, ProjectEvent.id > after_id)
        .order_by(ProjectEvent.id)
        .limit(limit)
    )
    return [Event(row.id, row.kind, row.payload) for row in rows]


def latest_event_id(connection: Connection, *, project_id: str) -> int:
    """The ID of the project's newest event (0 if it has none): a new stream starts after it."""
    newest = connection.scalar(select(func.max(ProjectEvent.id)).where(ProjectEvent.project_id == project_id))
    return int(newest or 0)


def forget_events_before(session: Session, *, cutoff: datetime, limit: int = 10_000) -> int:
    """Delete events older than ``cutoff``, a bounded number at a time (the caller commits)."""
    doomed = select(ProjectEvent.id).where(ProjectEvent.created_at < cutoff).limit(limit)
    return int(session.execute(delete(ProjectEvent).where(ProjectEvent.id.in_(doomed))).rowcount or 0)
