"""The FastAPI application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

import hugdata
from hugdata.api.dashboard_app import install_dashboard
from hugdata.api.docs_pages import install_docs_pages
from hugdata.api.errors import UnhandledErrors, document_validation_errors, install_error_handlers
from hugdata.api.limits import BodySizeLimit
from hugdata.api.redirects import use_relative_slash_redirects
from hugdata.api.routes import (
    analytics,
    ask,
    audit,
    backfills,
    catalog,
    dashboard,
    data_sources,
    events,
    feedback,
    health,
    keys,
    lineage,
    metrics,
    projects,
    quality,
    runs,
    semantic_layer,
    suggestions,
    threads,
)
from hugdata.api.runtime import (
    ApiRuntime,
    build_runtime,
    listen_conninfo,
    reconcile_on_startup,
    start_webhook_dispatcher,
    warm_up,
)
from hugdata.config import Settings, get_settings
from hugdata.events.hub import EventHub, close_on_exit_signals
from hugdata.observability.logs import configure_logging
from hugdata.observability.middleware import ObservedRequests, tag_project
from hugdata.observability.tracing import configure_tracing
from hugdata.webapp.paths import DIST_DIR


def create_app(settings: Settings | None = None, *, runtime: ApiRuntime | None = None) -> FastAPI:
    """Build the API; with no ``runtime`` one is built from ``settings`` at start-up and closed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        if owned:
            configure_logging(settings or get_settings())  # a served API: JSON lines in production
            configure_tracing(settings or get_settings())  # spans over OTLP when HUGDATA_TRACING_ENABLED
        app.state.runtime = runtime or await run_in_threadpool(build_runtime, settings or get_settings())
        await run_in_threadpool(reconcile_on_startup, app.state.runtime)
        if owned:
            await run_in_threadpool(warm_up, app.state.runtime)
            # A served API holds ~240k long-lived objects after start-up (Dagster, SQLAlchemy, the model); a full
            # collection over them took 130 ms here. Frozen, the collector never walks them again during a request.
            gc.collect()
            gc.freeze()
        dispatcher = start_webhook_dispatcher(app.state.runtime)
        app.state.events = EventHub(
            listen_conninfo(app.state.runtime),
            streams_per_project=app.state.runtime.settings.events_streams_per_project,
        )
        app.state.events.start()
        close_on_exit_signals(app.state.events)
        try:
            yield
        finally:
            await app.state.events.close()
            if dispatcher is not None:
                await run_in_threadpool(dispatcher.stop)
            if owned:
                app.state.runtime.close()

    app = FastAPI(
        title="HugData Platform API",
        version=hugdata.__version__,
        description="Tenant registry, partitions and runs of the HugData data-asset platform.",
        lifespan=lifespan,
        dependencies=[Depends(tag_project)],
        docs_url=None,  # served by install_docs_pages from bundled files, not a CDN
        redoc_url=None,
    )
    if runtime is not None:
        app.state.runtime = runtime
    install_error_handlers(app)
    use_relative_slash_redirects(app)
    document_validation_errors(app)
    config = runtime.settings if runtime is not None else settings or get_settings()
    app.add_middleware(UnhandledErrors)
    app.add_middleware(BodySizeLimit, max_bytes=config.max_request_bytes)
    app.add_middleware(ObservedRequests)
    install_docs_pages(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(projects.router)
    app.include_router(keys.router)
    app.include_router(data_sources.router)
    app.include_router(catalog.router)
    app.include_router(lineage.router)
    app.include_router(semantic_layer.router)
    app.include_router(ask.router)
    app.include_router(threads.router)
    app.include_router(feedback.router)
    app.include_router(suggestions.router)
    app.include_router(analytics.router)
    app.include_router(quality.router)
    app.include_router(audit.router)
    app.include_router(runs.router)
    app.include_router(events.router)
    app.include_router(dashboard.router)
    app.include_router(backfills.router)
    install_dashboard(app, config.dashboard_dir or DIST_DIR)  # last: its /app/{path} catches what is left
    return app
