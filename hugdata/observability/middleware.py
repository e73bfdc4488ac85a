"""Every request observed once, as ASGI middleware: its X-Request-ID (taken from the caller when it is a sane token,
otherwise made here, always returned), its metrics by route template, method and status class, and one access log
line carrying the request and its project."""

from __future__ import annotations

import logging
import re
import time
import uuid

from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hugdata.observability.api_metrics import (
    CLIENT_ERRORS,
    IN_FLIGHT,
    REQUEST_SECONDS,
    REQUESTS,
    client_error_reason,
    status_class,
)
from hugdata.observability.logs import project_id_var, request_id_var
from hugdata.observability.tracing import span, tracing_on

UNMATCHED = "unmatched"  # a path no route has: one label, however many such paths are tried
REQUEST_ID_HEADER = b"x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("hugdata.api.access")


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/v1/projects/{project_id}`), never the path with its IDs."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else UNMATCHED


class ObservedRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER, b"").decode("latin-1")
        request_id = given if _SANE.match(given) else uuid.uuid4().hex
        token, project_token = request_id_var.set(request_id), project_id_var.set(None)
        started, status = time.perf_counter(), 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        IN_FLIGHT.inc()
        headers = (
            {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []} if tracing_on() else None
        )
        with span("HTTP request", kind=SpanKind.SERVER, parent_headers=headers) as request_span:
            try:
                await self.app(scope, receive, observed_send)
            finally:
                IN_FLIGHT.dec()
                self._finish(scope, status, started, request_span, request_id)
                request_id_var.reset(token)
                project_id_var.reset(project_token)

    @staticmethod
    def _finish(scope: Scope, status: int, started: float, request_span: Span | None, request_id: str) -> None:
        seconds = time.perf_counter() - started
        route, method = route_template(scope), scope.get("method", "GET")
        REQUESTS.labels(route, method, status_class(status)).inc()
        REQUEST_SECONDS.labels(route, method).observe(seconds)
        if 400 <= status < 500:
            CLIENT_ERRORS.labels(route, client_error_reason(status)).inc()
        project = project_id_var.get() or (scope.get("path_params") or {}).get("project_id")
        access_log.info(
            "%s %s %s",
            method,
            route,
            status,
            extra={"method": method, "route": route, "status": status,
                   "duration_ms": round(seconds * 1000, 1), "project_id": project},
        )  # fmt: skip
        if request_span is not None:
            request_span.update_name(f"{method} {route}")
            request_span.set_attributes({"http.request.method": method, "http.route": route,
                                         "http.response.status_code": status, "hugdata.request_id": request_id,
                                         **({"hugdata.project_id": project} if project else {})})  # fmt: skip
            if status >= 500:
                request_span.set_status(Status(StatusCode.ERROR))


async def tag_project(request: Request) -> None:
    """An app-wide dependency: the rest of the request's log lines carry the project its path names."""
    project = request.path_params.get("project_id")
    if project:
        project_id_var.set(str(project))
