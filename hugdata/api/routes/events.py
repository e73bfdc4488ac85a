"""A project's live events as Server-Sent Events: run status changes and asset state changes, as they happen.
`Last-Event-ID` (or `?after=`) resumes after the last event seen without losing one; heartbeats keep proxies from
closing an idle stream; a stream ends after HUGDATA_EVENTS_STREAM_MAX_S and the client resumes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import Connection, select

from hugdata.api.deps import ProjectScope, RuntimeDep
from hugdata.api.runtime import ApiRuntime
from hugdata.api.schemas import ErrorBody
from hugdata.db import read_retrying
from hugdata.events.hub import EventHub, StreamLimitReached
from hugdata.events.store import Event, events_after, latest_event_id
from hugdata.tenants.errors import ProjectNotFound, StreamsExhausted
from hugdata.tenants.models import Project

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["events"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
    429: {"model": ErrorBody},
}
PAGE = 100


def _format(event: Event) -> str:
    return f"id: {event.id}\nevent: {event.kind}\ndata: {json.dumps(event.payload, default=str)}\n\n"


def _start_after(runtime: ApiRuntime, project_id: str, resume: int | None) -> int:
    def read(connection: Connection) -> int:
        if connection.scalar(select(Project.id).where(Project.id == project_id)) is None:  # an admin's typo
            raise ProjectNotFound(f"project {project_id!r} not found")
        return resume if resume is not None else latest_event_id(connection, project_id=project_id)

    return read_retrying(runtime.engine, read)


def _page(runtime: ApiRuntime, project_id: str, after: int) -> list[Event]:
    return read_retrying(runtime.engine, lambda c: events_after(c, project_id=project_id, after_id=after, limit=PAGE))


async def _stream(
    request: Request, runtime: ApiRuntime, hub: EventHub, project_id: str, after: int, wake: asyncio.Event
) -> AsyncIterator[str]:
    settings = runtime.settings
    ends_at = time.monotonic() + settings.events_stream_max_s
    yield "retry: 2000\n\n"  # how soon a browser's EventSource reconnects, with Last-Event-ID
    while not hub.closing and time.monotonic() < ends_at:
        wake.clear()  # cleared before reading: a write after this read sets it again
        events = await run_in_threadpool(_page, runtime, project_id, after)
        for event in events:
            yield _format(event)
            after = event.id
        if len(events) == PAGE:
            continue
        if await request.is_disconnected():
            return
        # Without a listener (its connection broke), a heartbeat's timeout doubles as a poll.
        timeout = min(settings.events_heartbeat_s, max(0.0, ends_at - time.monotonic()))
        try:
            await asyncio.wait_for(wake.wait(), timeout)
        except TimeoutError:
            yield ": heartbeat\n\n"


@router.get(
    "/events",
    responses={**_ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "a Server-Sent Events stream"}},
    response_class=StreamingResponse,
)
async def project_events(
    request: Request,
    project_id: ProjectScope,
    runtime: RuntimeDep,
    last_event_id: Annotated[int | None, Header(ge=0, description="the last event ID this client saw")] = None,
    after: Annotated[
        int | None, Query(ge=0, description="same as Last-Event-ID, for clients that cannot set it")
    ] = None,
) -> StreamingResponse:
    """Run status (`event: run`, the webhook payload) and asset state (`event: asset`) changes of this project."""
    hub: EventHub = request.app.state.events
    resume = last_event_id if last_event_id is not None else after
    start = await run_in_threadpool(_start_after, runtime, project_id, resume)
    try:
        subscription = hub.subscribe(project_id)
        wake = subscription.__enter__()
    except StreamLimitReached:
        raise StreamsExhausted(
            f"project {project_id!r} already has {runtime.settings.events_streams_per_project} open event streams "
            "here, the most it may (HUGDATA_EVENTS_STREAMS_PER_PROJECT); close one or resume later",
            retry_after_s=5,
        ) from None

    async def body() -> AsyncIterator[str]:
        try:
            async for chunk in _stream(request, runtime, hub, project_id, start, wake):
                yield chunk
        finally:
            subscription.__exit__(None, None, None)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},  # no proxy buffering of a stream
    )
