"""Projects: registration (the partition-add API), reads and updates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from hugdata.api.deps import AdminOnly, CurrentProject, ProjectIdPath, RuntimeDep, SessionDep
from hugdata.api.offboarding import OffboardReport, offboard
from hugdata.api.routes.audit import write_audit
from hugdata.api.schemas import ErrorBody, ProjectCreate, ProjectPage, ProjectRead, ProjectUpdate
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.errors import SourceUnreadable
from hugdata.tenants.project_ids import validate_project_id
from hugdata.tenants.registry import get_project, list_projects, register_project, update_project
from hugdata.tenants.source_check import check_source

router = APIRouter(prefix="/v1/projects", tags=["projects"])


class ProjectDeleted(OffboardReport):
    project_id: str


_ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}}


def require_readable(spec: DataSourceSpec) -> None:
    """SourceUnreadable (422) with the classified cause unless the platform can connect to ``spec`` and read it."""
    check = check_source(spec)
    if check.error is not None:
        raise SourceUnreadable(f"the data source cannot be read: {check.error.message(spec)}")


@router.post(
    "",
    response_model=ProjectRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": ProjectRead, "description": "already registered with the same payload"},
        409: {"model": ErrorBody},
        503: {"model": ErrorBody},
        **_ERRORS,
    },
)
def create_project(
    body: ProjectCreate, response: Response, caller: AdminOnly, session: SessionDep, runtime: RuntimeDep
) -> ProjectRead:
    """Register a project and add its Dagster partition; an identical repeat answers 200 with the same project.
    With `check: true` the data source is connected to first, and one that cannot be read is refused (422)."""
    if body.check:
        require_readable(body.data_source.to_spec().normalized())
    registration = register_project(
        session,
        partitions=runtime.partitions,
        vault=runtime.vault,
        project_id=body.id,
        name=body.name,
        tier=body.tier,
        data_source=body.data_source.to_spec(),
        webhook_url=body.webhook_url,
        audit=lambda tx, what: write_audit(tx, runtime, caller, f"project.{what}", body.id, {"tier": body.tier.value}),
    )
    if not registration.created:
        response.status_code = status.HTTP_200_OK
    return ProjectRead.of(registration.project)


@router.get("", response_model=ProjectPage, responses=_ERRORS)
def read_projects(
    _: AdminOnly,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[str | None, Query(max_length=63, description="the last ID of the previous page")] = None,
) -> ProjectPage:
    """All projects, ordered by ID, one page at a time."""
    projects = list_projects(session, after=after, limit=limit)
    next_after = projects[-1].id if len(projects) == limit else None
    return ProjectPage(items=[ProjectRead.of(p) for p in projects], next_after=next_after)


@router.get("/{project_id}", response_model=ProjectRead, responses=_ERRORS)
def read_project(project: CurrentProject) -> ProjectRead:
    """One project (admin, or that project's key)."""
    return ProjectRead.of(project)


@router.patch("/{project_id}", response_model=ProjectRead, responses=_ERRORS)
def patch_project(
    project_id: ProjectIdPath, body: ProjectUpdate, caller: AdminOnly, session: SessionDep, runtime: RuntimeDep
) -> ProjectRead:
    """Change a project's name, tier or data source (a new data source replaces the old one whole)."""
    validate_project_id(project_id)
    if body.check and body.data_source is not None:
        require_readable(body.data_source.to_spec().normalized())
    project = update_project(
        session,
        vault=runtime.vault,
        project_id=project_id,
        name=body.name,
        tier=body.tier,
        data_source=body.data_source.to_spec() if body.data_source else None,
        webhook_url=body.webhook_url,
        accept_golden_candidates=body.accept_golden_candidates,
    )
    # Field names only: a data source holds a password.
    changed = sorted(set(body.model_dump(exclude_unset=True)) - {"check"})
    write_audit(session, runtime, caller, "project.update", project_id, {"fields": changed})
    session.commit()
    session.refresh(project)
    return ProjectRead.of(project)


@router.delete("/{project_id}", response_model=ProjectDeleted, responses={**_ERRORS, 503: {"model": ErrorBody}})
def delete_project(
    project_id: ProjectIdPath, caller: AdminOnly, session: SessionDep, runtime: RuntimeDep
) -> ProjectDeleted:
    """Offboard a project: cancel its queued and running runs, wipe its Dagster history, delete its partition and
    every row the platform holds for it. Other projects are untouched."""
    validate_project_id(project_id)
    get_project(session, project_id)  # 404 before anything is touched
    session.rollback()
    report = offboard(session, runtime, project_id)
    # The entry names the project by its keyed ref only: the purged ID is stored nowhere.
    write_audit(session, runtime, caller, "project.delete", project_id, report.model_dump(), purged=True)
    session.commit()
    return ProjectDeleted(project_id=project_id, **report.model_dump())
