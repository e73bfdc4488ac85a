"""Per-project assets over the query side (group tenant_analytics, refreshed by `analytics_refresh`):
past question -> SQL pairs for retrieval, accuracy on golden questions, and index suggestions."""

from typing import Any

from dagster import AssetExecutionContext, MaterializeResult, asset
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from hugdata.catalog.store import latest_semantic_model, latest_snapshot
from hugdata.catalog.vector_store import sync_documents
from hugdata.platform.analytics_assets import ANALYTICS_GROUP
from hugdata.platform.assets import SOURCE_RETRY, schema_vector_index
from hugdata.platform.batches import batch_metadata, for_each_project
from hugdata.platform.partitions import hugdata_projects
from hugdata.platform.resources import (
    EmbeddingModelResource,
    PlatformDatabaseResource,
    QuestionAnsweringResource,
    TenantDatabaseResource,
)
from hugdata.platform.state import record_state
from hugdata.query.accuracy import evaluate_golden_questions
from hugdata.query.execute import PlanCost
from hugdata.query.history import past_query_documents
from hugdata.query.log import successful_asks
from hugdata.query.optimization import index_suggestions, suggestion_rows
from hugdata.query.quality_models import AccuracyRun, OptimizationReport

SLOWEST_EXPLAINED = 5
_LOG_WINDOW = 5000  # newest successful queries an optimization report reads
ACCURACY_HISTORY = 10


@asset(partitions_def=hugdata_projects, group_name=ANALYTICS_GROUP, deps=[schema_vector_index], kinds={"pgvector"})
def query_history_index(
    context: AssetExecutionContext, platform_db: PlatformDatabaseResource, embeddings: EmbeddingModelResource
) -> MaterializeResult:
    """The project's past successful question -> SQL pairs, embedded by question, retrieved for new questions."""
    embedder = embeddings.embedder()

    def one(project_id: str) -> dict[str, object]:
        facts = platform_db.project_facts(project_id)
        with platform_db.session() as session:
            latest = latest_semantic_model(session, project_id)
            if latest is None:
                return {"pairs": 0, "skipped": "no semantic model yet"}
            documents = past_query_documents(session, project_id=project_id, dialect=facts.dialect, model=latest[1])
            sync = sync_documents(
                session, project_id=project_id, documents=documents, embedder=embedder, kinds=("past_query",)
            )
            session.commit()
        summary = {
            "pairs": len(documents),
            "embedded": sync.embedded,
            "copied": sync.copied,
            "reused": sync.reused,
            "deleted": sync.deleted,
        }
        record_state(context, platform_db, project_id, summary)
        return summary

    return MaterializeResult(metadata=batch_metadata(for_each_project(context, one)))


@asset(
    partitions_def=hugdata_projects,
    group_name=ANALYTICS_GROUP,
    deps=[query_history_index],
    retry_policy=SOURCE_RETRY,
    kinds={"sql"},
)
def model_accuracy(
    context: AssetExecutionContext,
    platform_db: PlatformDatabaseResource,
    embeddings: EmbeddingModelResource,
    answering: QuestionAnsweringResource,
) -> MaterializeResult:
    """The project's golden questions asked as users ask them; the share answered with the expected result."""
    ask_context = answering.context(platform_db, embeddings.embedder())

    def one(project_id: str) -> dict[str, object]:
        report = evaluate_golden_questions(ask_context, project_id)
        if not report.results:
            summary: dict[str, object] = {"golden_questions": 0}
            record_state(context, platform_db, project_id, summary)
            return summary
        with platform_db.session() as session:
            session.add(
                AccuracyRun(
                    project_id=project_id,
                    answered_by=report.answered_by,
                    total=len(report.results),
                    correct=report.correct,
                    accuracy=report.accuracy,
                    results=report.result_rows(),
                )
            )
            session.commit()
            history = session.scalars(
                select(AccuracyRun.accuracy)
                .where(AccuracyRun.project_id == project_id)
                .order_by(AccuracyRun.id.desc())
                .limit(ACCURACY_HISTORY)
            ).all()
        summary = {
            "golden_questions": len(report.results),
            "correct": report.correct,
            "scored": len(report.scored),
            "answered_by": report.answered_by,
            "accuracy_history": list(reversed(history)),
            "not_correct": [r.question for r in report.results if r.outcome != "correct"][:20],
        }
        if report.accuracy is not None:
            summary["accuracy"] = report.accuracy  # a float per materialization: Dagster plots it over time
        record_state(context, platform_db, project_id, summary)
        return summary

    return MaterializeResult(metadata=batch_metadata(for_each_project(context, one)))


@asset(partitions_def=hugdata_projects, group_name=ANALYTICS_GROUP, retry_policy=SOURCE_RETRY, kinds={"sql"})
def query_optimization_report(
    context: AssetExecutionContext, platform_db: PlatformDatabaseResource, tenant_db: TenantDatabaseResource
) -> MaterializeResult:
    """Index suggestions for columns the project's queries filter, join or sort on, and EXPLAIN of the slowest."""

    def one(project_id: str) -> dict[str, object]:
        facts = platform_db.project_facts(project_id)
        with platform_db.session() as session:
            snapshot, latest = latest_snapshot(session, project_id), latest_semantic_model(session, project_id)
            queries = [
                (sql, latency) for _, sql, latency in session.execute(successful_asks(project_id, limit=_LOG_WINDOW))
            ]
        if snapshot is None or latest is None:
            return {"skipped": "no schema snapshot yet"}
        suggestions = index_suggestions([sql for sql, _ in queries], dialect=facts.dialect, snapshot=snapshot.snapshot)
        slowest: dict[str, int] = {}
        for sql, latency in queries:
            slowest[sql] = max(latency, slowest.get(sql, 0))
        top = sorted(slowest, key=lambda s: -slowest[s])[:SLOWEST_EXPLAINED]
        explained = []
        for sql, plan in tenant_db.explain(project_id, top, latest[1]):
            entry: dict[str, Any] = {"sql": sql, "latency_ms": slowest[sql]}
            if isinstance(plan, PlanCost):
                entry.update(cost=plan.cost, estimated_rows=plan.estimated_rows, full_scans=plan.full_scans)
                if plan.plan:
                    entry["plan"] = plan.plan
            else:
                entry["error"] = plan
            explained.append(entry)
        report = {
            "dialect": facts.dialect.value,
            "queries_analysed": len(queries),
            "index_suggestions": suggestion_rows(suggestions),
            "slowest_queries": explained,
        }
        with platform_db.session() as session:
            upsert = pg_insert(OptimizationReport).values(project_id=project_id, report=report)
            session.execute(
                upsert.on_conflict_do_update(
                    index_elements=[OptimizationReport.project_id], set_={"report": report, "computed_at": func.now()}
                )
            )
            session.commit()
        summary = {
            "queries_analysed": len(queries),
            "index_suggestions": len(suggestions),
            "top_suggestion": suggestions[0].statement if suggestions else "",
        }
        record_state(context, platform_db, project_id, summary)
        return summary

    return MaterializeResult(metadata=batch_metadata(for_each_project(context, one)))
