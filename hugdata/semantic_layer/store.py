"""Curated documents, one version a row: the newest is in force, the older ones say who changed what and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.catalog.models import SchemaSnapshotRow
from hugdata.semantic_layer.document import SemanticLayerDocument
from hugdata.tenants.models import Base


class SemanticLayerRow(Base):
    __tablename__ = "semantic_layers"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    etag: Mapped[str] = mapped_column(String(40))
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


@dataclass(frozen=True)
class StoredLayer:
    version: int
    document: SemanticLayerDocument
    etag: str
    author: str
    created_at: datetime | None


EMPTY = StoredLayer(version=0, document=SemanticLayerDocument(), etag=SemanticLayerDocument().etag(), author="",
                    created_at=None)  # fmt: skip


def _stored(row: SemanticLayerRow) -> StoredLayer:
    return StoredLayer(row.version, SemanticLayerDocument.model_validate(row.document), row.etag, row.author,
                       row.created_at)  # fmt: skip


def current_layer(session: Session, project_id: str) -> StoredLayer:
    """The document in force (version 0, empty, before any was written)."""
    row = session.scalars(
        select(SemanticLayerRow)
        .where(SemanticLayerRow.project_id == project_id)
        .order_by(SemanticLayerRow.version.desc())
        .limit(1)
    ).one_or_none()
    return EMPTY if row is None else _stored(row)


class StaleVersion(Exception):
    """The document changed since the writer read it (its If-Match is not the current ETag)."""


def write_layer(
    session: Session, project_id: str, document: SemanticLayerDocument, *, if_match: str, author: str
) -> StoredLayer:
    """Store ``document`` as the next version if ``if_match`` is the current ETag; the caller commits. Writing the
    same document again stores nothing new, unless a sync made entries of it stale: then the write says they are
    right for the new schema, and they are used again."""
    current = current_layer(session, project_id)
    if if_match != current.etag:
        raise StaleVersion(current.etag)
    if document.etag() == current.etag and current.version > 0 and not drift_stale_paths(session, project_id, current):
        return current
    row = SemanticLayerRow(
        project_id=project_id,
        version=current.version + 1,
        document=document.model_dump(mode="json", exclude_defaults=True),
        etag=document.etag(),
        author=author,
    )
    session.add(row)
    session.flush()
    return _stored(row)


def layer_versions(session: Session, project_id: str, *, limit: int = 50) -> list[StoredLayer]:
    """Newest first."""
    rows = session.scalars(
        select(SemanticLayerRow)
        .where(SemanticLayerRow.project_id == project_id)
        .order_by(SemanticLayerRow.version.desc())
        .limit(limit)
    )
    return [_stored(r) for r in rows]


# Schema versions looked at for drift: a layer rewritten less often than this many syncs change its columns is rare,
# and the read stays bounded however long a project lives.
_DRIFT_LOOKBACK = 50


def drift_stale_paths(session: Session, project_id: str, layer: StoredLayer) -> list[str]:
    """Entries of ``layer`` that a schema sync since it was written found broken (a column it uses removed or
    retyped): left unused until the tenant writes the layer again."""
    if layer.version == 0 or layer.created_at is None:
        return []
    impacts = session.scalars(
        select(SchemaSnapshotRow.impact)
        .where(SchemaSnapshotRow.project_id == project_id, SchemaSnapshotRow.created_at > layer.created_at)
        .order_by(SchemaSnapshotRow.version.desc())
        .limit(_DRIFT_LOOKBACK)
    )
    return list(dict.fromkeys(p for impact in impacts if impact for p in impact.get("semantic_layer_stale") or []))
