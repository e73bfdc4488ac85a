"""Per-project analytics assets (group tenant_analytics), refreshed hourly by `analytics_refresh`."""

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, asset
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from hugdata.platform.batches import batch_metadata, for_each_project
from hugdata.platform.partitions import hugdata_projects
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.platform.state import record_state
from hugdata.query.analytics import usage_summary
from hugdata.query.log import QueryLogEntry, UsageAnalytics

ANALYTICS_GROUP = "tenant_analytics"


@asset(partitions_def=hugdata_projects, group_name=ANALYTICS_GROUP, kinds={"pandas"})
def usage_analytics(context: AssetExecutionContext, platform_db: PlatformDatabaseResource) -> MaterializeResult:
    """Questions per day, success rate, latency p50/p95, most used tables/columns and error classes of a project."""

    def one(project_id: str) -> dict[str, object]:
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
            log = pd.DataFrame(rows, columns=["created_at", "sql", "valid", "latency_ms", "error_class"])
            summary = usage_summary(log)
            upsert = pg_insert(UsageAnalytics).values(project_id=project_id, summary=summary)
            session.execute(
                upsert.on_conflict_do_update(
                    index_elements=[UsageAnalytics.project_id],
                    set_={"summary": summary, "computed_at": func.now()},
                )
            )
            session.commit()
        state = {"questions": summary["questions"], "success_rate": summary["success_rate"]}
        record_state(context, platform_db, project_id, state)
        return state

    per_project = for_each_project(context, one)
    return MaterializeResult(metadata=batch_metadata(per_project))
