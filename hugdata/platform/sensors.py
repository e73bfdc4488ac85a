"""Sensors: a newly registered project gets its first materialization without anyone asking."""

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, sensor

from hugdata.platform.jobs import schema_sync
from hugdata.platform.partitions import PROJECTS_PARTITION

PAGE = 500  # partitions read per tick; a burst of registrations drains over a few ticks


def project_tags(project_id: str) -> dict[str, str]:
    """Tags every tenant run carries, so runs can be filtered and limited per project."""
    return {"hugdata/project_id": project_id}


@sensor(job=schema_sync, minimum_interval_seconds=5, default_status=DefaultSensorStatus.RUNNING)
def project_onboarding_sensor(context: SensorEvaluationContext) -> SensorResult:
    """Request one `schema_sync` run for every project partition added since the last tick."""
    # The cursor is Dagster's own storage cursor over partitions in insertion order, so a tick costs one page read
    # whatever the number of tenants; run keys make a repeated request for the same project a no-op.
    page = context.instance.get_paginated_dynamic_partitions(
        PROJECTS_PARTITION, limit=PAGE, ascending=True, cursor=context.cursor
    )
    requests = [
        RunRequest(run_key=f"onboard:{project_id}", partition_key=project_id, tags=project_tags(project_id))
        for project_id in page.results
    ]
    return SensorResult(run_requests=requests, cursor=page.cursor)
