"""Trailing-slash redirects that name only the path: Starlette's own build an absolute URL from the Host header, so
`Host: evil.example` made the API send clients to another site."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import RedirectResponse
from starlette.routing import Match, get_route_path
from starlette.types import Receive, Scope, Send


def use_relative_slash_redirects(app: FastAPI) -> None:
    """Answer `/v1/projects/` with a 307 to `/v1/projects` (and the reverse), Location relative to the host."""
    router = app.router
    router.redirect_slashes = False
    not_found = router.default

    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        path = get_route_path(scope)
        if scope["type"] == "http" and path != "/":
            other = path.rstrip("/") if path.endswith("/") else path + "/"
            probe = {**scope, "path": scope.get("root_path", "") + other}
            if any(route.matches(probe)[0] is not Match.NONE for route in router.routes):
                query = scope.get("query_string", b"").decode("latin-1")
                location = scope.get("root_path", "") + other + (f"?{query}" if query else "")
                await RedirectResponse(location, status_code=307)(scope, receive, send)
                return
        await not_found(scope, receive, send)

    router.default = default
