"""Per-project analytics assets (group tenant_analytics), refreshed hourly by `analytics_refresh`."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from hugdata.platform.analytics_steps import summarize_usage
from hugdata.platform.assets import OWNERS
from hugdata.platform.batches import batch_metadata
from hugdata.platform.partitions import hugdata_projects
from hugdata.platform.project_steps import for_each_project
from hugdata.platform.resources import PlatformDatabaseResource

ANALYTICS_GROUP = "tenant_analytics"


@asset(partitions_def=hugdata_projects, group_name=ANALYTICS_GROUP, kinds={"pandas"}, owners=OWNERS)
def usage_analytics(context: AssetExecutionContext, platform_db: PlatformDatabaseResource) -> MaterializeResult:
    """Questions per day, success rate, latency p50/p95, most used tables/columns and error classes of a project."""
    run_id = context.run.run_id
    per_project = for_each_project(
        context, lambda p: summarize_usage(p, run_id=run_id, platform_db=platform_db), platform_db
    )
    return MaterializeResult(metadata=batch_metadata(per_project))
