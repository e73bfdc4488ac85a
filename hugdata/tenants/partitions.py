"""The interface the registry needs from wherever project partitions live (Dagster, in production)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class PartitionStore(Protocol):
    """Adds and removes project partitions; every operation is idempotent."""

    def add(self, project_ids: Iterable[str]) -> None: ...

    def delete(self, project_id: str) -> None: ...

    def keys(self) -> set[str]: ...

    def has(self, project_id: str) -> bool: ...
