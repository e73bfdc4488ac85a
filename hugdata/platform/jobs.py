"""Jobs over the tenant assets; every run is one project's partition."""

from dagster import AssetSelection, define_asset_job

from hugdata.platform.partitions import hugdata_projects

SCHEMA_SYNC_ASSETS = AssetSelection.assets("database_schema", "semantic_model", "schema_vector_index")

schema_sync = define_asset_job(
    "schema_sync",
    selection=SCHEMA_SYNC_ASSETS,
    partitions_def=hugdata_projects,
    description="Ingest a project's schema, rebuild its semantic model and refresh its vector index.",
)
