"""The webhook outbox: events are written in a transaction and delivered later, so a crash loses none."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, delete, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.tenants.models import Base

MAX_BACKOFF_S = 300


class WebhookEvent(Base):
    __tablename__ = "webhook_outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def enqueue(session: Session, *, event_id: str, project_id: str, payload: dict[str, Any]) -> bool:
    """Add an event unless one with that ID exists (producers may repeat themselves); True if added."""
    inserted = session.execute(
        pg_insert(WebhookEvent)
        .values(event_id=event_id, project_id=project_id, payload=payload)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(WebhookEvent.id)
    ).scalar()
    return inserted is not None


def claim_due(session: Session, *, limit: int) -> list[WebhookEvent]:
    """Undelivered events whose time has come, locked so that parallel dispatchers never send one twice at once."""
    return list(
        session.scalars(
            select(WebhookEvent)
            .where(WebhookEvent.delivered_at.is_(None), WebhookEvent.next_attempt_at <= func.now())
            .order_by(WebhookEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter, capped at five minutes: 1 s, 2 s, 4 s, ... 300 s."""
    base = min(2 ** max(attempts - 1, 0), MAX_BACKOFF_S)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def mark_delivered(event: WebhookEvent) -> None:
    event.attempts += 1
    event.delivered_at = func.now()  # type: ignore[assignment]
    event.last_error = None


def mark_failed(event: WebhookEvent, error: str) -> None:
    event.attempts += 1
    event.last_error = error[:500]
    event.next_attempt_at = func.now() + backoff(event.attempts)  # type: ignore[assignment]


def delete_delivered_before(session: Session, cutoff: datetime, *, batch: int = 10_000) -> int:
    """Delete events delivered before ``cutoff`` (in batches, so no statement holds many locks); the number
    deleted. Undelivered events stay whatever their age: they are still owed to someone."""
    total = 0
    while True:
        ids = select(WebhookEvent.id).where(WebhookEvent.delivered_at < cutoff).limit(batch).scalar_subquery()
        deleted = session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids))).rowcount
        total += deleted
        if deleted < batch:
            return total
