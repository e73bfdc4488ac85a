"""The code location: the seed graph, every asset keyed by `hugdata_projects`, and the onboarding sensor."""

from dagster import AssetKey, build_sensor_context

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.platform.partitions import PROJECTS_PARTITION, hugdata_projects
from hugdata.platform.sensors import project_onboarding_sensor


def test_every_asset_is_partitioned_by_project() -> None:
    graph = defs.get_repository_def().asset_graph
    keys = set(graph.get_all_asset_keys())
    assert keys == {AssetKey("database_schema"), AssetKey("semantic_model"), AssetKey("schema_vector_index")}
    for key in keys:
        assert graph.get(key).partitions_def == hugdata_projects
    assert hugdata_projects.name == PROJECTS_PARTITION


def test_graph_is_schema_then_semantic_model_then_vector_index() -> None:
    graph = defs.get_repository_def().asset_graph
    assert graph.get(AssetKey("semantic_model")).parent_keys == {AssetKey("database_schema")}
    assert graph.get(AssetKey("schema_vector_index")).parent_keys == {AssetKey("semantic_model")}


def test_onboarding_sensor_requests_one_run_per_new_project(clean_platform: ApiRuntime, settings: Settings) -> None:
    instance = open_instance(settings.resolved_dagster_home)
    clean_platform.partitions.add(["p1", "p2"])
    first = project_onboarding_sensor(build_sensor_context(instance=instance))
    assert [(r.partition_key, r.tags["hugdata/project_id"]) for r in first.run_requests] == [("p1", "p1"), ("p2", "p2")]

    idle = project_onboarding_sensor(build_sensor_context(instance=instance, cursor=first.cursor))
    assert idle.run_requests == []

    clean_platform.partitions.add(["p3"])
    later = project_onboarding_sensor(build_sensor_context(instance=instance, cursor=idle.cursor))
    assert [r.partition_key for r in later.run_requests] == ["p3"]
    assert later.run_requests[0].run_key == "onboard:p3"
