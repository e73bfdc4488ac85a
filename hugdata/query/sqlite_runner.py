"""Tenant SQLite queries, run in worker processes (`sqlite_worker`) that a deadline can kill.

Workers are kept between queries (a new one costs ~30 ms) and replaced when one is killed or dies. The API process
only ever holds an answer's rows, read from the worker's pipe in one frame no larger than the answer may be.
"""

from __future__ import annotations

import atexit
import io
import os
import select
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from hugdata.query.sqlite_worker import FRAME_LENGTH, PlainValues, write_frame

# Past the query's own deadline (enforced inside the worker where SQLite can be interrupted), how long the worker
# gets before it is killed: a single VM step is the only thing that can outlast the progress handler.
KILL_GRACE_S = 1.0
MAX_IDLE_WORKERS = 4


class WorkerKilled(sqlite3.OperationalError):
    """The query outlived its deadline inside one uninterruptible step and its process was killed."""


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, memory_bytes: int) -> _Worker:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "hugdata.query.sqlite_worker", str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        return cls(process)

    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, job: dict[str, Any], *, deadline: float, max_reply_bytes: int) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        write_frame(self.process.stdin, job)
        stdout = self.process.stdout.fileno()
        (length,) = FRAME_LENGTH.unpack(self._read(stdout, FRAME_LENGTH.size, deadline))
        if length > max_reply_bytes:
            raise sqlite3.OperationalError(f"the answer's process sent {length:,} bytes, more than an answer may be")
        reply: dict[str, Any] = PlainValues(io.BytesIO(self._read(stdout, length, deadline))).load()
        return reply

    @staticmethod
    def _read(fd: int, size: int, deadline: float) -> bytes:
        chunks, left = [], size
        while left:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class SqliteRunner:
    """A pool of SQLite worker processes whose address space is capped at ``memory_bytes`` above their start."""

    def __init__(self, memory_bytes: int) -> None:
        self.memory_bytes = memory_bytes
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def run(self, job: dict[str, Any], *, timeout_s: float, max_reply_bytes: int) -> dict[str, Any]:
        """The worker's answer to ``job``, or a sqlite3 error: the query's own, or WorkerKilled past the deadline."""
        worker = self._take()
        try:
            deadline = time.monotonic() + timeout_s + KILL_GRACE_S
            reply = worker.ask(job, deadline=deadline, max_reply_bytes=max_reply_bytes)
        except TimeoutError:
            worker.kill()
            error = WorkerKilled(f"interrupted: the query ran past its {timeout_s:g} s limit; its process was stopped")
            error.sqlite_errorcode = sqlite3.SQLITE_INTERRUPT  # type: ignore[attr-defined]
            raise error from None
        except (EOFError, OSError, ValueError):
            worker.kill()
            error = sqlite3.OperationalError("the query's process ended: it needed more memory than an ask may use")
            error.sqlite_errorcode = sqlite3.SQLITE_NOMEM  # type: ignore[attr-defined]
            raise error from None
        except BaseException:
            worker.kill()
            raise
        self._give_back(worker)
        return reply

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
        return _Worker.start(self.memory_bytes)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE_WORKERS:
                self._idle.append(worker)
                return
        worker.kill()


_runners: dict[int, SqliteRunner] = {}
_runners_lock = threading.Lock()


def sqlite_runner(memory_bytes: int) -> SqliteRunner:
    """This process's pool for workers of ``memory_bytes``; its workers end when the process does."""
    with _runners_lock:
        runner = _runners.get(memory_bytes)
        if runner is None:
            if not _runners:
                atexit.register(_close_all)
            runner = _runners[memory_bytes] = SqliteRunner(memory_bytes)
        return runner


def _close_all() -> None:
    for runner in list(_runners.values()):
        runner.close()
