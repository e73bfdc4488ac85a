"""A project's query log and usage analytics."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from hugdata.api.deps import CurrentProject, RuntimeDep, SessionDep
from hugdata.api.quotas import limit_for
from hugdata.api.schemas import ErrorBody
from hugdata.feedback.store import rating_summary
from hugdata.query.log import QueryLogEntry, UsageAnalytics
from hugdata.tenants.errors import CatalogNotReady
from hugdata.tenants.quotas import Bucket, current

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["analytics"])
_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 404: {"model": ErrorBody}}


class QueryLogRead(BaseModel):
    id: int
    question: str
    sql: str | None
    valid: bool
    executed: bool
    rows: int | None
    latency_ms: int
    error_class: str | None
    tokens: int
    tries: int
    created_at: datetime


class QueryLogPage(BaseModel):
    items: list[QueryLogRead]
    next_before: int | None


class QuotaUse(BaseModel):
    used: int
    limit: int
    resets_at: datetime


class AnalyticsRead(BaseModel):
    project_id: str
    computed_at: datetime
    summary: dict[str, Any]
    quotas: dict[str, QuotaUse] = Field(
        description="the project key's use of its tier's limits now: search and ask this minute, LLM tokens today"
    )
    feedback: dict[str, Any] = Field(
        default_factory=dict,
        description="answers rated, rated up and the share rated up, overall and per answerer (llm, offline_planner, "
        "past_question), as of now",
    )


@router.get("/queries", response_model=QueryLogPage, responses=_ERRORS)
def list_queries(
    project: CurrentProject,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="next_before of the previous page")] = None,
) -> QueryLogPage:
    """The project's asks, newest first, keyset-paged."""
    query = select(QueryLogEntry).where(QueryLogEntry.project_id == project.id)
    if before is not None:
        query = query.where(QueryLogEntry.id < before)
    rows = list(session.scalars(query.order_by(QueryLogEntry.id.desc()).limit(limit + 1)))
    items = [QueryLogRead.model_validate(row, from_attributes=True) for row in rows[:limit]]
    return QueryLogPage(items=items, next_before=items[-1].id if len(rows) > limit else None)


@router.get("/analytics", response_model=AnalyticsRead, responses={**_ERRORS, 409: {"model": ErrorBody}})
def read_analytics(project: CurrentProject, session: SessionDep, runtime: RuntimeDep) -> AnalyticsRead:
    """The latest usage analytics (`usage_analytics` asset): questions per day, success rate, latency, top tables;
    and the project's use of its quotas right now."""
    row = session.get(UsageAnalytics, project.id)
    if row is None:
        raise CatalogNotReady(f"project {project.id!r} has no usage analytics yet; analytics_refresh has not run")
    now, tier = runtime.clock(), str(project.tier)
    quotas = {}
    for name, bucket in (("search_per_minute", Bucket.search), ("ask_per_minute", Bucket.ask),
                         ("llm_tokens_today", Bucket.llm_tokens)):  # fmt: skip
        state = current(session, project_id=project.id, bucket=bucket, limit=limit_for(runtime, bucket, tier), now=now)
        quotas[name] = QuotaUse(used=state.used, limit=state.limit, resets_at=state.resets_at)
    return AnalyticsRead(project_id=project.id, computed_at=row.computed_at, summary=row.summary, quotas=quotas,
                         feedback=rating_summary(session, project.id))  # fmt: skip
