"""Sensors: onboarding of new projects, failure bookkeeping and run status webhooks (schema-change probes live in
`schema_probes`)."""

import os
from datetime import UTC, datetime

from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    RunStatusSensorContext,
    SensorEvaluationContext,
    SensorResult,
    run_failure_sensor,
    run_status_sensor,
    sensor,
)
from dagster._core.storage.tags import WILL_RETRY_TAG
from sqlalchemy import select

from hugdata.config import get_settings
from hugdata.platform.automation import SINGLE_JOB_OF, batch_members, is_member_batch
from hugdata.platform.batches import is_batch, isolated_reruns, onboarding_requests, projects_of_run
from hugdata.platform.failures import run_failure_cause
from hugdata.platform.instance import PARTITION_TAG, PROJECT_TAG, TIER_TAG, project_tags
from hugdata.platform.jobs import ANALYTICS_ASSET_NAMES, SCHEMA_SYNC_ASSET_NAMES, analytics_refresh, schema_sync
from hugdata.platform.partitions import PROJECTS_PARTITION
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.platform.run_events import enqueue_run_events
from hugdata.tenants.asset_states import record_failed
from hugdata.tenants.models import Project
from hugdata.tenants.run_failures import failed_projects_of_run, record_run_failure
from hugdata.tenants.vault import CredentialVault

PAGE = 500  # partitions read per tick; a burst of registrations drains over a few ticks
# Dagster reads this where a run-status sensor runs (the code location's process), 5 run events a tick by default:
# at a night's rate the webhooks would fall hours behind. HUGDATA_RUN_STATUS_SENSOR_LIMIT sets it; the variable
# itself, when set, wins.
os.environ.setdefault("DAGSTER_RUN_STATUS_SENSOR_PROCESS_LIMIT", str(get_settings().run_status_sensor_limit))


# A new tenant waits for this sensor's next tick before its first run is even requested: each tick reads one page
# of new partitions from Dagster's cursor, so ticking every second costs the same at any number of tenants.
@sensor(job=schema_sync, minimum_interval_seconds=1, default_status=DefaultSensorStatus.RUNNING)
def project_onboarding_sensor(context: SensorEvaluationContext, platform_db: PlatformDatabaseResource) -> SensorResult:
    """Request the first `schema_sync` for every project partition added since the last tick (batched when many)."""
    # The cursor is Dagster's own storage cursor over partitions in insertion order, so a tick costs one page read
    # whatever the number of tenants; run keys make a repeated request for the same project a no-op.
    page = context.instance.get_paginated_dynamic_partitions(
        PROJECTS_PARTITION, limit=PAGE, ascending=True, cursor=context.cursor
    )
    tiers: dict[str, str] = {}
    if page.results:
        with platform_db.session() as session:
            rows = session.execute(select(Project.id, Project.tier).where(Project.id.in_(page.results)))
            tiers = {project_id: str(tier) for project_id, tier in rows}
    # A partition without a registry row is an orphan that reconciliation removes.
    new_projects = [(project_id, tiers[project_id]) for project_id in page.results if project_id in tiers]
    requests = onboarding_requests(new_projects, batch_size=get_settings().onboarding_batch_size)
    return SensorResult(run_requests=requests, cursor=page.cursor)


@run_failure_sensor(
    default_status=DefaultSensorStatus.RUNNING,
    request_jobs=[schema_sync, analytics_refresh],
    minimum_interval_seconds=5,
)
def asset_failure_sensor(
    context: RunFailureSensorContext, platform_db: PlatformDatabaseResource
) -> list[RunRequest] | None:
    """Mark what a failed tenant run did not materialize as failed; re-run a failed batch's failed projects one at
    a time."""
    run = context.dagster_run
    if is_member_batch(run):
        return _rerun_failed_members(context.instance, run, platform_db)
    if is_batch(run):
        reruns = isolated_reruns(run, context.instance)
        with platform_db.session() as session:
            keys = [r.partition_key for r in reruns]
            registered = set(session.scalars(select(Project.id).where(Project.id.in_(keys))))
        return [r for r in reruns if r.partition_key in registered]  # offboarded projects are not re-run
    project_id = run.tags.get(PARTITION_TAG)
    if not project_id:
        return None
    selected = (
        [key.to_user_string() for key in run.asset_selection]
        if run.asset_selection
        else list(SCHEMA_SYNC_ASSET_NAMES if run.job_name == schema_sync.name else ANALYTICS_ASSET_NAMES)
    )
    records = context.instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    done = {
        r.event_log_entry.dagster_event.asset_key.to_user_string()
        for r in records.records
        if r.event_log_entry.dagster_event and r.event_log_entry.dagster_event.asset_key
    }
    failed = [asset for asset in selected if asset not in done]
    with platform_db.session() as session:
        project = session.get(Project, project_id)
        if project is None:
            return None  # the project was removed meanwhile
        cause = run_failure_cause(context.instance, run, secrets=[_source_password(project)])
        stats = context.instance.get_run_stats(run.run_id)
        failed_at = datetime.fromtimestamp(stats.end_time, UTC) if stats.end_time else None
        record_failed(
            session, project_id=project_id, assets=failed, run_id=run.run_id, cause=cause, failed_at=failed_at
        )
        record_run_failure(session, run_id=run.run_id, project_id=project_id, cause=cause)
        session.commit()
    return None


def _member_outcomes(
    instance: DagsterInstance, run: DagsterRun, platform_db: PlatformDatabaseResource
) -> dict[str, str]:
    """Each listed project's failure cause in a failed automation batch; empty while Dagster retries the whole run
    (it failed outside its op: a launch failure or a killed worker). Out of retries, every project failed so."""
    with platform_db.session() as session:
        failed = failed_projects_of_run(session, run.run_id)
        if failed:
            return failed
        current = instance.get_run_by_id(run.run_id) or run
        if current.tags.get(WILL_RETRY_TAG) == "true":
            return {}
        cause = run_failure_cause(instance, current, secrets=[])
        for project_id in batch_members(run.tags):
            if session.get(Project, project_id) is not None:
                record_run_failure(session, run_id=run.run_id, project_id=project_id, cause=cause)
        session.commit()
        return failed_projects_of_run(session, run.run_id)


def _rerun_failed_members(
    instance: DagsterInstance, run: DagsterRun, platform_db: PlatformDatabaseResource
) -> list[RunRequest]:
    """A single-project run of the failed batch's job for each of its projects that failed (and is still here)."""
    tier = run.tags.get(TIER_TAG, "standard")
    return [
        RunRequest(
            run_key=f"isolate:{run.run_id}:{project_id}",
            job_name=SINGLE_JOB_OF[run.job_name],
            partition_key=project_id,
            tags=project_tags(project_id, tier),
        )
        for project_id in _member_outcomes(instance, run, platform_db)
    ]


def _source_password(project: Project) -> str | None:
    """The tenant's database password, only to mask it should a driver have echoed it into an error."""
    source = project.data_source
    if source is None or not source.password_encrypted:
        return None
    return CredentialVault(get_settings().fernet_keys()).decrypt(source.password_encrypted)


def _enqueue_run_event(context: RunStatusSensorContext, platform_db: PlatformDatabaseResource, status: str) -> None:
    run = context.dagster_run
    ranged, listed = is_batch(run), is_member_batch(run)
    if ranged and status == "failed":
        return  # its projects are re-run one by one, and those runs report each project's outcome
    # An automation batch that failed reports each project's own outcome: failed with its cause, or succeeded.
    causes = _member_outcomes(context.instance, run, platform_db) if listed and status == "failed" else {}
    if listed and status == "failed" and not causes:
        return  # Dagster retries the whole run; the retry reports
    batch = ranged or listed
    if PROJECT_TAG in run.tags:
        project_ids = [run.tags[PROJECT_TAG]]
    elif listed:
        project_ids = batch_members(run.tags)
    else:
        project_ids = projects_of_run(run, context.instance)
    if not project_ids:
        return
    enqueue_run_events(context.instance, run, platform_db, project_ids, status=status, batch=batch, causes=causes,
                       secrets_of=lambda project: [_source_password(project)])  # fmt: skip


def _status_sensor(status: DagsterRunStatus, label: str):  # type: ignore[no-untyped-def]
    @run_status_sensor(
        run_status=status,
        name=f"webhook_on_run_{label}",
        monitor_all_code_locations=False,
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=2,
    )
    def _sensor(context: RunStatusSensorContext, platform_db: PlatformDatabaseResource) -> None:
        _enqueue_run_event(context, platform_db, label)

    return _sensor


webhook_sensors = [
    _status_sensor(DagsterRunStatus.STARTED, "started"),
    _status_sensor(DagsterRunStatus.SUCCESS, "succeeded"),
    _status_sensor(DagsterRunStatus.FAILURE, "failed"),
    _status_sensor(DagsterRunStatus.CANCELED, "canceled"),
]
