"""Each project's asset states in the platform's own table: a read costs one index range, however many tenants."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.tenants.models import Base


class AssetState(Base):
    __tablename__ = "asset_states"
    __table_args__ = (CheckConstraint("status IN ('materialized', 'failed')", name="status"),)

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    asset: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    last_run_id: Mapped[str] = mapped_column(String(64))
    last_materialized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    failure_cause: Mapped[str | None] = mapped_column(Text)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)  # name, passed, message
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def record_materialized(session: Session, *, project_id: str, asset: str, run_id: str, summary: dict[str, Any]) -> None:
    """The asset of this project was just materialized by ``run_id`` (the caller commits)."""
    values = {
        "project_id": project_id,
        "asset": asset,
        "status": "materialized",
        "last_run_id": run_id,
        "last_materialized_at": func.now(),
        "metadata": summary,
        "updated_at": func.now(),
    }
    statement = pg_insert(AssetState.__table__).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id", "asset"],
            set_={
                **{
                    k: statement.excluded[k]
                    for k in ("status", "last_run_id", "last_materialized_at", "metadata", "updated_at")
                },
                "failure_cause": None,
            },
        )
    )


def record_checks(session: Session, *, project_id: str, asset: str, checks: list[dict[str, Any]]) -> None:
    """The asset's latest check results for this project (name, passed, message), kept beside its state (the
    caller commits)."""
    session.execute(
        update(AssetState)
        .where(AssetState.project_id == project_id, AssetState.asset == asset)
        .values(checks=checks, updated_at=func.now())
    )


def record_failed(
    session: Session,
    *,
    project_id: str,
    assets: Iterable[str],
    run_id: str,
    cause: str | None = None,
    failed_at: datetime | None = None,
) -> None:
    """These assets of this project failed in ``run_id`` at ``failed_at`` (default now) because of ``cause``; their
    last materialization is kept, and a materialization newer than the failure is not marked failed (the caller
    commits)."""
    when = failed_at if failed_at is not None else func.now()
    for asset in assets:
        statement = pg_insert(AssetState.__table__).values(
            project_id=project_id,
            asset=asset,
            status="failed",
            last_run_id=run_id,
            last_failed_at=when,
            failure_cause=cause,
            updated_at=func.now(),
        )
        kept = ("status", "last_run_id", "last_failed_at", "failure_cause", "updated_at")
        # A failure reported late (a sensor's tick after a newer run already succeeded) must not hide that success.
        newer_success = AssetState.last_materialized_at.is_not(None) & (AssetState.last_materialized_at > when)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["project_id", "asset"],
                set_={k: statement.excluded[k] for k in kept},
                where=~newer_success,
            )
        )


def project_asset_states(session: Session, project_id: str) -> list[AssetState]:
    """The project's asset states, by asset name."""
    return list(
        session.scalars(select(AssetState).where(AssetState.project_id == project_id).order_by(AssetState.asset))
    )


class SchemaWatch(Base):
    """The last cheap schema fingerprint seen for a project (see `schema_probe`)."""

    __tablename__ = "schema_watch"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def swap_schema_fingerprint(session: Session, *, project_id: str, fingerprint: str) -> str | None:
    """Store the fingerprint just seen and return the previous one (None the first time); the caller commits."""
    previous = session.get(SchemaWatch, project_id)
    old = previous.fingerprint if previous else None
    statement = pg_insert(SchemaWatch.__table__).values(
        project_id=project_id, fingerprint=fingerprint, checked_at=func.now()
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id"], set_={"fingerprint": fingerprint, "checked_at": func.now()}
        )
    )
    return old


CATALOG_ASSETS = ("database_schema", "semantic_model", "schema_vector_index")


def catalog_not_ready(session: Session, project_id: str, missing: str) -> str:
    """Why the project has no ``missing`` (a schema snapshot, a semantic model) yet: its first run is still to
    finish, or its last run failed, when, and with what cause."""
    failed = [
        s for s in project_asset_states(session, project_id) if s.asset in CATALOG_ASSETS and s.status == "failed"
    ]
    if not failed:
        return f"project {project_id!r} has no {missing} yet; its first run has not finished"
    state = min(failed, key=lambda s: CATALOG_ASSETS.index(s.asset))
    when = state.last_failed_at.isoformat(timespec="seconds") if state.last_failed_at else "at an unknown time"
    cause = state.failure_cause or "no cause was recorded"
    return f"project {project_id!r} has no {missing}: its run {state.last_run_id} failed at {when}: {cause}"
