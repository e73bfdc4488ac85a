"""A run's status events for its projects' webhooks and event streams, queued once per run, status and project:
by the run-status sensors, and for "started" by the run's own first steps, so that a project's stream shows the run
starting before the materializations it makes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC

from dagster import DagsterInstance, DagsterRun

from hugdata.platform.automation import SINGLE_JOB_OF, is_member_batch
from hugdata.platform.batches import is_batch
from hugdata.platform.failures import run_failure_cause
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.models import Project
from hugdata.webhooks.outbox import enqueue


def enqueue_run_events(
    instance: DagsterInstance,
    run: DagsterRun,
    platform_db: PlatformDatabaseResource,
    project_ids: Sequence[str],
    *,
    status: str,
    batch: bool,
    causes: dict[str, str],
    secrets_of: Callable[[Project], list[str | None]] = lambda _: [],
) -> None:
    """Queue the event of ``run`` reaching ``status`` for each project; an event already queued is not queued again
    (its ID is the receiver's idempotency key)."""
    stats = instance.get_run_stats(run.run_id)
    record = instance.get_run_record_by_id(run.run_id)
    run_created = None
    if record is not None:
        created = record.create_timestamp
        run_created = created if created.tzinfo is not None else created.replace(tzinfo=UTC)  # Dagster stores UTC
    with platform_db.session() as session:
        for project_id in project_ids:
            project = session.get(Project, project_id)
            if project is None:
                continue  # offboarded meanwhile: nobody to tell
            if run_created is not None and run_created < project.created_at:
                continue  # a run of an earlier, offboarded tenant that had the same ID: not this tenant's business
            own = status if not causes else ("failed" if project_id in causes else "succeeded")
            event_id = f"{run.run_id}:{own}:{project_id}" if batch else f"{run.run_id}:{own}"
            payload = {
                "event_id": event_id,
                "project_id": project_id,
                "run_id": run.run_id,
                "batch": batch,
                "status": own,
                "job": SINGLE_JOB_OF.get(run.job_name, run.job_name),
                "assets": sorted(key.to_user_string() for key in (run.asset_selection or [])),
                "started_at": stats.start_time,
                "ended_at": stats.end_time,
                "occurred_at": stats.start_time if status == "started" else stats.end_time,
            }
            if own == "failed":
                payload["error"] = causes.get(project_id) or run_failure_cause(
                    instance, run, secrets=secrets_of(project)
                )
            enqueue(session, event_id=event_id, project_id=project_id, payload=payload)
        session.commit()


def announce_started(
    instance: DagsterInstance, run: DagsterRun, platform_db: PlatformDatabaseResource, project_ids: Sequence[str]
) -> None:
    """From inside the run, before its work: the "started" event the sensor would queue later, queued now."""
    enqueue_run_events(instance, run, platform_db, project_ids, status="started",
                       batch=is_batch(run) or is_member_batch(run), causes={})  # fmt: skip
