"""A project's live event stream (Server-Sent Events): changes arrive as they are written, Last-Event-ID resumes
without losing one, a stream never carries another project's events, and the per-project cap holds."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.tenants.asset_states import record_failed, record_materialized
from hugdata.webhooks.outbox import enqueue
from tests.conftest import LiveServer
from tests.helpers import ADMIN_TOKEN, register, served

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Stream:
    """An open stream read on a thread: parsed events land in ``events``; comments count as heartbeats."""

    def __init__(self) -> None:
        self.events: queue.Queue[dict[str, object]] = queue.Queue()
        self.heartbeats = 0
        self.status: int | None = None
        self.opened = threading.Event()
        self.client: httpx.Client | None = None

    def next(self, timeout: float = 10.0) -> dict[str, object]:
        return self.events.get(timeout=timeout)

    def drain(self, wait_s: float = 1.0) -> list[dict[str, object]]:
        time.sleep(wait_s)
        found = []
        while not self.events.empty():
            found.append(self.events.get_nowait())
        return found


@contextmanager
def stream(url: str, project_id: str, headers: dict[str, str]) -> Iterator[Stream]:
    opened = Stream()
    stop = threading.Event()

    def read() -> None:
        with (
            contextlib.suppress(httpx.HTTPError, RuntimeError),
            httpx.Client(timeout=httpx.Timeout(30, read=60)) as http,
        ):
            opened.client = http
            with http.stream("GET", f"{url}/v1/projects/{project_id}/events", headers=headers) as response:
                opened.status = response.status_code
                opened.opened.set()
                if response.status_code != 200:
                    return
                current: dict[str, object] = {}
                for line in response.iter_lines():
                    if stop.is_set():
                        return
                    if line.startswith(":"):
                        opened.heartbeats += 1
                    elif line.startswith(("id:", "event:", "data:")):
                        field, value = line.split(":", 1)
                        current[field] = json.loads(value) if field == "data" else value.strip()
                    elif not line and "id" in current:
                        opened.events.put(current)
                        current = {}

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    assert opened.opened.wait(15), "the stream did not open"
    time.sleep(0.3)  # the server has read its starting point
    try:
        yield opened
    finally:
        stop.set()
        if opened.client is not None:
            opened.client.close()  # the server sees the disconnect and lets go of the stream
        thread.join(5)


def _materialize(runtime: ApiRuntime, project_id: str, asset: str, run_id: str) -> None:
    with runtime.sessions() as session:
        record_materialized(session, project_id=project_id, asset=asset, run_id=run_id, summary={"tables": 3})
        session.commit()


def _run_event(runtime: ApiRuntime, project_id: str, run_id: str, status: str) -> None:
    payload = {"event_id": f"{run_id}:{status}", "project_id": project_id, "run_id": run_id, "status": status}
    with runtime.sessions() as session:
        enqueue(session, event_id=f"{run_id}:{status}", project_id=project_id, payload=payload)
        session.commit()


@pytest.fixture
def two_projects(clean_platform: ApiRuntime) -> ApiRuntime:
    register(clean_platform, "ev-a")
    register(clean_platform, "ev-b")
    return clean_platform


@pytest.fixture
def live_api(two_projects: ApiRuntime) -> Iterator[LiveServer]:
    """A served API whose streams beat twice a second, so closed streams are noticed (and let go) quickly."""
    quick = two_projects.settings.model_copy(update={"events_heartbeat_s": 0.5})
    with served(create_app(runtime=dataclasses.replace(two_projects, settings=quick))) as url:
        yield LiveServer(url)


def test_run_and_asset_changes_arrive_as_they_are_written(two_projects: ApiRuntime, live_api: LiveServer) -> None:
    with stream(live_api.url, "ev-a", ADMIN) as opened:
        assert opened.status == 200
        started = time.perf_counter()
        _run_event(two_projects, "ev-a", "run-1", "started")
        run = opened.next()
        assert time.perf_counter() - started < 2.0  # woken by NOTIFY, not by the 15 s heartbeat's poll
        assert run["event"] == "run" and run["data"] == {  # the webhook's payload
            "event_id": "run-1:started", "project_id": "ev-a", "run_id": "run-1", "status": "started"}  # fmt: skip
        _materialize(two_projects, "ev-a", "database_schema", "run-1")
        asset = opened.next()
        assert asset["event"] == "asset" and int(asset["id"]) > int(run["id"])  # type: ignore[call-overload]
        assert asset["data"]["asset"] == "database_schema" and asset["data"]["status"] == "materialized"  # type: ignore[index]
        with two_projects.sessions() as session:
            record_failed(session, project_id="ev-a", assets=["semantic_model"], run_id="run-2", cause="boom")
            session.commit()
        failed = opened.next()
        assert failed["data"]["status"] == "failed" and failed["data"]["failure_cause"] == "boom"  # type: ignore[index]


def test_resuming_with_last_event_id_loses_nothing(two_projects: ApiRuntime, live_api: LiveServer) -> None:
    with stream(live_api.url, "ev-a", ADMIN) as first:
        _run_event(two_projects, "ev-a", "run-1", "started")
        seen = first.next()
    # Written while no stream was open: a resume from the last ID seen gets them all, in order.
    _run_event(two_projects, "ev-a", "run-1", "succeeded")
    _materialize(two_projects, "ev-a", "database_schema", "run-1")
    _materialize(two_projects, "ev-a", "semantic_model", "run-1")
    with stream(live_api.url, "ev-a", {**ADMIN, "Last-Event-ID": str(seen["id"])}) as resumed:
        got = [resumed.next() for _ in range(3)]
        assert resumed.drain(0.5) == []
    assert [(e["event"], e["data"].get("status"), e["data"].get("asset")) for e in got] == [  # type: ignore[union-attr]
        ("run", "succeeded", None),
        ("asset", "materialized", "database_schema"),
        ("asset", "materialized", "semantic_model"),
    ]
    ids = [int(e["id"]) for e in got]  # type: ignore[call-overload]
    assert ids == sorted(ids) and ids[0] > int(seen["id"])  # type: ignore[call-overload]
    # Without Last-Event-ID a stream starts at now: nothing old is replayed.
    with stream(live_api.url, "ev-a", ADMIN) as fresh:
        assert fresh.drain(1.5) == [] and fresh.heartbeats >= 2  # an idle stream still beats


def test_a_stream_never_carries_another_projects_events(two_projects: ApiRuntime, live_api: LiveServer) -> None:
    keys = {}
    for project_id in ("ev-a", "ev-b"):
        issued = httpx.post(f"{live_api.url}/v1/projects/{project_id}/keys", json={"name": "ev"}, headers=ADMIN)
        keys[project_id] = {"Authorization": f"Bearer {issued.json()['token']}"}
    with stream(live_api.url, "ev-a", keys["ev-a"]) as mine:
        _run_event(two_projects, "ev-b", "run-b", "started")
        _materialize(two_projects, "ev-b", "database_schema", "run-b")
        _run_event(two_projects, "ev-a", "run-a", "started")
        events = [mine.next()] + mine.drain(1.0)
    assert [e["data"]["run_id"] for e in events] == ["run-a"]  # type: ignore[index]
    # Another project's stream with this key: the same 404 as for a project that does not exist.
    with stream(live_api.url, "ev-b", keys["ev-a"]) as foreign:
        assert foreign.status == 404
    with stream(live_api.url, "ev-nope", ADMIN) as missing:
        assert missing.status == 404


def test_the_open_stream_cap_per_project_holds(two_projects: ApiRuntime, live_api: LiveServer) -> None:
    limit = two_projects.settings.events_streams_per_project
    with contextlib.ExitStack() as stack:
        opened = [stack.enter_context(stream(live_api.url, "ev-a", ADMIN)) for _ in range(limit)]
        assert all(s.status == 200 for s in opened)
        response = httpx.get(f"{live_api.url}/v1/projects/ev-a/events", headers=ADMIN, timeout=10)
        assert response.status_code == 429 and "HUGDATA_EVENTS_STREAMS_PER_PROJECT" in response.json()["detail"]
        assert response.headers["retry-after"]
        with stream(live_api.url, "ev-b", ADMIN) as other:  # another project's streams are counted apart
            assert other.status == 200


def test_a_stopping_server_ends_its_streams_cleanly_and_exits_at_once(two_projects: ApiRuntime) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "hugdata.cli", "api", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], env=dict(os.environ), start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        ended = threading.Event()

        def follow() -> None:
            with httpx.stream("GET", f"{url}/v1/projects/ev-a/events", headers=ADMIN, timeout=30) as response:
                assert response.status_code == 200
                for _ in response.iter_lines():
                    pass
            ended.set()  # the server closed the stream: no error, no cut-off read

        reader = threading.Thread(target=follow, daemon=True)
        reader.start()
        time.sleep(1.0)
        stopped = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert ended.wait(5), "the stream did not end when the server began to stop"
        # uvicorn re-raises the signal once its graceful shutdown is done, so the exit is by SIGTERM, in time.
        assert server.wait(10) in (0, -signal.SIGTERM)
        assert time.monotonic() - stopped < 8  # not the stream's five minutes
    finally:
        if server.poll() is None:
            server.kill()
