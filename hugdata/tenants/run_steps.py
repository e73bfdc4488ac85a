"""Each project's own steps in each run: which assets a run materialized or failed for that project, when, and why.

Dagster's step statistics describe a batch run as a whole (one step covers every project it lists, and an automation
batch's single op covers every asset), so the run's own steps record each project's part as it happens. The API reads
them for a page of runs in one query; the daily retention forgets them with the runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.tenants.models import Base

MAX_CAUSE = 2000
STEP_STATUSES = ("SUCCESS", "FAILURE", "SKIPPED")


class ProjectRunStep(Base):
    __tablename__ = "project_run_steps"
    __table_args__ = (CheckConstraint("status IN ('SUCCESS', 'FAILURE', 'SKIPPED')", name="status"),)

    # The project leads the key: a page of its runs is one index range, and offboarding deletes by it.
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    asset: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    cause: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class StepOutcome:
    """How one asset step ended for one project of a run."""

    run_id: str
    project_id: str
    asset: str
    status: str  # SUCCESS, FAILURE or SKIPPED (an earlier step of the project failed)
    started_at: datetime | None
    ended_at: datetime | None
    cause: str | None = None


def record_steps(session: Session, outcomes: Sequence[StepOutcome]) -> None:
    """Keep these outcomes in one statement; a retried step's later attempt replaces the earlier (the caller
    commits)."""
    if not outcomes:
        return
    rows = [
        {
            "run_id": o.run_id,
            "project_id": o.project_id,
            "asset": o.asset,
            "status": o.status,
            "started_at": o.started_at,
            "ended_at": o.ended_at,
            "cause": o.cause[:MAX_CAUSE] if o.cause else None,
        }
        for o in outcomes
    ]
    statement = insert(ProjectRunStep).values(rows)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["run_id", "project_id", "asset"],
            set_={k: statement.excluded[k] for k in ("status", "started_at", "ended_at", "cause")},
        )
    )


def steps_of_runs(session: Session, run_ids: Sequence[str], project_id: str) -> dict[str, list[ProjectRunStep]]:
    """The project's own steps in each of ``run_ids`` (one query for a page of runs), in the order they started;
    steps that never started (skipped) last."""
    if not run_ids:
        return {}
    query = (
        select(ProjectRunStep)
        .where(ProjectRunStep.run_id.in_(list(run_ids)), ProjectRunStep.project_id == project_id)
        .order_by(ProjectRunStep.run_id, ProjectRunStep.started_at)
    )
    found: dict[str, list[ProjectRunStep]] = {}
    for step in session.scalars(query):
        found.setdefault(step.run_id, []).append(step)
    return found


def forget_steps_before(session: Session, cutoff: datetime, *, limit: int = 50_000) -> int:
    """Delete at most ``limit`` steps that ended before ``cutoff``; how many were deleted (the caller commits)."""
    oldest = select(ProjectRunStep.run_id, ProjectRunStep.project_id, ProjectRunStep.asset).where(
        ProjectRunStep.ended_at < cutoff
    )
    keys = oldest.limit(limit).subquery()
    result = session.execute(
        delete(ProjectRunStep).where(
            ProjectRunStep.run_id == keys.c.run_id,
            ProjectRunStep.project_id == keys.c.project_id,
            ProjectRunStep.asset == keys.c.asset,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
