"""One-time dashboard links and the browser sessions they open. A link's token and a session's ID are random
256-bit values of which only a SHA-256 is stored; a link opens one session, once, before it expires. A session is
scoped to one project (or is an admin's) and carries the CSRF token its state-changing requests must echo."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, String, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.tenants.models import Base


class DashboardLink(Base):
    __tablename__ = "dashboard_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # NULL: the admin view, all projects.
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DashboardSession(Base):
    __tablename__ = "dashboard_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


@dataclass(frozen=True)
class MintedLink:
    token: str  # in the URL only, never stored
    expires_at: datetime


@dataclass(frozen=True)
class OpenedSession:
    session_id: str  # in the cookie only, never stored
    project_id: str | None
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class SessionScope:
    project_id: str | None
    csrf_token: str
    expires_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.project_id is None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def mint_link(session: Session, *, project_id: str | None, ttl: timedelta, now: datetime) -> MintedLink:
    """A link that opens one session for ``project_id`` (None: the admin view) until ``now + ttl`` (caller commits)."""
    token = secrets.token_urlsafe(32)
    expires_at = now + ttl
    session.add(DashboardLink(token_hash=_digest(token), project_id=project_id, expires_at=expires_at))
    return MintedLink(token, expires_at)


def redeem_link(session: Session, token: str, *, now: datetime) -> DashboardLink | None:
    """Mark the link used and return it; None when it is unknown, already used or expired (the caller commits)."""
    return session.scalar(
        update(DashboardLink)
        .where(
            DashboardLink.token_hash == _digest(token), DashboardLink.used_at.is_(None), DashboardLink.expires_at > now
        )  # fmt: skip
        .values(used_at=now)
        .returning(DashboardLink)
    )


def open_session(session: Session, *, project_id: str | None, lifetime: timedelta, now: datetime) -> OpenedSession:
    """A new browser session for ``project_id`` (None: admin) (the caller commits)."""
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires_at = now + lifetime
    session.add(DashboardSession(id_hash=_digest(session_id), project_id=project_id, csrf_token=csrf,
                                 expires_at=expires_at))  # fmt: skip
    return OpenedSession(session_id, project_id, csrf, expires_at)


def session_scope(session: Session, session_id: str, *, now: datetime) -> SessionScope | None:
    """What the cookie's session may do, if it is still open."""
    row = session.scalar(
        select(DashboardSession).where(
            DashboardSession.id_hash == _digest(session_id), DashboardSession.expires_at > now
        )  # fmt: skip
    )
    return SessionScope(row.project_id, row.csrf_token, row.expires_at) if row is not None else None


def end_session(session: Session, session_id: str) -> None:
    """Sign out: the cookie's session is gone (the caller commits)."""
    session.execute(delete(DashboardSession).where(DashboardSession.id_hash == _digest(session_id)))


def forget_expired_sign_ins(session: Session, *, now: datetime, limit: int = 10_000) -> int:
    """Delete links and sessions that expired a day ago, a bounded number of each (the caller commits)."""
    cutoff = now - timedelta(days=1)
    deleted = 0
    for table, column, key in ((DashboardLink, DashboardLink.expires_at, DashboardLink.token_hash),
                               (DashboardSession, DashboardSession.expires_at, DashboardSession.id_hash)):  # fmt: skip
        doomed = select(key).where(column < cutoff).limit(limit)
        deleted += int(session.execute(delete(table).where(key.in_(doomed))).rowcount or 0)
    return deleted


def utcnow() -> datetime:
    return datetime.now(UTC)
