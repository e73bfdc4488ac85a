"""The code location: the seed graph, every asset keyed by `hugdata_projects`, and the onboarding sensor."""

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


def test_instance_config_limits_runs_per_project() -> None:
    config = instance_config("postgresql+psycopg2://x@/dagster", max_concurrent=7, per_project=2)
    coordinator = config["run_coordinator"]["config"]
    assert coordinator["max_concurrent_runs"] == 7
    assert coordinator["tag_concurrency_limits"] == [
        {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 2}
    ]
