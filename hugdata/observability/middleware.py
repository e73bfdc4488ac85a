"""Request metrics as ASGI middleware: every answer counted by its route template, method and status class."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hugdata.observability.api_metrics import (
    CLIENT_ERRORS,
    IN_FLIGHT,
    REQUEST_SECONDS,
    REQUESTS,
    client_error_reason,
    status_class,
)

UNMATCHED = "unmatched"  # a path no route has: one label, however many such paths are tried


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/v1/projects/{project_id}`), never the path with its IDs."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else UNMATCHED


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, recording_send)
        finally:
            IN_FLIGHT.dec()
            route, method = route_template(scope), scope.get("method", "GET")
            REQUESTS.labels(route, method, status_class(status)).inc()
            REQUEST_SECONDS.labels(route, method).observe(time.perf_counter() - started)
            if 400 <= status < 500:
                CLIENT_ERRORS.labels(route, client_error_reason(status)).inc()
