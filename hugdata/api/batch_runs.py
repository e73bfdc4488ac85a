"""What one project may see of an automation batch run: its own part (status, times, failure), nothing of the
other projects the run lists."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from hugdata.api.dagster_runs import RunInfo
from hugdata.tenants.asset_states import project_asset_states
from hugdata.tenants.models import Project
from hugdata.tenants.run_failures import run_failures


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
