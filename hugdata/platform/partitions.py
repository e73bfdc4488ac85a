"""The dynamic partitions definition every tenant asset is keyed by, and the registry's view of it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from functools import partial
from typing import TypeVar

from dagster import DagsterInstance, DynamicPartitionsDefinition
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

PROJECTS_PARTITION = "hugdata_projects"

hugdata_projects = DynamicPartitionsDefinition(name=PROJECTS_PARTITION)


def _once_more_if_disconnected(call: Callable[[], T]) -> T:
    # A pooled storage connection broken by a Postgres restart fails on first use and is then discarded by the
    # pool; one retry reaches a fresh connection instead of failing a request after every restart.
    try:
        return call()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        return call()


class DagsterPartitionStore:
    """Project partitions kept in a Dagster instance's storage (implements `tenants.PartitionStore`).

    Concurrent `add` calls are group-committed: while one thread writes, the keys of threads that arrive meanwhile
    are gathered and written together by the next write, so a burst of registrations costs a few storage round
    trips instead of three per project, and a lone registration waits for nobody.
    """

    def __init__(self, instance: DagsterInstance) -> None:
        self._instance = instance
        self._lock = threading.Lock()
        self._pending: list[tuple[list[str], Future[None]]] = []
        self._writing = False

    def add(self, project_ids: Iterable[str]) -> None:
        keys = list(project_ids)
        if not keys:
            return
        done: Future[None] = Future()
        with self._lock:
            self._pending.append((keys, done))
            lead = not self._writing
            self._writing = True
        if lead:
            self._write_pending()
        done.result()

    def _write_pending(self) -> None:
        while True:
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._writing = False
                    return
            keys = sorted({key for ids, _ in batch for key in ids})
            try:
                _once_more_if_disconnected(partial(self._instance.add_dynamic_partitions, PROJECTS_PARTITION, keys))
            except BaseException as exc:
                for _, done in batch:
                    done.set_exception(exc)
            else:
                for _, done in batch:
                    done.set_result(None)

    def delete(self, project_id: str) -> None:
        _once_more_if_disconnected(lambda: self._instance.delete_dynamic_partition(PROJECTS_PARTITION, project_id))

    def keys(self) -> set[str]:
        return set(_once_more_if_disconnected(lambda: self._instance.get_dynamic_partitions(PROJECTS_PARTITION)))

    def has(self, project_id: str) -> bool:
        return _once_more_if_disconnected(lambda: self._instance.has_dynamic_partition(PROJECTS_PARTITION, project_id))
