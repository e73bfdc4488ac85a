"""Threads of their own for asks, with a limit per project, so slow asks never hold the threads other routes use.

An ask can wait seconds on an LLM or on the tenant's database. Run in the server's shared thread pool, forty of them
stalled `/healthz` and every other tenant. Here asks get a bounded executor, one project may hold only a few of its
threads, and what does not fit is refused at once (429 for the project over its share, 503 when every thread and
queue place is taken) instead of waiting without a bound.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class AskLimitReached(Exception):
    """The project already runs as many asks as it may; ``retry_after_s`` says when to try again."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class AskCapacityExhausted(AskLimitReached):
    """Every ask thread and waiting place of this API process is taken."""


class AskSlots:
    """A bounded pool of ask threads; a project counts against its limit until its ask's thread is done."""

    def __init__(self, *, workers: int, per_project: int, queue: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hugdata-ask")
        self._per_project, self._capacity = per_project, workers + queue
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}  # only projects with an ask in flight: bounded by the capacity
        self._in_flight = 0

    def in_flight(self, project_id: str | None = None) -> int:
        """Asks accepted and not yet finished, for one project or in all."""
        with self._lock:
            return self._running.get(project_id, 0) if project_id is not None else self._in_flight

    async def run(self, project_id: str, work: Callable[[], T]) -> T:
        """``work()`` on an ask thread, or AskLimitReached / AskCapacityExhausted without waiting."""
        self._acquire(project_id)
        try:
            # The ask thread runs in the request's context: its log lines keep the request ID, its spans the trace.
            future = self._executor.submit(contextvars.copy_context().run, self._released_after, project_id, work)
        except BaseException:
            self._release(project_id)
            raise
        # If the client goes away the thread still finishes its ask, and keeps its slot until it has.
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _released_after(self, project_id: str, work: Callable[[], T]) -> T:
        try:
            return work()
        finally:
            self._release(project_id)

    def _acquire(self, project_id: str) -> None:
        with self._lock:
            running = self._running.get(project_id, 0)
            if running >= self._per_project:
                raise AskLimitReached(
                    f"project {project_id!r} already has {running} asks running, the most it may run at once "
                    "(HUGDATA_ASK_CONCURRENCY_PER_PROJECT); retry when one has answered",
                    retry_after_s=2,
                )
            if self._in_flight >= self._capacity:
                raise AskCapacityExhausted("every ask worker of this API process is busy; retry shortly", 2)
            self._running[project_id] = running + 1
            self._in_flight += 1

    def _release(self, project_id: str) -> None:
        with self._lock:
            self._in_flight -= 1
            left = self._running.get(project_id, 1) - 1
            if left:
                self._running[project_id] = left
            else:
                self._running.pop(project_id, None)
