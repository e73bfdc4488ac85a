"""Tenant assets, one partition per project."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from hugdata.platform.partitions import hugdata_projects
from hugdata.platform.resources import TenantRegistryResource


@asset(partitions_def=hugdata_projects, group_name="tenant", kinds={"postgres"})
def project_profile(context: AssetExecutionContext, registry: TenantRegistryResource) -> MaterializeResult:
    """The project's registry facts as Dagster sees them: the first node of every tenant's graph."""
    facts = registry.project_facts(context.partition_key)
    return MaterializeResult(
        metadata={"name": facts.name, "tier": facts.tier.value, "source_dialect": facts.dialect.value}
    )
