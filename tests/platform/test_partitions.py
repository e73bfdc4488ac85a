"""Project partitions in Dagster's storage, written by the registry."""

from concurrent.futures import ThreadPoolExecutor

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.platform.instance import open_instance
from hugdata.platform.partitions import PROJECTS_PARTITION, DagsterPartitionStore


def test_concurrent_adds_of_distinct_projects_all_land(clean_platform: ApiRuntime, settings: Settings) -> None:
    instance = open_instance(settings.resolved_dagster_home)
    store = DagsterPartitionStore(instance)
    keys = [f"tenant-{i}" for i in range(60)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda k: store.add([k]), keys))
    assert set(instance.get_dynamic_partitions(PROJECTS_PARTITION)) == set(keys)


def test_add_is_idempotent_and_delete_removes(clean_platform: ApiRuntime, settings: Settings) -> None:
    store = DagsterPartitionStore(open_instance(settings.resolved_dagster_home))
    store.add(["a", "b"])
    store.add(["b", "a"])
    assert store.keys() == {"a", "b"}
    store.delete("a")
    assert store.keys() == {"b"} and not store.has("a") and store.has("b")
