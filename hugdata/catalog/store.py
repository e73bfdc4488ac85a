"""Versioned schema snapshots and semantic models of each project, in the `hugdata` database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from hugdata.catalog.models import SchemaSnapshotRow, SemanticModelRow
from hugdata.catalog.schema import SchemaDiff, SchemaSnapshot, diff_schemas
from hugdata.catalog.semantic import SemanticModel


@dataclass(frozen=True)
class StoredSnapshot:
    version: int
    fingerprint: str
    snapshot: SchemaSnapshot
    diff: SchemaDiff
    created: bool


def latest_snapshot(session: Session, project_id: str) -> StoredSnapshot | None:
    """The newest schema version of a project, or None before its first ingestion."""
    row = session.scalars(
        select(SchemaSnapshotRow)
        .where(SchemaSnapshotRow.project_id == project_id)
        .order_by(SchemaSnapshotRow.version.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return StoredSnapshot(
        version=row.version,
        fingerprint=row.fingerprint,
        snapshot=SchemaSnapshot.model_validate(row.snapshot),
        diff=SchemaDiff.model_validate(row.diff),
        created=False,
    )


def save_snapshot_if_changed(session: Session, *, project_id: str, snapshot: SchemaSnapshot) -> StoredSnapshot:
    """Store a new version only when the fingerprint differs from the latest one (the caller commits)."""
    fingerprint = snapshot.fingerprint()
    # Serialise concurrent ingestions of one project so two runs cannot both claim the next version.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"schema:{project_id}"))))
    latest = latest_snapshot(session, project_id)
    if latest is not None and latest.fingerprint == fingerprint:
        if latest.snapshot.data_profile() == snapshot.data_profile():
            return latest
        # Same structure, newer data profile (row counts, category values, key checks): refresh it in place, so
        # the semantic model sees today's data without a new schema version.
        session.execute(
            update(SchemaSnapshotRow)
            .where(SchemaSnapshotRow.project_id == project_id, SchemaSnapshotRow.version == latest.version)
            .values(snapshot=snapshot.model_dump(mode="json"))
        )
        session.flush()
        return StoredSnapshot(latest.version, fingerprint, snapshot, latest.diff, created=False)
    diff = diff_schemas(latest.snapshot if latest else None, snapshot)
    version = (latest.version if latest else 0) + 1
    session.add(
        SchemaSnapshotRow(
            project_id=project_id,
            version=version,
            fingerprint=fingerprint,
            dialect=snapshot.dialect,
            snapshot=snapshot.model_dump(mode="json"),
            diff=diff.model_dump(mode="json"),
        )
    )
    session.flush()
    return StoredSnapshot(version=version, fingerprint=fingerprint, snapshot=snapshot, diff=diff, created=True)


def save_semantic_model(session: Session, *, project_id: str, schema_version: int, model: SemanticModel) -> None:
    """Store (or replace) the semantic model of a schema version (the caller commits)."""
    values = {"project_id": project_id, "schema_version": schema_version, "model": model.model_dump(mode="json")}
    session.execute(
        pg_insert(SemanticModelRow)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["project_id", "schema_version"], set_={"model": values["model"], "created_at": func.now()}
        )
    )


def latest_semantic_model(session: Session, project_id: str) -> tuple[int, SemanticModel] | None:
    """The semantic model of the newest schema version that has one."""
    row = session.scalars(
        select(SemanticModelRow)
        .where(SemanticModelRow.project_id == project_id)
        .order_by(SemanticModelRow.schema_version.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (row.schema_version, SemanticModel.model_validate(row.model))


@dataclass(frozen=True)
class SchemaVersion:
    """One stored schema version without its snapshot: what changed since the version before, and when."""

    version: int
    fingerprint: str
    created_at: datetime
    tables: int
    diff: SchemaDiff
    impact: dict[str, Any] | None = None  # the saved questions the change made stale, once schema_sync has looked


def schema_versions(session: Session, project_id: str, *, limit: int, before: int | None = None) -> list[SchemaVersion]:
    """The project's schema versions, newest first, ``limit`` of them older than version ``before``."""
    query = select(
        SchemaSnapshotRow.version,
        SchemaSnapshotRow.fingerprint,
        SchemaSnapshotRow.created_at,
        func.jsonb_array_length(SchemaSnapshotRow.snapshot["tables"]),
        SchemaSnapshotRow.diff,
        SchemaSnapshotRow.impact,
    ).where(SchemaSnapshotRow.project_id == project_id)
    if before is not None:
        query = query.where(SchemaSnapshotRow.version < before)
    rows = session.execute(query.order_by(SchemaSnapshotRow.version.desc()).limit(limit)).all()
    return [
        SchemaVersion(version, fingerprint, created, int(tables or 0), SchemaDiff.model_validate(diff), impact)
        for version, fingerprint, created, tables, diff, impact in rows
    ]
