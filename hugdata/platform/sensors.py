"""Sensors: a newly registered project gets its first materialization without anyone asking."""

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, sensor
from sqlalchemy import select

from hugdata.platform.instance import PROJECT_TAG, TIER_TAG
from hugdata.platform.jobs import schema_sync
from hugdata.platform.partitions import PROJECTS_PARTITION
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.models import Project

PAGE = 500  # partitions read per tick; a burst of registrations drains over a few ticks


def project_tags(project_id: str, tier: str) -> dict[str, str]:
    """Tags every tenant run carries, so runs can be filtered, limited and sized per project."""
    return {PROJECT_TAG: project_id, TIER_TAG: tier}


@sensor(job=schema_sync, minimum_interval_seconds=5, default_status=DefaultSensorStatus.RUNNING)
def project_onboarding_sensor(context: SensorEvaluationContext, platform_db: PlatformDatabaseResource) -> SensorResult:
    """Request one `schema_sync` run for every project partition added since the last tick."""
    # The cursor is Dagster's own storage cursor over partitions in insertion order, so a tick costs one page read
    # whatever the number of tenants; run keys make a repeated request for the same project a no-op.
    page = context.instance.get_paginated_dynamic_partitions(
        PROJECTS_PARTITION, limit=PAGE, ascending=True, cursor=context.cursor
    )
    tiers: dict[str, str] = {}
    if page.results:
        with platform_db.session() as session:
            rows = session.execute(select(Project.id, Project.tier).where(Project.id.in_(page.results)))
            tiers = {project_id: str(tier.value if hasattr(tier, "value") else tier) for project_id, tier in rows}
    requests = [
        RunRequest(
            run_key=f"onboard:{project_id}", partition_key=project_id, tags=project_tags(project_id, tiers[project_id])
        )
        for project_id in page.results
        if project_id in tiers  # a partition without a registry row is an orphan that reconciliation removes
    ]
    return SensorResult(run_requests=requests, cursor=page.cursor)
