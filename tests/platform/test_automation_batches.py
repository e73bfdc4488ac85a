"""Automation batches: the nightly sync, hourly analytics and schema-change syncs run many projects per run, each
on its own: a failing project stops only itself, is re-run alone, and reports its own outcome."""

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DagsterEventType,
    DagsterInstance,
    build_run_status_sensor_context,
    build_schedule_context,
)
from sqlalchemy import select

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.k8s.tenant_runs import TIER_RESOURCES
from hugdata.platform import sensors
from hugdata.platform.automation import automation_requests, batch_members, member_tag
from hugdata.platform.batch_jobs import schema_sync_batch
from hugdata.platform.instance import open_instance
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.platform.schedules import build_nightly_schema_sync, nightly_slot
from hugdata.tenants.asset_states import project_asset_states
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect, Tier
from hugdata.tenants.project_locks import project_lock
from hugdata.tenants.run_failures import failed_projects_of_run
from hugdata.webhooks.outbox import WebhookEvent
from tests.helpers import own_steps, register
from tests.platform.test_assets import ASSETS, RESOURCES

FAILED = next(s for s in sensors.webhook_sensors if s.name == "webhook_on_run_failed")


@pytest.fixture
def instance(settings: Settings) -> Iterator[DagsterInstance]:
    opened = open_instance(settings.resolved_dagster_home)
    yield opened
    opened.dispose()


def _batch_tags(*project_ids: str) -> dict[str, str]:
    return {"hugdata/tier": "standard", "hugdata/batch": "nightly", **{member_tag(p): "1" for p in project_ids}}


def test_projects_are_batched_per_tier_up_to_the_batch_size() -> None:
    projects = [(f"p{i:03d}", "standard") for i in range(120)] + [("e1", "enterprise"), ("e2", "enterprise")]
    requests = automation_requests("nightly", "nightly:2026-12-02:3", projects, batch_size=50)
    members = [batch_members(r.tags) for r in requests]
    assert [len(m) for m in members] == [2, 50, 50, 20]  # enterprise sorts first; one tier per run
    assert members[0] == ["e1", "e2"] and requests[0].tags["hugdata/tier"] == "enterprise"
    assert sorted(p for m in members for p in m) == sorted(p for p, _ in projects)  # each project exactly once
    assert len({r.run_key for r in requests}) == len(requests)
    k8s = json.loads(requests[1].tags["dagster-k8s/config"])  # a batch Job is sized by its tier
    assert k8s["container_config"]["resources"] == TIER_RESOURCES[Tier.standard]
    assert k8s["job_metadata"]["labels"] == {"hugdata.io/tier": "standard", "hugdata.io/batch": "nightly"}
    assert all(r.partition_key is None and "hugdata/project_id" not in r.tags for r in requests)


def test_the_nightly_schedule_starts_a_slots_projects_as_batches(clean_platform: ApiRuntime, tmp_path: Path) -> None:
    source = DataSourceSpec(dialect=Dialect.sqlite, path=str(build_demo_database(DEMO_TENANTS[0], tmp_path)))
    ids = [f"night-{i}" for i in range(60)]
    for project_id in ids:
        register(clean_platform, project_id, source)
    slot = nightly_slot(ids[0])
    due = sorted(p for p in ids if nightly_slot(p) == slot)
    moment = datetime.fromisoformat(f"2026-12-02T{slot * 10 // 60:02d}:{slot * 10 % 60:02d}:00+00:00")
    schedule = build_nightly_schema_sync()
    with build_schedule_context(
        scheduled_execution_time=moment, resources={"platform_db": PlatformDatabaseResource()}
    ) as context:
        requests = list(schedule.evaluate_tick(context).run_requests or [])
    assert len(requests) == 1 and batch_members(requests[0].tags) == due  # one run, not one per project
    assert schedule.job_name == "schema_sync_batch"


def test_a_failing_project_stops_only_itself_and_is_rerun_alone(
    clean_platform: ApiRuntime, instance: DagsterInstance, tmp_path: Path
) -> None:
    good = DataSourceSpec(dialect=Dialect.sqlite, path=str(build_demo_database(DEMO_TENANTS[0], tmp_path)))
    register(clean_platform, "nb-good-1", good)
    register(clean_platform, "nb-gone", DataSourceSpec(dialect=Dialect.sqlite, path=str(tmp_path / "missing.sqlite")))
    register(clean_platform, "nb-good-2", good)
    result = schema_sync_batch.execute_in_process(
        instance=instance,
        resources=RESOURCES,
        tags=_batch_tags("nb-good-1", "nb-gone", "nb-good-2"),
        raise_on_error=False,
    )
    assert not result.success  # the run says that some of its projects failed
    for project_id in ("nb-good-1", "nb-good-2"):  # each good partition has its own materializations
        for asset in ASSETS:
            records = instance.fetch_materializations(
                AssetRecordsFilter(asset_key=asset.key, asset_partitions=[project_id]), limit=1
            ).records
            assert records and records[0].run_id == result.run_id
        with clean_platform.sessions() as session:
            assert [s.status for s in project_asset_states(session, project_id)] == ["materialized"] * 3
        assert own_steps(clean_platform, result.run_id, project_id) == [
            (a.key.path[0], "SUCCESS", None) for a in ASSETS
        ]
    assert not instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("database_schema"), asset_partitions=["nb-gone"]), limit=1
    ).records
    with clean_platform.sessions() as session:
        states = project_asset_states(session, "nb-gone")
        causes = failed_projects_of_run(session, result.run_id)
    assert [s.status for s in states] == ["failed"] * 3 and all("nb-gone" in (s.failure_cause or "") for s in states)
    assert list(causes) == ["nb-gone"] and "nb-gone" in causes["nb-gone"]
    # The batch's single op covers every asset; each project's own steps say which failed, why, and what it skipped.
    assert own_steps(clean_platform, result.run_id, "nb-gone") == [
        ("database_schema", "FAILURE", causes["nb-gone"]),
        ("semantic_model", "SKIPPED", "not run: database_schema failed"),
        ("schema_vector_index", "SKIPPED", "not run: database_schema failed"),
    ]

    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    failure_event = next(e for e in result.all_events if e.event_type == DagsterEventType.RUN_FAILURE)
    resources = {"platform_db": PlatformDatabaseResource()}
    with build_run_status_sensor_context(
        sensor_name="asset_failure_sensor",
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=failure_event,
        resources=resources,
    ) as context:
        reruns = sensors.asset_failure_sensor(context.for_run_failure())
    assert reruns is not None and [(r.partition_key, r.job_name) for r in reruns] == [("nb-gone", "schema_sync")]
    assert reruns[0].tags["hugdata/project_id"] == "nb-gone"

    with build_run_status_sensor_context(
        sensor_name=FAILED.name,
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=failure_event,
        resources=resources,
    ) as context:
        FAILED(context)
    with clean_platform.sessions() as session:
        events = {e.project_id: e.payload for e in session.scalars(select(WebhookEvent))}
    assert {p: e["status"] for p, e in events.items()} == {
        "nb-good-1": "succeeded",
        "nb-gone": "failed",
        "nb-good-2": "succeeded",
    }
    assert events["nb-gone"]["error"] == causes["nb-gone"] and "error" not in events["nb-good-1"]
    assert all(e["job"] == "schema_sync" and e["batch"] for e in events.values())
    assert all(e["occurred_at"] and e["occurred_at"] == e["ended_at"] for e in events.values())  # when it changed
    assert all(other not in json.dumps(e) for p, e in events.items() for other in events if other != p)


def test_a_project_another_run_holds_is_skipped_and_run_on_its_own(
    clean_platform: ApiRuntime, instance: DagsterInstance, tmp_path: Path
) -> None:
    source = DataSourceSpec(dialect=Dialect.sqlite, path=str(build_demo_database(DEMO_TENANTS[0], tmp_path)))
    register(clean_platform, "lk-busy", source)
    register(clean_platform, "lk-free", source)
    with project_lock(clean_platform.engine, "lk-busy") as held:  # a single-project run of lk-busy is working
        assert held
        result = schema_sync_batch.execute_in_process(
            instance=instance, resources=RESOURCES, tags=_batch_tags("lk-busy", "lk-free"), raise_on_error=False
        )
    with clean_platform.sessions() as session:
        causes = failed_projects_of_run(session, result.run_id)
        free = project_asset_states(session, "lk-free")
    assert list(causes) == ["lk-busy"] and "another run is working on it" in causes["lk-busy"]
    assert [s.status for s in free] == ["materialized"] * 3
