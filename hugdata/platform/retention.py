"""Bounded storage: old runs and their event logs deleted, delivered webhooks too, every day.

Dagster OSS keeps every run and every event forever (dagster-io/dagster#4100). At 100,000 tenants a night adds
100,000 runs' worth of rows, so the platform deletes finished runs older than `HUGDATA_RUN_RETENTION_DAYS`,
except a run that still holds some partition's latest materialization: the Dagster UI and `/assets` keep showing
each project's assets as materialized, and storage grows with the number of tenants, not the number of days.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    DefaultScheduleStatus,
    OpExecutionContext,
    RunsFilter,
    ScheduleDefinition,
    job,
    op,
)
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from sqlalchemy.orm import Session

from hugdata.config import get_settings
from hugdata.events.store import KEPT_FOR as EVENTS_KEPT_FOR
from hugdata.events.store import forget_events_before
from hugdata.memory.answers import forget_expired
from hugdata.observability.run_logs import RUN_LOGGING
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.quotas import forget_old_windows
from hugdata.tenants.run_steps import forget_steps_before
from hugdata.webhooks.outbox import delete_delivered_before

DELETE_BATCHES = 500
FINISHED = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
PAGE = 200
# One day's work at most per execution, so a first run on a long-lived instance stays bounded; the rest follows
# on the next days.
MAX_DELETIONS = 50_000
TIME_BUDGET_S = 1800.0


@dataclass
class RetentionReport:
    examined: int = 0
    deleted: int = 0
    kept_for_latest_materialization: int = 0
    webhooks_deleted: int = 0
    kept_runs: list[str] = field(default_factory=list)


def holds_a_latest_materialization(instance: DagsterInstance, run_id: str) -> bool:
    """Whether some (asset, partition) has its newest materialization in this run."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION).records
    by_asset: dict[AssetKey, dict[str | None, int]] = {}
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None or event.asset_key is None:
            continue
        by_asset.setdefault(event.asset_key, {})[event.partition] = record.storage_id
    for asset_key, partitions in by_asset.items():
        if None in partitions:
            latest = instance.get_latest_materialization_event(asset_key)
            if latest is not None and latest.run_id == run_id:
                return True
        named = {p for p in partitions if p is not None}
        if named:
            newest = instance.event_log_storage.get_latest_storage_id_by_partition(
                asset_key, DagsterEventType.ASSET_MATERIALIZATION, partitions=named
            )
            if any(newest.get(p) == storage_id for p, storage_id in partitions.items() if p is not None):
                return True
    return False


CURSOR_KEY = "hugdata/retention_cursor"


def forget_check_executions(instance: DagsterInstance, run_ids: list[str]) -> None:
    """The asset check results deleted runs recorded, in one statement. Dagster's delete_run leaves them (its event
    rows go, the asset_check_executions index does not), so without this they would grow with every night's checks."""
    if not run_ids:
        return
    storage = instance.event_log_storage
    with storage.index_connection() as conn:  # type: ignore[attr-defined]
        conn.execute(AssetCheckExecutionsTable.delete().where(AssetCheckExecutionsTable.c.run_id.in_(run_ids)))


def purge_old_runs(
    instance: DagsterInstance,
    *,
    older_than: datetime,
    max_deletions: int = MAX_DELETIONS,
    time_budget_s: float = TIME_BUDGET_S,
) -> RetentionReport:
    """Delete finished runs last updated before ``older_than`` (oldest first) with their events, except those
    that hold a latest materialization; stops after ``max_deletions`` or ``time_budget_s``.

    Where a pass stops is kept in Dagster's cursor storage, so the kept runs (one per project and asset, at most)
    are looked at once per cycle rather than first on every day; a pass that reaches the end starts the next
    cycle from the oldest run again."""
    report = RetentionReport()
    deadline = time.monotonic() + time_budget_s
    cursor: str | None = instance.run_storage.get_cursor_values({CURSOR_KEY}).get(CURSOR_KEY) or None
    while report.deleted < max_deletions and time.monotonic() < deadline:
        records = instance.get_run_records(
            RunsFilter(statuses=FINISHED, updated_before=older_than), limit=PAGE, cursor=cursor, ascending=True
        )
        if not records:
            cursor = None  # the end: the next pass starts over
            break
        deleted: list[str] = []
        for record in records:
            run_id = record.dagster_run.run_id
            report.examined += 1
            if holds_a_latest_materialization(instance, run_id):
                report.kept_for_latest_materialization += 1
                report.kept_runs.append(run_id)
            else:
                instance.delete_run(run_id)
                deleted.append(run_id)
                report.deleted += 1
            if report.deleted >= max_deletions or time.monotonic() >= deadline:
                break
        forget_check_executions(instance, deleted)
        # The cursor is the last run kept: deleted runs cannot serve as one, and every later page starts after it.
        cursor = report.kept_runs[-1] if report.kept_runs else None
    instance.run_storage.set_cursor_values({CURSOR_KEY: cursor or ""})
    return report


@op(description="Delete finished runs (and their events) older than the retention, and delivered webhooks.")
def purge_old_runs_and_webhooks(context: OpExecutionContext, platform_db: PlatformDatabaseResource) -> None:
    days = get_settings().run_retention_days
    cutoff = datetime.now(UTC) - timedelta(days=days)
    report = purge_old_runs(context.instance, older_than=cutoff)
    with platform_db.session() as session:
        report.webhooks_deleted = delete_delivered_before(session, cutoff)
        answers = forget_expired(session)
        quota_windows = forget_old_windows(session, now=datetime.now(UTC))
        session.commit()
        # A run kept past the cutoff for its latest materialization then shows Dagster's own step statistics.
        steps = _in_batches(session, lambda: forget_steps_before(session, cutoff))
        events = _in_batches(session, lambda: forget_events_before(session, cutoff=datetime.now(UTC) - EVENTS_KEPT_FOR))
    context.log.info(
        f"retention ({days} days): {report.deleted} runs deleted of {report.examined} examined, "
        f"{report.kept_for_latest_materialization} kept for a latest materialization, "
        f"{report.webhooks_deleted} delivered webhooks deleted, {answers} expired remembered answers deleted, "
        f"{quota_windows} old quota windows deleted, {events} stream events deleted, {steps} run steps deleted"
    )


def _in_batches(session: Session, forget_batch: Callable[[], int]) -> int:
    """Run a bounded delete until it deletes nothing (at most DELETE_BATCHES times), committing each batch; how many
    rows it deleted. A day of stream events or run steps at 100,000 tenants is about a million rows."""
    deleted = 0
    for _ in range(DELETE_BATCHES):
        batch = forget_batch()
        session.commit()
        deleted += batch
        if batch == 0:
            break
    return deleted


@job(description="Daily: bounded Dagster storage and webhook outbox (HUGDATA_RUN_RETENTION_DAYS).", config=RUN_LOGGING)
def storage_retention() -> None:
    purge_old_runs_and_webhooks()


# Daily at 06:30 UTC, after the nightly schema sync's window (00:00-05:50).
RETENTION_CRON = "30 6 * * *"


def build_storage_retention_schedule(*, running: bool = True) -> ScheduleDefinition:
    """The daily schedule of `storage_retention`."""
    status = DefaultScheduleStatus.RUNNING if running else DefaultScheduleStatus.STOPPED
    return ScheduleDefinition(
        name="daily_storage_retention",
        job=storage_retention,
        cron_schedule=RETENTION_CRON,
        execution_timezone="UTC",
        default_status=status,
    )
