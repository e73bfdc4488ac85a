"""The tenant dashboard's built files at /app/: hashed assets with a year's cache, every other path the app's
index.html (the app routes in the browser) under a strict Content-Security-Policy. The API routes of
routes/dashboard.py (/app/session) come first."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# Scripts only from the API itself (Vega runs its expressions through its interpreter, no eval); inline styles are
# what Vega's SVG and React's style props need; frames only from the same site (Laravel on the same site embeds it).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class HashedAssets(StaticFiles):
    """Vite's output under assets/ is named by content hash: safe to cache for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def install_dashboard(app: FastAPI, dist: Path) -> None:
    """Serve ``dist`` (web/dist) at /app/; without a build, /app/ says how to make one."""
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/app/assets", HashedAssets(directory=dist / "assets"), name="dashboard-assets")

    @app.get("/app", include_in_schema=False)
    @app.get("/app/{path:path}", include_in_schema=False)
    def dashboard_page(path: str = "") -> Response:
        if not index.exists():
            return HTMLResponse(
                "<!doctype html><title>Dashboard not built</title><p role=alert>The dashboard is not built on this "
                "server: run <code>make web</code> (or <code>hugdata web build</code>) and restart the API.</p>",
                status_code=503,
                headers=_SECURITY_HEADERS,
            )
        return FileResponse(index, headers={**_SECURITY_HEADERS, "Cache-Control": "no-cache"})
