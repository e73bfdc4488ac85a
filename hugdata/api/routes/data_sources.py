"""Connection checks of tenant databases, before or after registration: what can be read, or why not."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from hugdata.api.deps import AdminOnly, ProjectIdPath, RuntimeDep, SessionDep
from hugdata.api.schemas import DataSourceIn, ErrorBody
from hugdata.tenants.data_sources import DataSourceSpec, spec_of
from hugdata.tenants.project_ids import validate_project_id
from hugdata.tenants.registry import get_project
from hugdata.tenants.source_check import SourceCheck, check_source
from hugdata.tenants.source_errors import SourceErrorKind

router = APIRouter(tags=["data sources"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
}


class SourceErrorRead(BaseModel):
    kind: SourceErrorKind
    retryable: bool = Field(description="whether trying again later may succeed (refused, timeout, unavailable)")
    message: str = Field(description="what failed, naming the source by host, port and database, never a secret")


class SourceCheckRead(BaseModel):
    ok: bool = Field(description="the platform could connect and read the catalog")
    dialect: str
    server_version: str | None
    schemas: list[str] = Field(description="schemas (PostgreSQL) or the database (MySQL, MariaDB) visible")
    tables: int | None = Field(description="tables and views the credentials can read")
    read_only: bool | None = Field(description="the session the platform uses was confirmed read-only")
    warnings: list[str] = Field(description="what works but should change: credentials that could write")
    error: SourceErrorRead | None
    elapsed_ms: int

    @classmethod
    def of(cls, check: SourceCheck, spec: DataSourceSpec) -> SourceCheckRead:
        error = None
        if check.error is not None:
            error = SourceErrorRead(
                kind=check.error.kind, retryable=check.error.retryable, message=check.error.message(spec)
            )
        return cls(
            ok=check.ok,
            dialect=check.dialect,
            server_version=check.server_version,
            schemas=check.schemas,
            tables=check.tables,
            read_only=check.read_only,
            warnings=check.warnings,
            error=error,
            elapsed_ms=check.elapsed_ms,
        )


@router.post("/v1/data-sources/check", response_model=SourceCheckRead, responses=_ERRORS)
async def check_data_source(body: DataSourceIn, _: AdminOnly) -> SourceCheckRead:
    """Connect to a data source as the platform would (read-only, short timeout) and say what works; nothing is
    stored. A source that cannot be read answers 200 with `ok: false` and the classified error."""
    spec = body.to_spec().normalized()
    return SourceCheckRead.of(await run_in_threadpool(check_source, spec), spec)


@router.post("/v1/projects/{project_id}/data-source/check", response_model=SourceCheckRead, responses=_ERRORS)
def check_project_data_source(
    project_id: ProjectIdPath, _: AdminOnly, session: SessionDep, runtime: RuntimeDep
) -> SourceCheckRead:
    """The same check of a registered project's data source, with its stored credentials."""
    validate_project_id(project_id)
    spec = spec_of(get_project(session, project_id).data_source, runtime.vault)
    session.rollback()  # no transaction held open while a remote database is tried
    return SourceCheckRead.of(check_source(spec), spec)
