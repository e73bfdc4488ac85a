"""GET /metrics: the API's Prometheus metrics, for the admin token or `HUGDATA_METRICS_TOKEN` only (tenants never
read them)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from hugdata.api.deps import RuntimeDep
from hugdata.api.runtime import ApiRuntime
from hugdata.observability.api_metrics import AUTH_FAILURES, REGISTRY
from hugdata.observability.platform_gauges import PlatformGauges
from hugdata.tenants.keys import authenticate

router = APIRouter(tags=["operations"])
_bearer = HTTPBearer(auto_error=False)


async def _scraper(
    runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    token = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else ""
    if not token:
        AUTH_FAILURES.labels("missing").inc()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    allowed = [s.get_secret_value() for s in (runtime.settings.admin_token, runtime.settings.metrics_token) if s]
    if any(hmac.compare_digest(token.encode(), a.encode()) for a in allowed):
        return
    if await run_in_threadpool(_is_project_key, runtime, token):
        AUTH_FAILURES.labels("forbidden").inc()
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "metrics need the admin or the metrics token; project keys are not allowed"
        )
    AUTH_FAILURES.labels("invalid").inc()
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token", headers={"WWW-Authenticate": "Bearer"})


def _is_project_key(runtime: ApiRuntime, token: str) -> bool:
    with runtime.sessions() as session:
        return authenticate(session, token, admin_token=None) is not None


def _exposition(runtime: ApiRuntime) -> bytes:
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(PlatformGauges(runtime.engine))
    return generate_latest(REGISTRY) + generate_latest(scrape)


@router.get("/metrics", dependencies=[Depends(_scraper)], response_class=Response,
            responses={200: {"content": {"text/plain": {}}}, 401: {}, 403: {}})  # fmt: skip
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus text exposition: requests by route template and status class, latency, in-flight, auth failures,
    4xx reasons, ask outcomes by tier, LLM tokens, search time (embed, database), webhook outbox and deliveries,
    the database pool. Labels never name a project."""
    return Response(await run_in_threadpool(_exposition, runtime), media_type=CONTENT_TYPE_LATEST)
