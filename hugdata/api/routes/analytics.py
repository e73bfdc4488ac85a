"""A project's query log and usage analytics."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from hugdata.api.deps import CurrentProject, SessionDep
from hugdata.api.schemas import ErrorBody
from hugdata.query.log import QueryLogEntry, UsageAnalytics
from hugdata.tenants.errors import CatalogNotReady

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


class AnalyticsRead(BaseModel):
    project_id: str
    computed_at: datetime
    summary: dict[str, Any]


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
def read_analytics(project: CurrentProject, session: SessionDep) -> AnalyticsRead:
    """The latest usage analytics (`usage_analytics` asset): questions per day, success rate, latency, top tables."""
    row = session.get(UsageAnalytics, project.id)
    if row is None:
        raise CatalogNotReady(f"project {project.id!r} has no usage analytics yet; analytics_refresh has not run")
    return AnalyticsRead(project_id=project.id, computed_at=row.computed_at, summary=row.summary)
