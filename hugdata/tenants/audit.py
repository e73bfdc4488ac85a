"""The audit log of admin actions: who did what to which project, and when.

Rows name their project twice: ``project_id`` for reading, and ``project_ref``, a keyed hash of the ID. Offboarding
clears ``project_id``, so a purged tenant's ID is stored nowhere, while the refs still let an admin who knows the
ID find its history (`entries(..., project_refs=...)`). The hash is keyed with the credential encryption keys, so
numeric IDs cannot be recovered by trying them all.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, String, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.tenants.keys import Caller
from hugdata.tenants.models import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    project_id: Mapped[str | None] = mapped_column(String(63), index=True)
    project_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB)


def project_ref(project_id: str, key: str) -> str:
    """The keyed hash that stands for ``project_id`` once the project is purged."""
    return hmac.new(key.encode(), b"hugdata-audit:" + project_id.encode(), hashlib.sha256).hexdigest()


def actor_of(caller: Caller) -> str:
    """How the log names a caller: the admin token, or a key by its ID (never the token)."""
    return "admin" if caller.is_admin and caller.key_id is None else f"key:{caller.key_id}"


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    project_id: str | None,
    ref_key: str,
    detail: dict[str, Any] | None = None,
    purged: bool = False,
) -> None:
    """Add one entry (the caller commits); ``detail`` must hold no secret. A ``purged`` project is named by its
    ref only."""
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            project_id=None if purged else project_id,
            project_ref=project_ref(project_id, ref_key) if project_id else None,
            detail=detail or {},
        )
    )


def forget_project(session: Session, project_id: str) -> int:
    """Drop the plain project ID from its entries, keeping their refs (the caller commits)."""
    result = session.execute(update(AuditEntry).where(AuditEntry.project_id == project_id).values(project_id=None))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def entries(
    session: Session, *, limit: int, before: int | None = None, project_refs: Sequence[str] | None = None
) -> list[AuditEntry]:
    """Entries newest first, keyset-paged by ID; only those of one project when its refs are given."""
    query = select(AuditEntry)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    if project_refs is not None:
        query = query.where(AuditEntry.project_ref.in_(list(project_refs)))
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
