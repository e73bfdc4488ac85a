"""Per-project assets over the query side (group tenant_analytics, refreshed by `analytics_refresh`):
past question -> SQL pairs for retrieval, accuracy on golden questions, and index suggestions (work in
analytics_steps)."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from hugdata.platform.analytics_assets import ANALYTICS_GROUP
from hugdata.platform.analytics_steps import index_past_queries, report_optimizations, score_golden_questions
from hugdata.platform.assets import OWNERS, SOURCE_RETRY, schema_vector_index
from hugdata.platform.batches import batch_metadata
from hugdata.platform.partitions import hugdata_projects
from hugdata.platform.project_steps import for_each_project
from hugdata.platform.resources import (
    EmbeddingModelResource,
    PlatformDatabaseResource,
    QuestionAnsweringResource,
    TenantDatabaseResource,
)


@asset(
    partitions_def=hugdata_projects,
    group_name=ANALYTICS_GROUP,
    deps=[schema_vector_index],
    kinds={"pgvector"},
    owners=OWNERS,
)
def query_history_index(
    context: AssetExecutionContext, platform_db: PlatformDatabaseResource, embeddings: EmbeddingModelResource
) -> MaterializeResult:
    """The project's past successful question -> SQL pairs, embedded by question, retrieved for new questions."""
    embedder, run_id = embeddings.embedder(), context.run.run_id
    return MaterializeResult(
        metadata=batch_metadata(
            for_each_project(
                context,
                lambda p: index_past_queries(p, run_id=run_id, platform_db=platform_db, embedder=embedder),
                platform_db,
            )
        )
    )


@asset(
    partitions_def=hugdata_projects,
    group_name=ANALYTICS_GROUP,
    deps=[query_history_index],
    retry_policy=SOURCE_RETRY,
    kinds={"sql"},
    owners=OWNERS,
)
def model_accuracy(
    context: AssetExecutionContext,
    platform_db: PlatformDatabaseResource,
    embeddings: EmbeddingModelResource,
    answering: QuestionAnsweringResource,
) -> MaterializeResult:
    """The project's golden questions asked as users ask them; the share answered with the expected result."""
    ask_context, run_id = answering.context(platform_db, embeddings.embedder()), context.run.run_id
    return MaterializeResult(
        metadata=batch_metadata(
            for_each_project(
                context,
                lambda p: score_golden_questions(p, run_id=run_id, platform_db=platform_db, ask_context=ask_context),
                platform_db,
            )
        )
    )


@asset(
    partitions_def=hugdata_projects, group_name=ANALYTICS_GROUP, retry_policy=SOURCE_RETRY, kinds={"sql"}, owners=OWNERS
)
def query_optimization_report(
    context: AssetExecutionContext, platform_db: PlatformDatabaseResource, tenant_db: TenantDatabaseResource
) -> MaterializeResult:
    """Index suggestions for columns the project's queries filter, join or sort on, and EXPLAIN of the slowest."""
    run_id = context.run.run_id
    return MaterializeResult(
        metadata=batch_metadata(
            for_each_project(
                context,
                lambda p: report_optimizations(p, run_id=run_id, platform_db=platform_db, tenant_db=tenant_db),
                platform_db,
            )
        )
    )
