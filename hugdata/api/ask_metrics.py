"""Ask outcomes, latency and LLM tokens as metrics, labelled by the project's tier (looked up once in a while per
project, from a bounded map), never by the project."""

from __future__ import annotations

import threading
import time

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from hugdata.api.runtime import ApiRuntime
from hugdata.observability.api_metrics import ASK_SECONDS, ASKS, LLM_TOKENS
from hugdata.tenants.models import Project

_TTL_S, _MAX_ENTRIES = 300.0, 50_000
_tiers: dict[tuple[int, str], tuple[str, float]] = {}
_lock = threading.Lock()


def _tier_of(runtime: ApiRuntime, project_id: str) -> str:
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


async def count_ask(runtime: ApiRuntime, project_id: str, outcome: str, seconds: float, *, tokens: int = 0) -> None:
    """One ask's outcome (llm, offline_planner, memory, past_question, declined, refused, failed) and its time."""
    tier = await run_in_threadpool(_tier_of, runtime, project_id)
    ASKS.labels(tier, outcome).inc()
    ASK_SECONDS.labels(tier, outcome).observe(seconds)
    if tokens:
        LLM_TOKENS.labels(tier).inc(tokens)
