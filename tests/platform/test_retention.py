"""Bounded storage: old runs go with their events, except the run holding each partition's latest
materialization; delivered webhooks past the retention go too, undelivered ones never."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from dagster import AssetKey, DagsterInstance, materialize
from sqlalchemy import func, select, update

from hugdata.api.runtime import ApiRuntime
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.embedded_pg import EmbeddedPostgres
from hugdata.platform.definitions import defs
from hugdata.platform.instance import migrate_instance, open_instance, write_instance_config
from hugdata.platform.jobs import SCHEMA_SYNC_ASSET_NAMES
from hugdata.platform.partitions import PROJECTS_PARTITION
from hugdata.platform.retention import purge_old_runs
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.webhooks.outbox import WebhookEvent, delete_delivered_before, enqueue
from tests.helpers import register

ASSETS = [defs.get_assets_def(name) for name in SCHEMA_SYNC_ASSET_NAMES]


@pytest.fixture
def instance(platform_pg: EmbeddedPostgres, tmp_path: Path) -> Iterator[DagsterInstance]:
    """A Dagster instance of its own (a fresh database on the test Postgres): retention deletes runs."""
    with psycopg.connect(platform_pg.libpq_dsn("postgres"), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS dagster_retention WITH (FORCE)")
        admin.execute("CREATE DATABASE dagster_retention")
    write_instance_config(tmp_path, platform_pg.url("dagster_retention", driver="psycopg2"))
    opened = open_instance(tmp_path)
    migrate_instance(opened)
    yield opened
    opened.dispose()


def _sync(instance: DagsterInstance, project_id: str, *, succeed: bool = True) -> str:
    result = materialize(ASSETS, partition_key=project_id, instance=instance, resources=defs.resources,  # type: ignore[arg-type]
                         raise_on_error=False)  # fmt: skip
    assert result.success is succeed
    return result.run_id


def _check_runs(instance: DagsterInstance) -> set[str]:
    from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable

    with instance.event_log_storage.index_connection() as conn:  # type: ignore[attr-defined]
        return {row[0] for row in conn.execute(select(AssetCheckExecutionsTable.c.run_id).distinct())}


def test_old_runs_are_deleted_but_each_partitions_latest_materialization_stays(
    clean_platform: ApiRuntime, instance: DagsterInstance, tmp_path: Path
) -> None:
    shop = build_demo_database(DEMO_TENANTS[0], tmp_path)
    for project_id in ("kept-a", "kept-b"):
        register(clean_platform, project_id, DataSourceSpec(dialect=Dialect.sqlite, path=str(shop)))
    register(clean_platform, "broken", DataSourceSpec(dialect=Dialect.sqlite, path=str(tmp_path / "missing.db")))
    instance.add_dynamic_partitions(PROJECTS_PARTITION, ["kept-a", "kept-b", "broken"])
    superseded, latest_a, latest_b = _sync(instance, "kept-a"), _sync(instance, "kept-a"), _sync(instance, "kept-b")
    failed = _sync(instance, "broken", succeed=False)

    report = purge_old_runs(instance, older_than=datetime.now(UTC) + timedelta(minutes=1))

    assert instance.get_run_by_id(superseded) is None and instance.get_run_by_id(failed) is None
    assert instance.get_run_by_id(latest_a) is not None and instance.get_run_by_id(latest_b) is not None
    assert (report.deleted, report.kept_for_latest_materialization) == (2, 2)
    # The events went with the runs, their asset check results too; the partitions still show as materialized,
    # by the runs that remain, with their own check results.
    assert instance.all_logs(superseded) == []
    assert _check_runs(instance) == {latest_a, latest_b}
    for name in SCHEMA_SYNC_ASSET_NAMES:
        assert {"kept-a", "kept-b"} <= instance.get_materialized_partitions(AssetKey(name))
    # Recent runs are never touched, and a second pass finds nothing more to delete.
    assert purge_old_runs(instance, older_than=datetime.now(UTC) - timedelta(days=1)).examined == 0
    assert purge_old_runs(instance, older_than=datetime.now(UTC) + timedelta(minutes=1)).deleted == 0


def test_delivered_webhooks_past_the_retention_go_and_undelivered_ones_stay(clean_platform: ApiRuntime) -> None:
    register(clean_platform, "hooks")
    with clean_platform.sessions() as session:
        for event_id in ("old-delivered", "new-delivered", "old-pending"):
            enqueue(session, event_id=event_id, project_id="hooks", payload={})
        long_ago = datetime.now(UTC) - timedelta(days=30)
        session.execute(update(WebhookEvent).values(created_at=long_ago))
        session.execute(
            update(WebhookEvent).where(WebhookEvent.event_id == "old-delivered").values(delivered_at=long_ago)
        )
        session.execute(
            update(WebhookEvent).where(WebhookEvent.event_id == "new-delivered").values(delivered_at=func.now())
        )
        deleted = delete_delivered_before(session, datetime.now(UTC) - timedelta(days=14), batch=1)
        session.commit()
        left = set(session.scalars(select(WebhookEvent.event_id).where(WebhookEvent.project_id == "hooks")))
    assert deleted == 1 and left == {"new-delivered", "old-pending"}
