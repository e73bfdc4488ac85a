"""The API's documentation pages, /docs (Swagger UI) and /redoc, served without a CDN: their JavaScript and CSS come
from the `fastapi-offline` package's static files, so the pages work on a machine with no internet."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs-assets"
_STATIC = files("fastapi_offline") / "static"


def install_docs_pages(app: FastAPI) -> None:
    """Mount the bundled assets and the two pages (the app is built with docs_url and redoc_url off)."""
    app.mount(ASSETS_PATH, StaticFiles(directory=str(_STATIC)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
        # ReDoc's footer draws its maker's logo from their CDN: images and fonts only from here, so the page makes no
        # request to another host (and renders the same offline).
        page.headers["Content-Security-Policy"] = "img-src 'self' data:; font-src 'self' data:"
        return page
