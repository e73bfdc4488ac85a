"""The local stack's standing code server: `dagster api grpc` whose run workers fork from a preloaded process.

Dagster's code server starts every run worker with multiprocessing's "spawn", so each local run first imports
Dagster, its Postgres storage and the code location again (about 2.2 CPU-s measured, before any work) while the
daemon's launch call waits for it. Here the server uses a "forkserver" that has imported those once; each run
worker is a fork of it and starts in milliseconds. On Kubernetes run workers are Pods and this does not apply.
Usage: `python -m hugdata.code_server <the arguments of dagster api grpc>`.
"""

import multiprocessing
import sys
from collections.abc import Callable
from typing import Any

# What a run worker imports before its first step; a fork of a process that holds these skips the imports.
RUN_WORKER_PRELOAD = (
    "dagster",
    "dagster._grpc.impl",
    "dagster._core.execution.api",
    "dagster_postgres",
    "hugdata.platform.definitions",
)


def preloaded_run_worker_context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context run workers start from: a forkserver that has imported RUN_WORKER_PRELOAD."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(RUN_WORKER_PRELOAD))
    return context


def install_preloaded_run_workers() -> None:
    """Make every Dagster code server created in this process start run workers from the preloaded forkserver."""
    from dagster._grpc import server

    original: Callable[..., None] = server.DagsterApiServer.__init__
    if getattr(original, "hugdata_preloaded", False):
        return

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        # Dagster keeps the context it starts runs from in this attribute (pinned version; a test checks it).
        if not hasattr(self, "_mp_ctx"):
            raise RuntimeError("dagster's code server no longer has _mp_ctx; hugdata.code_server needs updating")
        self._mp_ctx = preloaded_run_worker_context()

    init.hugdata_preloaded = True  # type: ignore[attr-defined]
    server.DagsterApiServer.__init__ = init  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    """Serve the code location as `dagster api grpc` does, with preloaded run workers."""
    from dagster._cli import main as dagster_main

    install_preloaded_run_workers()
    sys.argv = ["dagster", "api", "grpc", *argv]
    dagster_main()


if __name__ == "__main__":
    main(sys.argv[1:])
