"""Schedules: every active project's schema_sync once a night, spread over a window instead of one instant."""

from __future__ import annotations

import zlib
from datetime import datetime

from dagster import DefaultScheduleStatus, RunRequest, ScheduleDefinition, ScheduleEvaluationContext, schedule
from sqlalchemy import select

from hugdata.platform.instance import project_tags
from hugdata.platform.jobs import schema_sync
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.models import Project, ProjectStatus

# Every 10 minutes from 00:00 to 05:50 UTC: 36 slots. Each project has one slot, fixed by a hash of its ID, so a
# night's runs arrive evenly instead of all at midnight.
NIGHTLY_CRON = "*/10 0-5 * * *"
NIGHTLY_SLOTS = 36


def nightly_slot(project_id: str) -> int:
    """The slot (0-35) in which a project's nightly sync starts; stable across processes and restarts."""
    return zlib.crc32(project_id.encode()) % NIGHTLY_SLOTS


def slot_of(moment: datetime) -> int:
    return (moment.hour * 60 + moment.minute) // 10 % NIGHTLY_SLOTS


def _nightly_requests(context: ScheduleEvaluationContext, platform_db: PlatformDatabaseResource) -> list[RunRequest]:
    moment = context.scheduled_execution_time
    assert moment is not None
    slot = slot_of(moment)
    with platform_db.session() as session:
        projects = session.execute(
            select(Project.id, Project.tier).where(Project.status == ProjectStatus.active).order_by(Project.id)
        ).all()
    night = moment.date().isoformat()
    return [
        RunRequest(
            run_key=f"nightly:{night}:{project_id}",
            partition_key=project_id,
            tags=project_tags(project_id, str(getattr(tier, "value", tier))),
        )
        for project_id, tier in projects
        if nightly_slot(project_id) == slot
    ]


def build_nightly_schema_sync(*, running: bool = True) -> ScheduleDefinition:
    """The nightly schedule; ``running`` is its state until someone flips it in the UI."""

    @schedule(
        job=schema_sync,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone="UTC",
        name="nightly_schema_sync",
        default_status=DefaultScheduleStatus.RUNNING if running else DefaultScheduleStatus.STOPPED,
    )
    def nightly_schema_sync(
        context: ScheduleEvaluationContext, platform_db: PlatformDatabaseResource
    ) -> list[RunRequest]:
        """Sync the schemas of the active projects whose slot is now."""
        return _nightly_requests(context, platform_db)

    return nightly_schema_sync
