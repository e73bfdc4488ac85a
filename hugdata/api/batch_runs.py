"""What one project may see of a run: of a batch, its own part (status, times, failure, steps), nothing of the other
projects the run lists; of any run, its own steps with their causes."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from hugdata.api.dagster_runs import JOB_ASSETS, RunInfo, StepInfo
from hugdata.tenants.asset_states import project_asset_states
from hugdata.tenants.models import Project
from hugdata.tenants.run_failures import run_failures
from hugdata.tenants.run_steps import ProjectRunStep, steps_of_runs


def own_part(session: Session, run: RunInfo, project_id: str) -> RunInfo:
    """``run`` as ``project_id`` sees it: its own status in the batch, and no tags naming anyone else."""
    status = run.status
    if status == "FAILURE":
        if run_failures(session, [run.run_id], project_id=project_id):
            status = "FAILURE"
        elif any(
            s.last_run_id == run.run_id and s.status == "materialized"
            for s in project_asset_states(session, project_id)
        ):
            status = "SUCCESS"  # the batch failed for other projects; this one's part was done
    return replace(run, project_id=project_id, status=status, tags={}, members=(project_id,))


def listed_this_tenant(session: Session, run: RunInfo, project_id: str) -> bool:
    """Whether the batch listed this tenant, not an earlier, offboarded project that had the same ID."""
    project = session.get(Project, project_id)
    return project is not None and (run.created_at is None or run.created_at >= project.created_at)


def with_own_steps(session: Session, runs: list[RunInfo], project_id: str) -> list[RunInfo]:
    """``runs`` with the project's own steps (one query for the page): what each run materialized, failed or
    skipped for this project, when, and why."""
    recorded = steps_of_runs(session, [r.run_id for r in runs], project_id)
    return [_merged(run, recorded.get(run.run_id, [])) for run in runs]


def _merged(run: RunInfo, rows: list[ProjectRunStep]) -> RunInfo:
    own = {r.asset: StepInfo(r.asset, r.status, r.started_at, r.ended_at, r.cause) for r in rows}
    assets = set(JOB_ASSETS.get(run.job, ())) | set(run.assets)
    # A batch's own steps cover every project it lists (an automation batch has a single op for every asset): only
    # a step still running says something of this project's part that its recorded steps do not yet.
    dagster = [
        s
        for s in run.steps
        if s.asset not in own and (not run.members or (s.status == "IN_PROGRESS" and s.asset in assets))
    ]
    return replace(run, steps=(*dagster, *own.values()))
