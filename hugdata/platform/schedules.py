"""Schedules: nightly schema sync spread over a window; hourly analytics refresh for projects that asked; both
start batches of projects (automation.py)."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import datetime, timedelta

from dagster import (
    DefaultScheduleStatus,
    JobDefinition,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)
from sqlalchemy import select

from hugdata.platform.automation import automation_requests
from hugdata.platform.batch_jobs import analytics_refresh_batch, schema_sync_batch
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.query.log import QueryLogEntry
from hugdata.tenants.models import Project, ProjectStatus

RequestsFn = Callable[[ScheduleEvaluationContext, PlatformDatabaseResource], list[RunRequest]]

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
    """Sync the schemas of the active projects whose slot is now."""
    moment = context.scheduled_execution_time
    assert moment is not None
    slot = slot_of(moment)
    with platform_db.session() as session:
        projects = session.execute(
            select(Project.id, Project.tier).where(Project.status == ProjectStatus.active).order_by(Project.id)
        ).all()
    due = [(project_id, str(tier)) for project_id, tier in projects if nightly_slot(project_id) == slot]
    return automation_requests("nightly", f"nightly:{moment.date().isoformat()}:{slot}", due)


def _tenant_schedule(
    name: str, job: JobDefinition, cron: str, requests: RequestsFn, *, running: bool
) -> ScheduleDefinition:
    """A UTC schedule whose ticks ask ``requests`` which projects to run; ``running`` is its state until flipped."""

    def evaluate(context: ScheduleEvaluationContext, platform_db: PlatformDatabaseResource) -> list[RunRequest]:
        return requests(context, platform_db)

    evaluate.__doc__ = requests.__doc__
    status = DefaultScheduleStatus.RUNNING if running else DefaultScheduleStatus.STOPPED
    return schedule(job=job, cron_schedule=cron, execution_timezone="UTC", name=name, default_status=status)(evaluate)


def build_nightly_schema_sync(*, running: bool = True) -> ScheduleDefinition:
    """The nightly schedule: the schemas of the active projects whose slot is now."""
    return _tenant_schedule("nightly_schema_sync", schema_sync_batch, NIGHTLY_CRON, _nightly_requests, running=running)


# Hourly, at minute 15 (away from the nightly sync's slots on the hour). Only projects that asked something since
# the previous tick get a run: their analytics can have changed; everyone else's cannot.
HOURLY_CRON = "15 * * * *"


def _hourly_requests(context: ScheduleEvaluationContext, platform_db: PlatformDatabaseResource) -> list[RunRequest]:
    """Refresh the analytics of the projects that asked questions in the last hour."""
    moment = context.scheduled_execution_time
    assert moment is not None
    since = moment - timedelta(hours=1)
    with platform_db.session() as session:
        projects = session.execute(
            select(Project.id, Project.tier)
            .where(
                Project.status == ProjectStatus.active,
                Project.id.in_(select(QueryLogEntry.project_id).where(QueryLogEntry.created_at >= since).distinct()),
            )
            .order_by(Project.id)
        ).all()
    return automation_requests(
        "hourly", f"analytics:{moment.strftime('%Y-%m-%dT%H')}", [(p, str(tier)) for p, tier in projects]
    )


def build_hourly_analytics_refresh(*, running: bool = True) -> ScheduleDefinition:
    """The hourly `analytics_refresh` schedule: the projects that asked questions in the last hour."""
    return _tenant_schedule(
        "hourly_analytics_refresh", analytics_refresh_batch, HOURLY_CRON, _hourly_requests, running=running
    )
