"""The code location `hugdata.platform.definitions` loaded by the Dagster webserver, daemon and run workers."""

from dagster import Definitions

from hugdata.platform.assets import database_schema, schema_vector_index, semantic_model
from hugdata.platform.jobs import schema_sync
from hugdata.platform.resources import EmbeddingModelResource, PlatformDatabaseResource, TenantDatabaseResource
from hugdata.platform.sensors import asset_failure_sensor, project_onboarding_sensor, webhook_sensors

defs = Definitions(
    assets=[database_schema, semantic_model, schema_vector_index],
    jobs=[schema_sync],
    sensors=[project_onboarding_sensor, asset_failure_sensor, *webhook_sensors],
    resources={
        "platform_db": PlatformDatabaseResource(),
        "tenant_db": TenantDatabaseResource(),
        "embeddings": EmbeddingModelResource(),
    },
)
