"""Per-tenant quotas: requests per minute and LLM tokens per day, counted in the platform database so that every
API replica shares one count. Taking from a quota is one statement: an upsert that adds and returns the window's
total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import BigInteger, Connection, DateTime, ForeignKey, String, delete, select, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.tenants.models import Base


class Bucket(StrEnum):
    search = "search"
    ask = "ask"
    llm_tokens = "llm_tokens"


WINDOWS = {Bucket.search: timedelta(minutes=1), Bucket.ask: timedelta(minutes=1), Bucket.llm_tokens: timedelta(days=1)}
UNITS = {Bucket.search: "searches per minute", Bucket.ask: "asks per minute", Bucket.llm_tokens: "LLM tokens per day"}


class QuotaUsage(Base):
    __tablename__ = "quota_usage"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(16), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    used: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class QuotaState:
    bucket: Bucket
    used: int
    limit: int
    resets_at: datetime

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def retry_after_s(self, now: datetime) -> int:
        return max(1, int((self.resets_at - now).total_seconds() + 0.999))


def window_start(bucket: Bucket, now: datetime) -> datetime:
    """The start of the window ``now`` falls in: the minute, or the UTC day."""
    now = now.astimezone(UTC)
    if WINDOWS[bucket] >= timedelta(days=1):
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    return now.replace(second=0, microsecond=0)


# One statement with a fixed text: on the hot path of every search and ask, building and compiling an ORM upsert
# would cost more than the round trip itself.
_TAKE = (
    "INSERT INTO quota_usage (project_id, bucket, window_start, used) "
    "VALUES (%(project_id)s, %(bucket)s, %(window_start)s, %(amount)s) "
    "ON CONFLICT (project_id, bucket, window_start) DO UPDATE SET used = quota_usage.used + excluded.used "
    "RETURNING used"
)


def take(
    connection: Connection, *, project_id: str, bucket: Bucket, amount: int, limit: int, now: datetime
) -> QuotaState:
    """Count ``amount`` against the project's current window and return the window's total (one statement; the
    caller commits unless the connection is in autocommit)."""
    start = window_start(bucket, now)
    params = {"project_id": project_id, "bucket": bucket.value, "window_start": start, "amount": amount}
    used = connection.exec_driver_sql(_TAKE, params).scalar_one()
    return QuotaState(bucket, int(used), limit, start + WINDOWS[bucket])


def current(session: Session, *, project_id: str, bucket: Bucket, limit: int, now: datetime) -> QuotaState:
    """The window's total so far, without adding to it."""
    start = window_start(bucket, now)
    used = session.scalar(
        select(QuotaUsage.used).where(
            QuotaUsage.project_id == project_id, QuotaUsage.bucket == bucket.value, QuotaUsage.window_start == start
        )
    )
    return QuotaState(bucket, int(used or 0), limit, start + WINDOWS[bucket])


def forget_old_windows(session: Session, *, now: datetime, limit: int = 10_000) -> int:
    """Delete windows that ended more than a day ago, a bounded number at a time (the caller commits)."""
    doomed = (
        select(QuotaUsage.project_id, QuotaUsage.bucket, QuotaUsage.window_start)
        .where(QuotaUsage.window_start < now - timedelta(days=2))
        .limit(limit)
    )
    result = session.execute(
        delete(QuotaUsage).where(tuple_(QuotaUsage.project_id, QuotaUsage.bucket, QuotaUsage.window_start).in_(doomed))
    )
    return int(result.rowcount or 0)
