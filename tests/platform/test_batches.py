"""Onboarding batches: new projects share one run, each is handled on its own, and a failed batch fans out."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import (
    AssetRecordsFilter,
    DagsterEventType,
    DagsterInstance,
    build_run_status_sensor_context,
    build_sensor_context,
    materialize,
)
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.k8s.tenant_runs import TIER_RESOURCES
from hugdata.platform import sensors
from hugdata.platform.batches import batch_members, onboarding_requests, projects_of_run
from hugdata.platform.instance import open_instance
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.asset_states import project_asset_states
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect, Tier
from tests.helpers import own_steps, register
from tests.platform.test_assets import ASSETS, RESOURCES


@pytest.fixture
def instance(settings: Settings) -> Iterator[DagsterInstance]:
    opened = open_instance(settings.resolved_dagster_home)
    yield opened
    opened.dispose()


def _range_tags(first: str, last: str) -> dict[str, str]:
    return {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}


def test_consecutive_new_projects_of_one_tier_share_a_run_up_to_the_batch_size() -> None:
    new = [("a", "standard"), ("b", "standard"), ("c", "standard"), ("d", "enterprise"), ("e", "standard")]
    requests = onboarding_requests(new, batch_size=2)
    assert [(r.tags.get(ASSET_PARTITION_RANGE_START_TAG), r.tags.get(ASSET_PARTITION_RANGE_END_TAG)) for r in requests][
        :1
    ] == [("a", "b")]
    assert [r.partition_key for r in requests[1:]] == ["c", "d", "e"]  # c is past the size, d and e change tier
    assert requests[0].tags["hugdata/tier"] == "standard" and requests[0].tags["hugdata/batch"] == "onboarding"
    # Each project of the batch is named by a tag of its own: its run listing finds its first run by it.
    assert batch_members(requests[0].tags) == ["a", "b"] and batch_members(requests[1].tags) == []
    assert requests[2].tags["hugdata/project_id"] == "d" and requests[2].tags["hugdata/tier"] == "enterprise"
    batch_k8s = json.loads(requests[0].tags["dagster-k8s/config"])  # a batch Job is sized by its tier too
    assert batch_k8s["container_config"]["resources"] == TIER_RESOURCES[Tier.standard]
    assert batch_k8s["job_metadata"]["labels"] == {"hugdata.io/tier": "standard", "hugdata.io/batch": "onboarding"}
    assert [r.partition_key for r in onboarding_requests(new, batch_size=1)] == ["a", "b", "c", "d", "e"]


def test_onboarding_sensor_batches_projects_registered_together(
    clean_platform: ApiRuntime, instance: DagsterInstance, tmp_path: Path
) -> None:
    source = DataSourceSpec(dialect=Dialect.sqlite, path=str(build_demo_database(DEMO_TENANTS[0], tmp_path)))
    for project_id in ("n1", "n2", "n3"):
        register(clean_platform, project_id, source)
    with build_sensor_context(instance=instance, resources={"platform_db": PlatformDatabaseResource()}) as context:
        result = sensors.project_onboarding_sensor(context)
    assert len(result.run_requests) == 1
    assert result.run_requests[0].partition_key_range is not None
    assert (result.run_requests[0].partition_key_range.start, result.run_requests[0].partition_key_range.end) == (
        "n1",
        "n3",
    )


def test_one_batch_run_materializes_every_project_of_its_range(
    clean_platform: ApiRuntime, instance: DagsterInstance, tmp_path: Path
) -> None:
    for index, project_id in enumerate(("b-shop", "b-billing")):
        path = build_demo_database(DEMO_TENANTS[index], tmp_path)
        register(clean_platform, project_id, DataSourceSpec(dialect=Dialect.sqlite, path=str(path)))
    result = materialize(ASSETS, instance=instance, resources=RESOURCES, tags=_range_tags("b-shop", "b-billing"))
    assert result.success
    for project_id in ("b-shop", "b-billing"):
        for asset in ASSETS:
            records = instance.fetch_materializations(
                AssetRecordsFilter(asset_key=asset.key, asset_partitions=[project_id]), limit=1
            ).records
            assert records and records[0].run_id == result.run_id
        with clean_platform.sessions() as session:
            states = project_asset_states(session, project_id)
        assert [s.status for s in states] == ["materialized"] * 3
        assert all(s.last_run_id == result.run_id for s in states)
        # The run lists each project's own part of each step: the API shows it to that project.
        assert own_steps(clean_platform, result.run_id, project_id) == [
            (a.key.path[0], "SUCCESS", None) for a in ASSETS
        ]
    index = next(e for e in result.get_asset_materialization_events() if e.asset_key.path == ["schema_vector_index"])
    per_project = index.materialization.metadata["per_project"].value
    assert set(per_project) == {"b-shop", "b-billing"} and all(m["embedded"] > 0 for m in per_project.values())


def test_a_failing_project_does_not_stop_its_batch_and_the_batch_fans_out(
    clean_platform: ApiRuntime, instance: DagsterInstance, tmp_path: Path
) -> None:
    good = DataSourceSpec(dialect=Dialect.sqlite, path=str(build_demo_database(DEMO_TENANTS[0], tmp_path)))
    register(clean_platform, "f-good-1", good)
    register(clean_platform, "f-gone", DataSourceSpec(dialect=Dialect.sqlite, path=str(tmp_path / "missing.sqlite")))
    register(clean_platform, "f-good-2", good)
    result = materialize(
        ASSETS, instance=instance, resources=RESOURCES, tags=_range_tags("f-good-1", "f-good-2"), raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE)
    assert "1 of 3 projects failed" in failure.event_specific_data.error.message
    assert "project f-gone" in failure.event_specific_data.error.message
    # One try only (no RetryPolicy round for the whole batch): the projects are re-run one by one instead.
    assert not [e for e in result.all_events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    with clean_platform.sessions() as session:  # the good projects went past the failing one in that step
        assert project_asset_states(session, "f-good-2")[0].status == "materialized"
    # Each project's own step: done for the good ones, failed with its own cause for the other (the steps after
    # the failed one did not run for anyone, and Dagster's own step statistics say so).
    assert own_steps(clean_platform, result.run_id, "f-good-2") == [("database_schema", "SUCCESS", None)]
    [(asset, status, cause)] = own_steps(clean_platform, result.run_id, "f-gone")
    assert (asset, status) == ("database_schema", "FAILURE") and cause and "f-gone" in cause and "f-good" not in cause
    run = instance.get_run_by_id(result.run_id)
    assert run is not None and projects_of_run(run, instance) == ["f-good-1", "f-gone", "f-good-2"]
    failure_event = next(e for e in result.all_events if e.event_type == DagsterEventType.RUN_FAILURE)
    with build_run_status_sensor_context(
        sensor_name="asset_failure_sensor",
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=failure_event,
        resources={"platform_db": PlatformDatabaseResource()},
    ) as context:
        reruns = sensors.asset_failure_sensor(context.for_run_failure())
    assert reruns is not None
    assert [r.partition_key for r in reruns] == ["f-good-1", "f-gone", "f-good-2"]
    assert all(r.tags["hugdata/project_id"] == r.partition_key for r in reruns)
    assert all(r.job_name == "schema_sync" for r in reruns)  # the sensor may request two jobs: it must name one
