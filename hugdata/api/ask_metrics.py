"""Ask outcomes, latency and LLM tokens as metrics, labelled by the project's tier (looked up once in a while per
project, from a bounded map), never by the project."""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool

from hugdata.api.runtime import ApiRuntime
from hugdata.api.tiers import tier_of
from hugdata.observability.api_metrics import ASK_SECONDS, ASKS, LLM_TOKENS


async def count_ask(runtime: ApiRuntime, project_id: str, outcome: str, seconds: float, *, tokens: int = 0) -> None:
    """One ask's outcome (llm, offline_planner, memory, past_question, declined, refused, failed) and its time."""
    tier = await run_in_threadpool(tier_of, runtime, project_id)
    ASKS.labels(tier, outcome).inc()
    ASK_SECONDS.labels(tier, outcome).observe(seconds)
    if tokens:
        LLM_TOKENS.labels(tier).inc(tokens)
