"""The code location: the seed graph, every asset keyed by `hugdata_projects`, and the onboarding sensor."""

import os
import subprocess
import sys

from dagster import AssetKey, build_sensor_context

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.platform.definitions import defs
from hugdata.platform.instance import instance_config, open_instance
from hugdata.platform.partitions import PROJECTS_PARTITION, hugdata_projects
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.platform.sensors import project_onboarding_sensor
from hugdata.tenants.models import Tier
from tests.helpers import register


def test_every_asset_is_partitioned_by_project() -> None:
    graph = defs.get_repository_def().asset_graph
    keys = set(graph.get_all_asset_keys())
    assert keys == {
        AssetKey("database_schema"),
        AssetKey("semantic_model"),
        AssetKey("schema_vector_index"),
        AssetKey("usage_analytics"),
        AssetKey("query_history_index"),
        AssetKey("model_accuracy"),
        AssetKey("query_optimization_report"),
    }
    for key in keys:
        assert graph.get(key).partitions_def == hugdata_projects
    assert hugdata_projects.name == PROJECTS_PARTITION


def test_graph_is_schema_then_semantic_model_then_vector_index() -> None:
    graph = defs.get_repository_def().asset_graph
    assert graph.get(AssetKey("semantic_model")).parent_keys == {AssetKey("database_schema")}
    assert graph.get(AssetKey("schema_vector_index")).parent_keys == {AssetKey("semantic_model")}


def test_onboarding_sensor_requests_one_tagged_run_per_new_project(
    clean_platform: ApiRuntime, settings: Settings
) -> None:
    instance = open_instance(settings.resolved_dagster_home)
    resources = {"platform_db": PlatformDatabaseResource()}
    register(clean_platform, "p1", tier=Tier.free)
    register(clean_platform, "p2", tier=Tier.enterprise)
    clean_platform.partitions.add(["orphan"])  # a partition without a registry row gets no run
    with build_sensor_context(instance=instance, resources=resources) as context:
        first = project_onboarding_sensor(context)
    # Different tiers never share a batch: each gets its own run, tagged and sized for its tier.
    assert [(r.partition_key, r.tags["hugdata/project_id"], r.tags["hugdata/tier"]) for r in first.run_requests] == [
        ("p1", "p1", "free"),
        ("p2", "p2", "enterprise"),
    ]
    assert '"hugdata.io/project-id": "p2"' in first.run_requests[1].tags["dagster-k8s/config"]

    with build_sensor_context(instance=instance, cursor=first.cursor, resources=resources) as context:
        idle = project_onboarding_sensor(context)
    assert idle.run_requests == []

    register(clean_platform, "p3")
    with build_sensor_context(instance=instance, cursor=idle.cursor, resources=resources) as context:
        later = project_onboarding_sensor(context)
    assert [r.partition_key for r in later.run_requests] == ["p3"]
    assert later.run_requests[0].run_key == "onboard:p3"


def test_instance_config_limits_runs_per_project_and_retries_launch_failures() -> None:
    settings = Settings(runs_max_concurrent=7, runs_per_project=2, run_launch_retries=4, run_retries=3)
    config = instance_config("postgresql+psycopg2://x@/dagster", settings)
    coordinator = config["run_coordinator"]["config"]
    assert coordinator["max_concurrent_runs"] == 7
    assert coordinator["tag_concurrency_limits"] == [
        {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 2}
    ]
    assert coordinator["max_user_code_failure_retries"] == 4 and coordinator["dequeue_num_workers"] == 4
    assert coordinator["dequeue_interval_seconds"] == 1  # a new tenant's first run waits a second, not five
    assert config["run_retries"] == {"enabled": True, "max_retries": 3, "retry_on_asset_or_op_failure": False}
    assert config["retention"]["sensor"]["purge_after_days"]["skipped"] == 1
    # Dagster accepts it as an instance config
    from dagster._config import validate_config
    from dagster._core.instance.config import dagster_instance_config_schema

    assert validate_config(dagster_instance_config_schema(), config).success


def _printed_by_a_fresh_interpreter(probe: str, env: dict[str, str] | None = None) -> str:
    """What ``probe`` prints in a new Python process: a code location loaded the way a run worker loads it."""
    return subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_webhook_sensors_handle_more_run_events_per_tick_than_dagsters_default() -> None:
    probe = (
        "import hugdata.platform.definitions\n"
        "from dagster._core.definitions.run_status_sensor_definition import _get_run_status_sensor_process_limit\n"
        "print(_get_run_status_sensor_process_limit())"
    )
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_RUN_STATUS_SENSOR_PROCESS_LIMIT"}
    assert _printed_by_a_fresh_interpreter(probe, {**env, "HUGDATA_RUN_STATUS_SENSOR_LIMIT": "250"}) == "250"


def test_a_run_worker_loading_the_code_location_does_not_import_the_query_side() -> None:
    # Every nightly and single-project run imports the whole code location at start-up; SQL parsing and the
    # answering pipeline are needed only by analytics runs, so they must load on first use.
    probe = (
        "import sys, hugdata.platform.definitions\n"
        "print(sorted(m for m in ('sqlglot', 'opentelemetry.sdk', 'hugdata.query.ask', 'hugdata.lineage.columns')"
        " if m in sys.modules))"
    )
    assert _printed_by_a_fresh_interpreter(probe) == "[]"
