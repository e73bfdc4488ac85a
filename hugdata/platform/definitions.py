"""The code location `hugdata.platform.definitions` loaded by the Dagster webserver, daemon and run workers."""

from dagster import Definitions, in_process_executor

from hugdata.config import get_settings
from hugdata.observability.logs import configure_logging
from hugdata.observability.run_logs import platform_console_logger
from hugdata.platform.analytics_assets import usage_analytics
from hugdata.platform.assets import database_schema, schema_vector_index, semantic_model
from hugdata.platform.batch_jobs import analytics_refresh_batch, schema_sync_batch
from hugdata.platform.cancellations import run_cancellation_sensor
from hugdata.platform.freshness_sensor import catalog_freshness_sensor
from hugdata.platform.jobs import analytics_refresh, schema_sync
from hugdata.platform.query_assets import model_accuracy, query_history_index, query_optimization_report
from hugdata.platform.resources import (
    EmbeddingModelResource,
    PlatformDatabaseResource,
    QuestionAnsweringResource,
    TenantDatabaseResource,
)
from hugdata.platform.retention import build_storage_retention_schedule, storage_retention
from hugdata.platform.schedules import build_hourly_analytics_refresh, build_nightly_schema_sync
from hugdata.platform.schema_probes import schema_change_sensor
from hugdata.platform.sensors import asset_failure_sensor, project_onboarding_sensor, webhook_sensors

if get_settings().environment == "production":
    # The code server and run workers log JSON lines as the API does (sensors' notes, the platform's own loggers).
    configure_logging(get_settings())

defs = Definitions(
    assets=[
        database_schema,
        semantic_model,
        schema_vector_index,
        usage_analytics,
        query_history_index,
        model_accuracy,
        query_optimization_report,
    ],
    jobs=[schema_sync, analytics_refresh, schema_sync_batch, analytics_refresh_batch, storage_retention],
    schedules=[
        build_nightly_schema_sync(running=get_settings().schedules_enabled),
        build_hourly_analytics_refresh(running=get_settings().schedules_enabled),
        build_storage_retention_schedule(running=get_settings().schedules_enabled),
    ],
    sensors=[
        project_onboarding_sensor,
        schema_change_sensor,
        asset_failure_sensor,
        run_cancellation_sensor,
        catalog_freshness_sensor,
        *webhook_sensors,
    ],
    # A tenant's steps form one chain, so a process per step bought no parallelism; it cost each run three more
    # Python start-ups (imports, code location, model), the bulk of a run's time on a small machine (bench/onboarding).
    executor=in_process_executor,
    loggers={"console": platform_console_logger},
    resources={
        "platform_db": PlatformDatabaseResource(),
        "tenant_db": TenantDatabaseResource(),
        "embeddings": EmbeddingModelResource(),
        "answering": QuestionAnsweringResource(),
    },
)
