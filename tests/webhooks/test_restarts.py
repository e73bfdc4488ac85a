"""Pending webhook events survive the API process being killed: the next process delivers every one, once."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import func, select, update

from hugdata.api.runtime import ApiRuntime
from hugdata.webhooks.outbox import WebhookEvent, enqueue
from tests.helpers import WEBHOOK_SECRET, register
from tests.webhooks.receiver import webhook_receiver


@contextmanager
def api_process() -> Iterator[subprocess.Popen[bytes]]:
    """The API as deployed: its own `hugdata api` process, configured by the test session's environment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [sys.executable, "-m", "hugdata.cli", "api", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(argv, env=dict(os.environ))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the API process did not start"
            time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)


def _attempted(runtime: ApiRuntime) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).where(WebhookEvent.attempts > 0)) or 0)


def _wait(predicate, timeout_s: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_events_pending_when_the_api_is_killed_are_all_delivered_by_the_next_api_process(
    clean_platform: ApiRuntime,
) -> None:
    with webhook_receiver(WEBHOOK_SECRET) as receiver:
        register(clean_platform, "acme", webhook_url=receiver.url)
        with clean_platform.sessions() as session:
            for i in range(3):  # as the daemon's run status sensors write them
                event_id = f"run-{i}:succeeded"
                payload = {"event_id": event_id, "project_id": "acme", "run_id": f"run-{i}", "status": "succeeded"}
                enqueue(session, event_id=event_id, project_id="acme", payload=payload)
            session.commit()
        receiver.failing = True
        with api_process() as first:
            _wait(lambda: _attempted(clean_platform) == 3)  # its dispatcher tried each and was refused
            first.send_signal(signal.SIGKILL)  # no shutdown hook runs
            first.wait(10)
        assert receiver.events == []

        receiver.failing = False
        with clean_platform.engine.begin() as conn:  # skip the back-off wait instead of sleeping through it
            conn.execute(update(WebhookEvent).values(next_attempt_at=func.now()))
        with api_process():
            _wait(lambda: len(receiver.events) == 3)
            time.sleep(2)  # a couple more dispatcher ticks: nothing is sent twice
    assert sorted(e["_event_id_header"] for e in receiver.events) == [f"run-{i}:succeeded" for i in range(3)]
    assert receiver.bad_signatures == 0
    with clean_platform.sessions() as session:
        assert session.scalar(select(func.count()).where(WebhookEvent.delivered_at.is_(None))) == 0
