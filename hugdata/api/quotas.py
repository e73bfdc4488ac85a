"""The front door's fairness: a project key's searches and asks per minute, and its asks' LLM tokens per day, by
tier. Admin calls are never counted. Over a limit: 429 with Retry-After and a message naming the limit."""

from __future__ import annotations

import time

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from hugdata.api.deps import ProjectScope, RuntimeDep, SessionlessCallerDep
from hugdata.api.runtime import ApiRuntime
from hugdata.api.tiers import tier_of
from hugdata.db import read_retrying
from hugdata.observability.api_metrics import QUOTA_REFUSALS, QUOTA_USE
from hugdata.tenants.errors import QuotaExceeded
from hugdata.tenants.quotas import UNITS, Bucket, QuotaState, current, take


def limit_for(runtime: ApiRuntime, bucket: Bucket, tier: str) -> int:
    settings = runtime.settings
    table = {
        Bucket.search: settings.quota_search_per_minute,
        Bucket.ask: settings.quota_ask_per_minute,
        Bucket.llm_tokens: settings.quota_llm_tokens_per_day,
    }[bucket]
    return int(table.get(tier, table.get("standard", 0)))  # type: ignore[call-overload]


def _take(runtime: ApiRuntime, project_id: str, bucket: Bucket, amount: int) -> tuple[str, QuotaState]:
    tier = tier_of(runtime, project_id)
    limit, now = limit_for(runtime, bucket, tier), runtime.clock()
    # A retried upsert after a connection broke at most counts one request twice: the limit errs on the safe side.
    state = read_retrying(runtime.counters, lambda conn: take(conn, project_id=project_id, bucket=bucket,
                                                              amount=amount, limit=limit, now=now))  # fmt: skip
    QUOTA_USE.labels(tier, bucket.value).inc(amount)
    return tier, state


def refusal(project_id: str, tier: str, state: QuotaState, retry_after_s: int) -> QuotaExceeded:
    QUOTA_REFUSALS.labels(tier, state.bucket.value).inc()
    return QuotaExceeded(
        f"project {project_id!r} is over its {tier}-tier limit of {state.limit} {UNITS[state.bucket]}; "
        f"retry in {retry_after_s} s",
        retry_after_s=retry_after_s,
    )


async def _enforce(runtime: ApiRuntime, project_id: str, is_admin: bool, bucket: Bucket) -> None:
    if is_admin:
        return
    tier, state = await run_in_threadpool(_take, runtime, project_id, bucket, 1)
    if state.exceeded:
        raise refusal(project_id, tier, state, state.retry_after_s(runtime.clock()))


async def search_quota(
    request: Request, project_id: ProjectScope, caller: SessionlessCallerDep, runtime: RuntimeDep
) -> None:
    """A dependency of the search route: one search from the project key's minute (its time goes into the
    response's Server-Timing as `quota`)."""
    started = time.perf_counter()
    try:
        await _enforce(runtime, project_id, caller.is_admin, Bucket.search)
    finally:
        request.state.quota_ms = (time.perf_counter() - started) * 1000


async def ask_quota(project_id: ProjectScope, caller: SessionlessCallerDep, runtime: RuntimeDep) -> None:
    """A dependency of the ask route: one ask from the project key's minute."""
    await _enforce(runtime, project_id, caller.is_admin, Bucket.ask)


def llm_budget(runtime: ApiRuntime, project_id: str) -> tuple[str, QuotaState]:
    """The project's LLM tokens spent today against its tier's budget."""
    tier = tier_of(runtime, project_id)
    with runtime.sessions() as session:
        return tier, current(session, project_id=project_id, bucket=Bucket.llm_tokens,
                             limit=limit_for(runtime, Bucket.llm_tokens, tier), now=runtime.clock())  # fmt: skip


def spend_llm_tokens(runtime: ApiRuntime, project_id: str, tokens: int) -> None:
    if tokens > 0:
        _take(runtime, project_id, Bucket.llm_tokens, tokens)
