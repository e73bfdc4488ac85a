"""Jobs over the tenant assets; every run is one project's partition."""

from dagster import AssetSelection, define_asset_job

from hugdata.observability.run_logs import RUN_LOGGING
from hugdata.platform.partitions import hugdata_projects

# Upstream first; a selection of any of them runs together with everything it depends on.
SCHEMA_SYNC_ASSET_NAMES = ("database_schema", "semantic_model", "schema_vector_index")
SCHEMA_SYNC_ASSETS = AssetSelection.assets(*SCHEMA_SYNC_ASSET_NAMES)


schema_sync = define_asset_job(
    "schema_sync",
    selection=SCHEMA_SYNC_ASSETS,
    partitions_def=hugdata_projects,
    config=RUN_LOGGING,
    description="Ingest a project's schema, rebuild its semantic model and refresh its vector index.",
)


ANALYTICS_ASSET_NAMES = ("usage_analytics", "query_history_index", "model_accuracy", "query_optimization_report")

analytics_refresh = define_asset_job(
    "analytics_refresh",
    selection=AssetSelection.groups("tenant_analytics"),
    partitions_def=hugdata_projects,
    config=RUN_LOGGING,
    description="Recompute a project's query-side assets from its query log: usage analytics, the past-query "
    "index, accuracy on its golden questions and index suggestions.",
)
