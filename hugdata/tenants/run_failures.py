"""Why a tenant's runs failed, kept where the API reads it: one row per failed run, written by the run-failure
sensor from the run's own failure events (secrets redacted), read by run ID without asking Dagster."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.tenants.models import Base

MAX_CAUSE = 2000


class RunFailure(Base):
    __tablename__ = "run_failures"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A batch run has one row per project that failed in it.
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True)
    cause: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def record_run_failure(session: Session, *, run_id: str, project_id: str, cause: str) -> None:
    """Keep why ``run_id`` failed (idempotent; the caller commits)."""
    session.execute(
        insert(RunFailure)
        .values(run_id=run_id, project_id=project_id, cause=cause[:MAX_CAUSE])
        .on_conflict_do_update(index_elements=["run_id", "project_id"], set_={"cause": cause[:MAX_CAUSE]})
    )


def run_failures(session: Session, run_ids: Sequence[str], *, project_id: str | None = None) -> dict[str, RunFailure]:
    """The recorded failures among ``run_ids`` (one query for a page of runs), only ``project_id``'s when given."""
    if not run_ids:
        return {}
    query = select(RunFailure).where(RunFailure.run_id.in_(list(run_ids)))
    if project_id is not None:
        query = query.where(RunFailure.project_id == project_id)
    return {f.run_id: f for f in session.scalars(query)}


def failed_projects_of_run(session: Session, run_id: str) -> dict[str, str]:
    """Each project that failed in ``run_id`` (a batch may list several) with its cause."""
    rows = session.execute(select(RunFailure.project_id, RunFailure.cause).where(RunFailure.run_id == run_id))
    return {project_id: cause for project_id, cause in rows}
