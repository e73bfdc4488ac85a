"""The code location: every asset keyed by the `hugdata_projects` dynamic partitions."""

from dagster import DagsterInstance, materialize

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.platform.assets import project_profile
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.platform.partitions import PROJECTS_PARTITION, hugdata_projects
from hugdata.platform.resources import TenantRegistryResource
from hugdata.tenants.models import Tier
from hugdata.tenants.registry import register_project
from tests.helpers import postgres_spec


def test_every_asset_is_partitioned_by_project() -> None:
    repository = defs.get_repository_def()
    assets = list(repository.asset_graph.get_all_asset_keys())
    assert assets
    for key in assets:
        assert repository.asset_graph.get(key).partitions_def == hugdata_projects
    assert hugdata_projects.name == PROJECTS_PARTITION


def test_project_profile_materializes_one_registered_project(clean_platform: ApiRuntime, settings: Settings) -> None:
    with clean_platform.sessions() as session:
        register_project(
            session,
            partitions=clean_platform.partitions,
            vault=clean_platform.vault,
            project_id="acme",
            name="Acme",
            tier=Tier.enterprise,
            data_source=postgres_spec(),
        )
    instance: DagsterInstance = open_instance(settings.resolved_dagster_home)
    result = materialize(
        [project_profile], partition_key="acme", instance=instance, resources={"registry": TenantRegistryResource()}
    )
    assert result.success
    event = result.get_asset_materialization_events()[0]
    metadata = event.materialization.metadata
    assert metadata["tier"].value == "enterprise"
    assert metadata["source_dialect"].value == "postgresql"
    assert event.materialization.partition == "acme"
    # the run config holds no connection string or password
    run = instance.get_run_by_id(result.run_id)
    assert run is not None and "s3cret" not in str(run.run_config) and "postgresql+" not in str(run.run_config)
