"""A bounded, thread-safe map of the most recently asked projects to what a process keeps for them: the least
recently asked are forgotten first, so memory stays the same at any number of tenants."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class RecentProjects(Generic[T]):
    """At most ``capacity`` projects' values, in the order they were last asked for."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._values: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, project_id: str) -> T | None:
        """The project's value, now the most recent; None when it has none."""
        with self._lock:
            value = self._values.get(project_id)
            if value is not None:
                self._values.move_to_end(project_id)
            return value

    def put(self, project_id: str, value: T) -> None:
        """Keep ``value`` as the project's, the most recent; forget the least recent beyond the capacity."""
        with self._lock:
            self._values[project_id] = value
            self._values.move_to_end(project_id)
            while len(self._values) > self._capacity:
                self._values.popitem(last=False)

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._values))
