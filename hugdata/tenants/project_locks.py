"""A lock per project in the platform database, so one project's catalog or analytics work never runs in two runs
at once: a single-project run and an automation batch that lists the same project, or two batches."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, func, select

# Keeps these keys apart from any other advisory lock the platform might take.
_NAMESPACE = 0x68756764  # "hugd"


@contextmanager
def project_lock(engine: Engine, project_id: str, *, wait_s: float = 0.0) -> Iterator[bool]:
    """Hold the project's lock while the block runs; yields False (and holds nothing) when another run kept it
    for ``wait_s`` seconds."""
    with engine.connect() as conn:
        key = conn.scalar(select(func.hashtextextended(project_id, _NAMESPACE)))
        deadline = time.monotonic() + wait_s
        while not (held := bool(conn.scalar(select(func.pg_try_advisory_lock(key))))):
            if time.monotonic() >= deadline:
                break
            conn.rollback()  # no snapshot held while waiting
            time.sleep(0.5)
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.scalar(select(func.pg_advisory_unlock(key)))
                conn.commit()
