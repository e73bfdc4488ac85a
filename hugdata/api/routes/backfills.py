"""Backfills: one project's partition, or many projects at once (admin), with progress counted in projects."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from hugdata.api.dagster_runs import BackfillInfo
from hugdata.api.deps import AdminOnly, CallerDep, CurrentProject, RuntimeDep, SessionDep
from hugdata.api.routes.audit import write_audit
from hugdata.api.routes.runs import TENANT_ASSET_NAMES, asset_selection
from hugdata.api.schemas import ErrorBody
from hugdata.tenants.errors import ProjectNotFound
from hugdata.tenants.models import Project
from hugdata.tenants.project_ids import validate_project_id

router = APIRouter(tags=["backfills"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
    503: {"model": ErrorBody},
}
MAX_PROJECTS = 10_000


class BackfillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assets: list[str] | None = Field(default=None, max_length=20, description="default: every tenant asset")


class MultiProjectBackfillRequest(BackfillRequest):
    project_ids: list[str] | None = Field(
        default=None, max_length=MAX_PROJECTS, description="projects to backfill; omit for every registered project"
    )


class BackfillRead(BaseModel):
    backfill_id: str
    status: str
    project_ids: list[str]
    total: int = Field(description="projects targeted")
    done: int = Field(description="projects whose every asset is materialized")
    failed: int = Field(description="projects whose run failed, before or after starting")
    in_progress: int = Field(description="projects not finished yet (queued or running); 0 once the backfill ended")

    @classmethod
    def of(cls, info: BackfillInfo) -> BackfillRead:
        return cls(**info.__dict__)


def _launch(runtime: RuntimeDep, project_ids: list[str], assets: list[str], scope: str) -> BackfillRead:
    backfill_id = runtime.dagster_runs.launch_backfill(
        project_ids=project_ids, assets=assets, tags={"hugdata/backfill_scope": scope}
    )
    info = runtime.dagster_runs.backfill(backfill_id, asset_order=TENANT_ASSET_NAMES)
    if info is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"backfill {backfill_id} cannot be read yet")
    return BackfillRead.of(info)


@router.post(
    "/v1/projects/{project_id}/backfills",
    response_model=BackfillRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=_ERRORS,
)
def backfill_project(
    project: CurrentProject, body: BackfillRequest, caller: CallerDep, session: SessionDep, runtime: RuntimeDep
) -> BackfillRead:
    """Backfill this project's partition over the asset graph."""
    launched = _launch(runtime, [project.id], asset_selection(body.assets), scope=f"project:{project.id}")
    if caller.is_admin:
        write_audit(session, runtime, caller, "backfill.launch", project.id, {"backfill_id": launched.backfill_id})
        session.commit()
    return launched


@router.post(
    "/v1/backfills",
    response_model=BackfillRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**_ERRORS, 403: {"model": ErrorBody}},
)
def backfill_projects(
    body: MultiProjectBackfillRequest, caller: AdminOnly, session: SessionDep, runtime: RuntimeDep
) -> BackfillRead:
    """Backfill many projects (or all): one run per project, so one tenant's failure never fails another's."""
    if body.project_ids is None:
        project_ids = list(session.scalars(select(Project.id).order_by(Project.id).limit(MAX_PROJECTS)))
    else:
        project_ids = sorted({validate_project_id(p) for p in body.project_ids})
        known = set(session.scalars(select(Project.id).where(Project.id.in_(project_ids))))
        missing = [p for p in project_ids if p not in known]
        if missing:
            raise ProjectNotFound(f"projects not found: {missing[:20]}")
    if not project_ids:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "no projects to backfill")
    launched = _launch(runtime, project_ids, asset_selection(body.assets), scope="admin")
    detail = {"backfill_id": launched.backfill_id, "projects": len(project_ids), "all": body.project_ids is None}
    write_audit(session, runtime, caller, "backfill.launch", project_ids[0] if len(project_ids) == 1 else None, detail)
    session.commit()
    return launched


@router.get("/v1/backfills/{backfill_id}", response_model=BackfillRead, responses=_ERRORS)
def read_backfill(
    backfill_id: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    caller: CallerDep,
    runtime: RuntimeDep,
) -> BackfillRead:
    """Status and progress; a project key sees only its own project's backfills."""
    info = runtime.dagster_runs.backfill(backfill_id, asset_order=TENANT_ASSET_NAMES)
    if info is None or not (caller.is_admin or info.project_ids == [caller.project_id]):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"backfill {backfill_id!r} not found")
    return BackfillRead.of(info)
