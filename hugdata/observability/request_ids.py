"""X-Request-ID: taken from the caller when it is a sane token, otherwise made here; returned on every answer and
carried by every log line of the request. One access line per request, by route template."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hugdata.observability.logs import project_id_var, request_id_var
from hugdata.observability.middleware import route_template

HEADER = b"x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("hugdata.api.access")


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(HEADER, b"").decode("latin-1")
        request_id = given if _SANE.match(given) else uuid.uuid4().hex
        token, project_token = request_id_var.set(request_id), project_id_var.set(None)
        started, status = time.perf_counter(), 500

        async def tagged_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, tagged_send)
        finally:
            project = project_id_var.get() or (scope.get("path_params") or {}).get("project_id")
            access_log.info(
                "%s %s %s",
                scope.get("method"),
                route_template(scope),
                status,
                extra={"method": scope.get("method"), "route": route_template(scope), "status": status,
                       "duration_ms": round((time.perf_counter() - started) * 1000, 1), "project_id": project},
            )  # fmt: skip
            request_id_var.reset(token)
            project_id_var.reset(project_token)


async def tag_project(request: Request) -> None:
    """An app-wide dependency: the rest of the request's log lines carry the project its path names."""
    project = request.path_params.get("project_id")
    if project:
        project_id_var.set(str(project))
