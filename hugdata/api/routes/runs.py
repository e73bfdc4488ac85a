"""Runs of a project's partition: launch, list, read, cancel. A project key only ever sees its own runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hugdata.api.batch_runs import listed_this_tenant, own_part, with_own_steps
from hugdata.api.dagster_runs import RunInfo
from hugdata.api.deps import AdminOnly, CallerDep, CurrentProject, RuntimeDep, SessionDep
from hugdata.api.runtime import ApiRuntime
from hugdata.api.schemas import ErrorBody
from hugdata.config import get_settings
from hugdata.platform.asset_selection import with_upstreams
from hugdata.platform.jobs import (
    ANALYTICS_ASSET_NAMES,
    SCHEMA_SYNC_ASSET_NAMES,
    analytics_refresh,
    schema_sync,
)
from hugdata.tenants.asset_states import project_asset_states
from hugdata.tenants.audit import actor_of
from hugdata.tenants.freshness import CATALOG_ASSETS, catalog_freshness
from hugdata.tenants.models import Tier
from hugdata.tenants.project_ids import validate_project_id
from hugdata.tenants.registry import get_project, project_exists
from hugdata.tenants.run_cancellations import request_cancel
from hugdata.tenants.run_failures import run_failures

router = APIRouter(tags=["runs"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    404: {"model": ErrorBody},
    503: {"model": ErrorBody},
}
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}
_FALLBACK_FAILURES = 5


TENANT_ASSET_NAMES = (*SCHEMA_SYNC_ASSET_NAMES, *ANALYTICS_ASSET_NAMES)


class MaterializationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assets: list[str] | None = Field(
        default=None,
        max_length=20,
        description=f"catalog assets ({', '.join(SCHEMA_SYNC_ASSET_NAMES)}; their upstream assets run too) or "
        f"analytics assets ({', '.join(ANALYTICS_ASSET_NAMES)}), one group per request. Default: the catalog",
    )


class RunFailureRead(BaseModel):
    cause: str = Field(description="the failing step's message (which source and why), secrets redacted")
    failed_at: datetime | None


_NEVER = datetime.max.replace(tzinfo=UTC)


class StepRead(BaseModel):
    asset: str = Field(description="the asset the step materializes (for the project whose part of the run is shown)")
    status: str = Field(description="SUCCESS, FAILURE, SKIPPED or IN_PROGRESS")
    started_at: datetime | None
    ended_at: datetime | None
    cause: str | None = Field(default=None, description="why the step failed or was skipped, secrets redacted")


class RunRead(BaseModel):
    run_id: str
    project_id: str | None
    status: str
    job: str
    tier: str | None
    assets: list[str]
    created_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    cancel_requested: bool = Field(
        default=False, description="true when a cancel was accepted for a run still starting: it stops once started"
    )
    failure: RunFailureRead | None = Field(default=None, description="why a FAILURE run failed")
    steps: list[StepRead] = Field(
        default_factory=list, description="each step the run started, in the order it started, with its times"
    )

    @classmethod
    def of(cls, run: RunInfo, failure: RunFailureRead | None = None) -> RunRead:
        order = {name: i for i, name in enumerate(TENANT_ASSET_NAMES)}
        return cls(
            run_id=run.run_id,
            project_id=run.project_id,
            status=run.status,
            job=run.job,
            tier=run.tier,
            # Dagster returns a run's asset selection in no fixed order; graph order reads best.
            assets=sorted(run.assets, key=lambda a: (order.get(a, len(order)), a)),
            created_at=run.created_at,
            started_at=run.started_at,
            ended_at=run.ended_at,
            failure=failure,
            steps=[
                StepRead(
                    asset=s.asset,
                    status=s.status,
                    started_at=s.started_at,
                    ended_at=s.ended_at,
                    # Without a recorded cause, a failed step of a failed run fails for the run's reason.
                    cause=s.cause or (failure.cause if failure and s.status == "FAILURE" else None),
                )
                for s in sorted(run.steps, key=lambda s: (s.started_at or _NEVER, order.get(s.asset, len(order))))
            ],
        )


class RunPage(BaseModel):
    items: list[RunRead]
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page; null on the last page")


def asset_selection(requested: list[str] | None) -> list[str]:
    """The requested tenant assets (catalog ones with their upstreams; every catalog asset when none are named);
    422 for unknown ones or a mix of the catalog and analytics groups, which run as different jobs."""
    if not requested:
        return list(SCHEMA_SYNC_ASSET_NAMES)
    unknown = sorted(set(requested) - set(TENANT_ASSET_NAMES))
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown assets {unknown}; choose from {list(TENANT_ASSET_NAMES)}"
        )
    analytics = [a for a in ANALYTICS_ASSET_NAMES if a in requested]
    if analytics and len(analytics) < len(set(requested)):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "catalog and analytics assets run as different jobs: ask for one group per request",
        )
    return analytics or with_upstreams(requested)


def job_of(assets: list[str]) -> str:
    """The job that materializes ``assets`` (one group, as asset_selection returns it)."""
    return analytics_refresh.name if assets[0] in ANALYTICS_ASSET_NAMES else schema_sync.name


@router.post(
    "/v1/projects/{project_id}/materializations",
    response_model=RunRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**_ERRORS, 422: {"model": ErrorBody}},
)
def materialize_project(project: CurrentProject, body: MaterializationRequest, runtime: RuntimeDep) -> RunRead:
    """Queue a run of the project's partition: every tenant asset, or the chosen ones with their upstreams."""
    assets = asset_selection(body.assets)
    run_id = runtime.dagster_runs.launch(
        project_id=project.id, tier=Tier(project.tier).value, assets=assets, job=job_of(assets)
    )
    run = runtime.dagster_runs.run(run_id)
    if run is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"run {run_id} was launched but cannot be read")
    return RunRead.of(run)


@router.get("/v1/projects/{project_id}/runs", response_model=RunPage, responses=_ERRORS)
def read_project_runs(
    project: CurrentProject,
    runtime: RuntimeDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9a-f-]+$")] = None,
) -> RunPage:
    """The project's runs, newest first."""
    found = runtime.dagster_runs.project_runs(project_id=project.id, limit=limit, cursor=cursor)
    # A batch that listed an earlier, offboarded project of the same ID is not this project's.
    runs = with_own_steps(
        session,
        [
            own_part(session, r, project.id) if r.members else r
            for r in found
            if not r.members or listed_this_tenant(session, r, project.id)
        ],
        project.id,
    )
    failures = _failures(session, runtime, runs)
    items = [RunRead.of(r, failures.get(r.run_id)) for r in runs]
    return RunPage(items=items, next_cursor=runs[-1].run_id if len(runs) == limit else None)


def _failures(session: Session, runtime: ApiRuntime, runs: list[RunInfo]) -> dict[str, RunFailureRead]:
    """Causes of the failed runs among ``runs``: recorded by the run-failure sensor, else (a failure seconds old)
    read from the run's own events, for a few runs at most."""
    failed = [r.run_id for r in runs if r.status == "FAILURE"]
    found = {
        run_id: RunFailureRead(cause=f.cause, failed_at=f.failed_at)
        for run_id, f in run_failures(session, failed).items()
    }
    # A batch's own events name every project in it: its causes come from the per-project rows only.
    singles = {r.run_id for r in runs if not r.members}
    for run_id in [r for r in failed if r not in found and r in singles][:_FALLBACK_FAILURES]:
        cause = runtime.dagster_runs.failure_cause(run_id)
        if cause is not None:
            ended = next((r.ended_at for r in runs if r.run_id == run_id), None)
            found[run_id] = RunFailureRead(cause=cause, failed_at=ended)
    return found


RunIdPath = Annotated[str, Path(max_length=64, pattern=r"^[0-9a-f-]+$", description="a Dagster run ID")]


def _visible_run(run_id: str, caller: CallerDep, runtime: RuntimeDep, session: Session) -> RunInfo:
    run = runtime.dagster_runs.run(run_id)
    if run is not None and run.members and not caller.is_admin:
        # A project key sees an automation batch only as its own part of it.
        mine = next((m for m in run.members if caller.may_access(m)), None)
        run = own_part(session, run, mine) if mine is not None and listed_this_tenant(session, run, mine) else None
    # A run of another project answers exactly like a run that does not exist.
    if run is None or not (caller.is_admin or (run.project_id is not None and caller.may_access(run.project_id))):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"run {run_id!r} not found")
    # An admin reading a batch sees the batch's own steps; every other reader one project's part.
    return with_own_steps(session, [run], run.project_id)[0] if run.project_id is not None else run


@router.get("/v1/runs/{run_id}", response_model=RunRead, responses=_ERRORS)
def read_run(run_id: RunIdPath, caller: CallerDep, runtime: RuntimeDep, session: SessionDep) -> RunRead:
    """One run, if it belongs to the caller's project (admins see every run); a failed run says why."""
    run = _visible_run(run_id, caller, runtime, session)
    return RunRead.of(run, _failures(session, runtime, [run]).get(run.run_id))


@router.post(
    "/v1/runs/{run_id}/cancel",
    response_model=RunRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**_ERRORS, 409: {"model": ErrorBody}},
)
def cancel_run(run_id: RunIdPath, caller: CallerDep, runtime: RuntimeDep, session: SessionDep) -> RunRead:
    """Cancel a queued run or terminate a running one; a finished run answers 409. A run still starting (its worker
    not up yet) is cancelled as soon as it has started: the answer says `cancel_requested`."""
    run = _visible_run(run_id, caller, runtime, session)
    if run.status in FINISHED:
        raise HTTPException(status.HTTP_409_CONFLICT, f"run {run_id!r} already finished with {run.status}")
    if run.members and not caller.is_admin:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"run {run_id!r} is a batch run shared with other projects (onboarding, nightly or hourly); only an "
            "admin can cancel it",
        )
    if runtime.dagster_runs.try_cancel(run_id):
        return RunRead.of(runtime.dagster_runs.run(run_id) or run)
    if run.project_id is None or not project_exists(session, run.project_id):
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"run {run_id!r} is starting and cannot be stopped yet; retry in a few seconds"
        )
    request_cancel(session, run_id=run_id, project_id=run.project_id, requested_by=actor_of(caller))
    session.commit()
    runtime.dagster_runs.try_cancel(run_id)  # it may have started in the meantime
    read = RunRead.of(runtime.dagster_runs.run(run_id) or run)
    read.cancel_requested = True
    return read


class SeedTrigger(BaseModel):
    """Body of the seed's trigger endpoint."""

    model_config = ConfigDict(extra="forbid")

    project_id: str = Field(max_length=63)
    assets: list[str] | None = Field(default=None, max_length=20)


@router.post(
    "/dagster/trigger",
    response_model=RunRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**_ERRORS, 403: {"model": ErrorBody}},
    tags=["compatibility"],
)
def seed_trigger(body: SeedTrigger, _: AdminOnly, session: SessionDep, runtime: RuntimeDep) -> RunRead:
    """The seed's endpoint, kept for existing callers: the same as POST /v1/projects/{id}/materializations."""
    validate_project_id(body.project_id)
    project = get_project(session, body.project_id)
    return materialize_project(project, MaterializationRequest(assets=body.assets), runtime)


@router.get(
    "/dagster/status/{run_id}",
    response_model=RunRead,
    responses={**_ERRORS, 403: {"model": ErrorBody}},
    tags=["compatibility"],
)
def seed_status(run_id: RunIdPath, caller: AdminOnly, runtime: RuntimeDep, session: SessionDep) -> RunRead:
    """The seed's endpoint, kept for existing callers: the same as GET /v1/runs/{run_id}."""
    return RunRead.of(_visible_run(run_id, caller, runtime, session))


class AssetCheckRead(BaseModel):
    name: str
    passed: bool
    message: str = Field(description="what failed, with the first findings; empty when passed")


class AssetStateRead(BaseModel):
    asset: str
    status: str = Field(description="materialized, failed, or never")
    last_run_id: str | None
    last_materialized_at: datetime | None
    last_failed_at: datetime | None
    failure_cause: str | None = Field(default=None, description="why the last run failed, while status is failed")
    freshness: str | None = Field(
        default=None,
        description="catalog assets: fresh, stale (last materialized longer ago than HUGDATA_CATALOG_MAX_AGE) or "
        "never; null for analytics assets",
    )
    age_seconds: float | None = Field(default=None, description="seconds since the last materialization")
    checks: list[AssetCheckRead] = Field(
        default_factory=list, description="the asset's checks at its last materialization for this project"
    )
    health: Literal["ok", "warning", "failed", "never"] = Field(
        default="never",
        description="failed: the last run failed; warning: materialized, but a check failed or the catalog is stale; "
        "ok otherwise",
    )
    health_reason: str | None = Field(default=None, description="why the health is not ok, in plain words")
    metadata: dict[str, Any]


def _health(
    status: str, checks: list[AssetCheckRead], freshness: str | None, cause: str | None
) -> tuple[str, str | None]:
    if status == "never":
        return "never", "never materialized"
    if status == "failed":
        return "failed", cause or "the last run failed"
    failed = [f"check {c.name} failed: {c.message}" for c in checks if not c.passed]
    if failed:
        return "warning", "; ".join(failed)
    if freshness == "stale":
        return "warning", "not materialized within HUGDATA_CATALOG_MAX_AGE"
    return "ok", None


@router.get("/v1/projects/{project_id}/assets", response_model=list[AssetStateRead], responses=_ERRORS)
def read_project_assets(project: CurrentProject, session: SessionDep) -> list[AssetStateRead]:
    """Each tenant asset of the project: last materialization, status, last run and its metadata summary.

    Read from the platform's own table, kept current by the assets and a run-failure sensor, so the cost does
    not grow with the number of tenants.
    """
    states = {s.asset: s for s in project_asset_states(session, project.id)}
    now, max_age = datetime.now(UTC), get_settings().catalog_max_age
    result = []
    for name in TENANT_ASSET_NAMES:
        state = states.get(name)
        last = state.last_materialized_at if state else None
        fresh = catalog_freshness(last, now=now, max_age=max_age) if name in CATALOG_ASSETS else None
        checks = [AssetCheckRead(**c) for c in (state.checks or [])] if state else []
        status = state.status if state else "never"
        cause = state.failure_cause if state and state.status == "failed" else None
        health, reason = _health(status, checks, fresh.state if fresh else None, cause)
        result.append(
            AssetStateRead(
                asset=name,
                status=status,
                checks=checks,
                health=health,  # type: ignore[arg-type]
                health_reason=reason,
                last_run_id=state.last_run_id if state else None,
                last_materialized_at=state.last_materialized_at if state else None,
                last_failed_at=state.last_failed_at if state else None,
                failure_cause=cause,
                freshness=fresh.state if fresh else None,
                age_seconds=fresh.age_seconds if fresh else None,
                metadata=dict(state.metadata_ or {}) if state else {},
            )
        )
    return result
