"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hugdata.api.deps import RuntimeDep
from hugdata.api.runtime import check_readiness
from hugdata.api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is alive (touches nothing else)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(runtime: RuntimeDep) -> JSONResponse:
    """The platform database and Dagster's storage are reachable; 503 with the failing check otherwise."""
    checks = check_readiness(runtime)
    ready = all(v == "ok" for v in checks.values())
    body = Readiness(status="ready" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
