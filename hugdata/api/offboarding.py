"""Offboarding through Dagster's GraphQL API and the registry: runs stopped, history wiped, rows purged."""

from __future__ import annotations

import time

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hugdata.api.runtime import ApiRuntime
from hugdata.platform.jobs import ANALYTICS_ASSET_NAMES, SCHEMA_SYNC_ASSET_NAMES
from hugdata.tenants.offboarding import purge_project

ACTIVE = frozenset({"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "MANAGED", "CANCELING"})
SETTLE_S = 15.0  # how long a cancelled run may take to stop before its record is left for Dagster to finish


class OffboardReport(BaseModel):
    runs_canceled: int = Field(description="queued or running runs of the project that were cancelled")
    runs_deleted: int = Field(description="run records (with their event logs) removed from Dagster")
    runs_left: list[str] = Field(description="cancelled runs still stopping; their records remain")
    partition_wiped: bool = Field(
        description="Dagster wiped the partition's materializations itself; where its storage cannot, they went "
        "with the deleted runs (a multi-project onboarding batch run is kept for the other projects in it)"
    )


def offboard(session: Session, runtime: ApiRuntime, project_id: str) -> OffboardReport:
    """Cancel the project's runs, wipe its partitions' history, purge its rows and partition, delete its runs."""
    dagster = runtime.dagster_runs
    # A batch shared with other projects is theirs too: it is neither cancelled nor deleted (it skips a project
    # that is gone), and the project's own traces in it (asset states, failure rows) go with the purge below.
    runs = [r for r in dagster.all_project_runs(project_id) if set(r.members) <= {project_id}]
    active = [r for r in runs if r.status in ACTIVE]
    pending = {r.run_id for r in active}
    to_cancel = {r.run_id for r in active if r.status != "CANCELING"}
    deadline = time.monotonic() + SETTLE_S
    while pending and time.monotonic() < deadline:
        # A STARTING run cannot be terminated yet: it is tried again until it has started.
        to_cancel = {run_id for run_id in to_cancel if not dagster.try_cancel(run_id)}
        time.sleep(0.25)
        pending = {run_id for run_id in pending if (info := dagster.run(run_id)) is not None and info.status in ACTIVE}
    # The wipe resolves the partition by name, so it goes before the partition is deleted.
    wiped = runtime.partitions.has(project_id) and dagster.wipe_partition(
        project_id, [*SCHEMA_SYNC_ASSET_NAMES, *ANALYTICS_ASSET_NAMES]
    )
    purge_project(session, partitions=runtime.partitions, project_id=project_id)
    deleted = sum(dagster.delete_run(r.run_id) for r in runs if r.run_id not in pending)
    return OffboardReport(
        runs_canceled=len(active), runs_deleted=deleted, runs_left=sorted(pending), partition_wiped=wiped
    )
