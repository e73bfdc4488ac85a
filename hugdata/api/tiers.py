"""A project's tier for metric labels and quota limits, from a bounded map refreshed every few minutes (a tier
change takes effect within that time)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from hugdata.api.runtime import ApiRuntime
from hugdata.tenants.models import Project

_TTL_S, _MAX_ENTRIES = 300.0, 50_000
_tiers: dict[tuple[int, str], tuple[str, float]] = {}
_lock = threading.Lock()


def tier_of(runtime: ApiRuntime, project_id: str) -> str:
    key, now = (id(runtime.engine), project_id), time.monotonic()
    with _lock:
        cached = _tiers.get(key)
    if cached is not None and cached[1] > now:
        return cached[0]
    with runtime.sessions() as session:
        tier = session.scalar(select(Project.tier).where(Project.id == project_id))
    label = str(tier) if tier is not None else "unknown"
    with _lock:
        if len(_tiers) >= _MAX_ENTRIES:
            _tiers.clear()  # bounded: at worst every project is looked up once more
        _tiers[key] = (label, now + _TTL_S)
    return label
