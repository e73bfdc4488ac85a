"""One LISTEN connection per API process: a NOTIFY naming a project wakes that project's open streams, which then
read their new rows themselves. Every replica listens, so a stream on any replica sees every write."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType

import psycopg

from hugdata.events.store import CHANNEL

log = logging.getLogger(__name__)


class StreamLimitReached(Exception):
    """The project already has as many open streams on this process as it may."""


class EventHub:
    """Wakes streams by project; bounded to ``streams_per_project`` open streams per project and process."""

    def __init__(self, conninfo: str, *, streams_per_project: int) -> None:
        self._conninfo = conninfo
        self._limit = streams_per_project
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._closing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    @property
    def closing(self) -> bool:
        return self._closing.is_set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="hugdata-event-listener")

    def begin_close(self) -> None:
        """Every open stream ends at its next wake-up, which is now."""
        self._closing.set()
        self._wake_all()

    async def close(self) -> None:
        """Wake every stream so it ends, and stop listening."""
        self.begin_close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @contextlib.contextmanager
    def subscribe(self, project_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever the project may have new rows; refused past the per-project limit."""
        waiters = self._waiters.setdefault(project_id, set())
        if len(waiters) >= self._limit:
            raise StreamLimitReached(project_id)
        wake = asyncio.Event()
        waiters.add(wake)
        try:
            yield wake
        finally:
            waiters.discard(wake)
            if not waiters:
                self._waiters.pop(project_id, None)

    def open_streams(self) -> int:
        return sum(len(w) for w in self._waiters.values())

    def _wake(self, project_id: str) -> None:
        for wake in self._waiters.get(project_id, ()):
            wake.set()

    def _wake_all(self) -> None:
        for waiters in self._waiters.values():
            for wake in waiters:
                wake.set()

    async def _listen(self) -> None:
        backoff = 0.5
        while not self._closing.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    backoff = 0.5
                    self._wake_all()  # whatever was written while no one listened
                    async for notify in conn.notifies():
                        self._wake(notify.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database restarted or the network broke: streams poll meanwhile
                self.listening.clear()
                log.warning("event listener lost its connection (%s); retrying", type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)


def close_on_exit_signals(hub: EventHub) -> None:
    """End the hub's streams as soon as the server is told to stop (SIGTERM, SIGINT), then let the server's own
    handler run: a graceful shutdown waits for open responses, and a stream would otherwise hold it for minutes.
    Only in the main thread, where the server installed its handlers (it restores its own when it stops)."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)

        def chained(signum: int, frame: FrameType | None, previous: object = previous) -> None:
            loop.call_soon_threadsafe(hub.begin_close)
            if callable(previous):
                previous(signum, frame)

        signal.signal(sig, chained)
