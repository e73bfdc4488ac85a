"""One project's query-side work, a function per analytics asset, shared by the partitioned assets and the hourly
automation batches: usage analytics, the past-query index, golden-question accuracy and index suggestions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from hugdata.catalog.embeddings import Embedder
from hugdata.catalog.store import latest_semantic_model, latest_snapshot
from hugdata.catalog.vector_store import sync_documents
from hugdata.lineage.store import catch_up
from hugdata.platform.resources import PlatformDatabaseResource, TenantDatabaseResource
from hugdata.platform.state import record_state
from hugdata.query.log import QueryLogEntry, UsageAnalytics, successful_asks
from hugdata.query.quality_models import AccuracyRun, OptimizationReport

if TYPE_CHECKING:
    from hugdata.query.ask import AskContext

# Every run worker imports the whole code location, but only analytics runs parse SQL: the query side (sqlglot,
# the answering pipeline, its tracing) is imported inside the steps below, which keeps about 0.2 CPU-s out of the
# start-up of every nightly and single-project run (bench numbers in docs/capacity.md).

SLOWEST_EXPLAINED = 5
_LOG_WINDOW = 5000  # newest successful queries an optimization report reads
ACCURACY_HISTORY = 10


def summarize_usage(project_id: str, *, run_id: str, platform_db: PlatformDatabaseResource) -> dict[str, object]:
    """usage_analytics: questions per day, success rate, latency percentiles, most used tables, error classes."""
    from hugdata.query.analytics import usage_summary

    with platform_db.session() as session:
        rows = session.execute(
            select(
                QueryLogEntry.created_at,
                QueryLogEntry.sql,
                QueryLogEntry.valid,
                QueryLogEntry.latency_ms,
                QueryLogEntry.error_class,
            ).where(QueryLogEntry.project_id == project_id)
        ).all()
        import pandas as pd  # only the usage step needs it; every run worker imports this module

        log = pd.DataFrame(rows, columns=["created_at", "sql", "valid", "latency_ms", "error_class"])
        summary = usage_summary(log)
        upsert = pg_insert(UsageAnalytics).values(project_id=project_id, summary=summary)
        session.execute(
            upsert.on_conflict_do_update(
                index_elements=[UsageAnalytics.project_id], set_={"summary": summary, "computed_at": func.now()}
            )
        )
        session.commit()
    state: dict[str, object] = {"questions": summary["questions"], "success_rate": summary["success_rate"]}
    record_state(platform_db, project_id=project_id, asset="usage_analytics", run_id=run_id, summary=state)
    return state


def index_past_queries(
    project_id: str, *, run_id: str, platform_db: PlatformDatabaseResource, embedder: Embedder
) -> dict[str, object]:
    """query_history_index: the project's past successful question -> SQL pairs, embedded by question."""
    from hugdata.query.history import past_query_documents

    facts = platform_db.project_facts(project_id)
    with platform_db.session() as session:
        latest = latest_semantic_model(session, project_id)
        if latest is None:
            return {"pairs": 0, "skipped": "no semantic model yet"}
        # Saved questions the ask path did not parse (older rows, golden questions added before lineage existed).
        parsed = catch_up(
            session, project_id=project_id, dialect=facts.dialect, model=latest[1], schema_version=latest[0]
        )
        documents = past_query_documents(session, project_id=project_id, dialect=facts.dialect, model=latest[1])
        sync = sync_documents(
            session, project_id=project_id, documents=documents, embedder=embedder, kinds=("past_query",)
        )
        session.commit()
    summary: dict[str, object] = {
        "pairs": len(documents),
        "lineage_parsed": parsed,
        "embedded": sync.embedded,
        "copied": sync.copied,
        "reused": sync.reused,
        "deleted": sync.deleted,
    }
    record_state(platform_db, project_id=project_id, asset="query_history_index", run_id=run_id, summary=summary)
    return summary


def score_golden_questions(
    project_id: str, *, run_id: str, platform_db: PlatformDatabaseResource, ask_context: AskContext
) -> dict[str, object]:
    """model_accuracy: the golden questions asked as users ask them; the share answered with the expected result."""
    from hugdata.feedback.store import rating_summary
    from hugdata.query.accuracy import evaluate_golden_questions

    report = evaluate_golden_questions(ask_context, project_id)
    summary: dict[str, object] = {"golden_questions": 0}
    if report.results:
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
            "not_correct": [r.question for r in report.results if r.outcome not in ("correct", "stale")][:20],
            "stale": [r.question for r in report.results if r.outcome == "stale"][:20],
        }
        if report.accuracy is not None:
            summary["accuracy"] = report.accuracy  # a float per materialization: Dagster plots it over time
    with platform_db.session() as session:
        ratings = rating_summary(session, project_id)
    if ratings["rated"]:
        # What end users said of the answers, beside what the golden questions measured.
        summary["rated_up_share"] = ratings["share_up"]
        summary["ratings_by_answerer"] = ratings["by_answerer"]
    record_state(platform_db, project_id=project_id, asset="model_accuracy", run_id=run_id, summary=summary)
    return summary


def report_optimizations(
    project_id: str, *, run_id: str, platform_db: PlatformDatabaseResource, tenant_db: TenantDatabaseResource
) -> dict[str, object]:
    """query_optimization_report: index suggestions for filtered, joined or sorted columns; EXPLAIN of the slowest."""
    from hugdata.query.execute import PlanCost
    from hugdata.query.optimization import index_suggestions, suggestion_rows

    facts = platform_db.project_facts(project_id)
    with platform_db.session() as session:
        snapshot, latest = latest_snapshot(session, project_id), latest_semantic_model(session, project_id)
        queries = [
            (sql, latency) for _, sql, latency, _ in session.execute(successful_asks(project_id, limit=_LOG_WINDOW))
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
    summary: dict[str, object] = {
        "queries_analysed": len(queries),
        "index_suggestions": len(suggestions),
        "top_suggestion": suggestions[0].statement if suggestions else "",
    }
    record_state(platform_db, project_id=project_id, asset="query_optimization_report", run_id=run_id, summary=summary)
    return summary
