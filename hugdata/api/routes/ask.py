"""Ask a project's database a question in plain language."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

from hugdata.api.ask_metrics import count_ask
from hugdata.api.deps import ProjectScope, RuntimeDep, SessionlessCallerDep, caller_sessions
from hugdata.api.quotas import ask_quota, llm_budget, refusal, spend_llm_tokens
from hugdata.api.runtime import ApiRuntime
from hugdata.api.schemas import ErrorBody
from hugdata.catalog.embedder_factory import embedder_for
from hugdata.conversations.turns import PastTurn
from hugdata.memory.answers import question_key, recall, remember
from hugdata.observability.server_timing import server_timing
from hugdata.query.ask import AskContext, AskResult, ask, record_deferred_lineage
from hugdata.query.context import ask_context
from hugdata.query.results import COLUMN_TYPES, json_value, rows_json
from hugdata.tenants.errors import QuestionNotAnswered
from hugdata.tenants.keys import Caller

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["ask"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
    422: {"model": ErrorBody},
    429: {"model": ErrorBody, "description": "the project already runs as many asks as it may (Retry-After)"},
    503: {"model": ErrorBody, "description": "every ask worker is busy (Retry-After)"},
}


ColumnType = Literal[COLUMN_TYPES]  # type: ignore[valid-type]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2000)
    execute: bool = True
    max_rows: int = Field(default=100, ge=1, le=1000)
    fresh: bool = Field(
        default=False,
        description="answer anew rather than from the project's memory (as does a `Cache-Control: no-cache` header); "
        "the new answer is remembered in place of the old",
    )


class ReusedFrom(BaseModel):
    question: str
    similarity: float = Field(description="cosine similarity of the two questions' embeddings")


class ExplanationPartRead(BaseModel):
    kind: Literal["measure", "column", "source", "join", "filter", "group", "order", "limit"]
    sql: str = Field(description="the SQL fragment this part reads")
    text: str = Field(description="what it does, in plain words")
    words: list[str] = Field(description="the words of the question it answers, as written")


class ExplanationRead(BaseModel):
    text: str = Field(description="the whole reading of the SQL, in plain words")
    parts: list[ExplanationPartRead]
    unaccounted: list[str] = Field(
        description="content words of the question no part answers: the SQL may answer another question"
    )


class ColumnUnitRead(BaseModel):
    unit: str | None
    format: str | None


class AskResponse(BaseModel):
    project_id: str
    question: str
    sql: str
    tables: list[str]
    executed: bool
    columns: list[str]
    column_types: list[ColumnType] = Field(
        description="per column: boolean, integer, number, decimal (exact JSON numbers, as many digits as the "
        "database gave), text, date, datetime, time, interval (ISO 8601), binary (base64 text), json, uuid, mixed "
        "(SQLite values of several types), unknown (only NULLs)"
    )
    rows: list[list[Any]]
    truncated: bool = Field(description="true when rows were left out: see truncated_by")
    truncated_by: Literal["max_rows", "max_bytes"] | None = Field(
        default=None,
        description="max_rows: the result had more rows than max_rows; max_bytes: the rows reached "
        "HUGDATA_ASK_MAX_RESULT_BYTES",
    )
    chart: dict[str, Any] | None = Field(description="a Vega-Lite v5 spec for the rows, when their shape suits one")
    tries: int
    tokens: int
    answered_by: Literal["llm", "offline_planner", "past_question"] = Field(
        description="who wrote the SQL: the configured LLM, the offline planner when none is configured, or a past "
        "successful question this one paraphrases (see reused_from)"
    )
    reused_from: ReusedFrom | None = Field(
        default=None, description="the past question whose SQL was reused (validated again and run fresh)"
    )
    explanation: ExplanationRead | None = Field(
        default=None,
        description="a reading of the SQL from its parsed tree, whoever wrote it: what it computes, from which tables, "
        "filtered, grouped, ordered and limited how, and which words of the question each part answers",
    )
    column_units: list[ColumnUnitRead | None] = Field(
        default_factory=list,
        description="per column: the unit and display format the project's semantic layer gives the column it shows "
        "(as is, or its sum, average, lowest or highest); null where none applies",
    )
    query_id: int | None = Field(
        default=None, description="this ask in the project's query log: rate it at /queries/{query_id}/feedback"
    )
    cached: bool = Field(
        default=False, description="true when answered from the project's memory of the same question (no new query)"
    )
    answered_at: datetime | None = Field(default=None, description="when a remembered answer was first computed")
    age_seconds: float | None = Field(
        default=None, description="how old a remembered answer is (also the `Age` header); null for a new one"
    )


_FRESH = '"cached":false,"answered_at":null,"age_seconds":null'


def runtime_ask_context(runtime: ApiRuntime, sessions: sessionmaker[Session]) -> AskContext:
    """What an ask needs, from the API's runtime, reading and writing through ``sessions``."""
    return ask_context(
        runtime.settings,
        sessions=sessions,
        vault=runtime.vault,
        embedder=embedder_for(runtime.settings),
        reads=runtime.reads,
    )


@router.post("/ask", response_model=AskResponse, responses=_ERRORS, dependencies=[Depends(ask_quota)])
async def ask_question(
    project_id: ProjectScope,
    body: AskRequest,
    caller: SessionlessCallerDep,
    runtime: RuntimeDep,
    cache_control: Annotated[str | None, Header(description="`no-cache` answers anew, as `fresh` does")] = None,
) -> Response:
    """SQL for ``question`` (from the LLM, or the offline planner without one), validated before it runs; rows and a
    chart when executed. Asks run on threads of their own, a few per project at a time (429 beyond that). The same
    question again within `HUGDATA_ANSWER_CACHE_TTL`, on the same schema and model, is answered from memory, unless
    the request asks for a fresh answer."""
    # A project key's ask reads, logs and remembers under row-level security, like its other requests.
    sessions = caller_sessions(runtime, caller, project_id)
    answerer = runtime.settings.llm_model if runtime.settings.llm_base_url else "offline_planner"
    key = question_key(body.question, execute=body.execute, max_rows=body.max_rows, answerer=answerer)
    ttl = runtime.settings.answer_cache_ttl
    fresh = body.fresh or "no-cache" in (cache_control or "").lower()
    if ttl.total_seconds() > 0 and not fresh:
        started = time.perf_counter()
        remembered = await run_in_threadpool(_recall, sessions, project_id, key)
        if remembered is not None:
            took = (time.perf_counter() - started) * 1000
            await count_ask(runtime, project_id, "memory", took / 1000)
            body_json, age = remembered
            headers = {"Server-Timing": server_timing({"memory": took}), "Age": str(int(age))}
            return Response(body_json, media_type="application/json", headers=headers)
    started = time.perf_counter()
    # The answer's lineage is parsed once the answer has gone out: no one waits on it.
    result = await answer_question(runtime, caller, project_id, sessions, body, lineage_later=True)
    body_json = answer_json(AskResponse, project_id, result)
    if ttl.total_seconds() > 0:
        remembering = time.perf_counter()
        await run_in_threadpool(_remember, sessions, project_id, key, body_json, ttl)
        result.timings_ms["remember"] = (time.perf_counter() - remembering) * 1000
    timing = server_timing({**result.timings_ms, "total": (time.perf_counter() - started) * 1000})
    after = (
        BackgroundTask(record_deferred_lineage, sessions, result.pending_lineage)
        if result.pending_lineage is not None
        else None
    )
    return Response(body_json, media_type="application/json", headers={"Server-Timing": timing}, background=after)


async def answer_question(
    runtime: ApiRuntime,
    caller: Caller,
    project_id: str,
    sessions: sessionmaker[Session],
    body: AskRequest,
    history: Sequence[PastTurn] | None = None,
    *,
    lineage_later: bool = False,
) -> AskResult:
    """One ask on the project's ask threads: the LLM while its daily budget lasts, else the offline planner;
    counted, and its tokens charged to the project."""
    started = time.perf_counter()
    context = runtime_ask_context(runtime, sessions)
    over_budget = None
    if context.writer is not None and not caller.is_admin:
        tier, budget = await run_in_threadpool(llm_budget, runtime, project_id)
        if budget.used >= budget.limit:
            # The day's LLM tokens are spent: the offline planner answers what it can until the budget resets.
            context, over_budget = dataclasses.replace(context, writer=None), (tier, budget)
    try:
        result = await runtime.asks.run(
            project_id,
            lambda: ask(
                context,
                project_id=project_id,
                question=body.question,
                execute=body.execute,
                max_rows=body.max_rows,
                history=history,
                lineage_later=lineage_later,
            ),
        )
    except QuestionNotAnswered as exc:
        await count_ask(runtime, project_id, exc.outcome, time.perf_counter() - started)
        if over_budget is not None and exc.outcome == "declined":
            tier, budget = over_budget
            raise refusal(project_id, tier, budget, budget.retry_after_s(runtime.clock())) from None
        raise
    await count_ask(runtime, project_id, result.answered_by, time.perf_counter() - started, tokens=result.tokens)
    if not caller.is_admin and result.tokens:
        await run_in_threadpool(spend_llm_tokens, runtime, project_id, result.tokens)
    return result


def answer_json(model: type[AskResponse], project_id: str, result: AskResult, **extra: Any) -> str:
    """The response body of ``result``; exact decimals go out as bare JSON numbers, which pydantic would write as
    strings, so the rows are written here."""
    fields = {**result.__dict__, **extra, "rows": []}
    rows = [[json_value(v) for v in row] for row in result.rows]
    body_json = model(project_id=project_id, **fields).model_dump_json()
    # `"rows":[]` cannot occur inside an earlier field, where every quote is escaped.
    return body_json.replace('"rows":[]', '"rows":' + rows_json(rows), 1)


def _recall(sessions: sessionmaker[Session], project_id: str, key: str) -> tuple[str, float] | None:
    with sessions() as session:
        found = recall(session, project_id=project_id, key=key)
    if found is None:
        return None
    age = max(0.0, (datetime.now(UTC) - found.answered_at).total_seconds())
    # The fields are the body's last and unique in it: quotes inside earlier string values are escaped.
    head, _, tail = found.response.rpartition(_FRESH)
    remembered = f'"cached":true,"answered_at":"{found.answered_at.isoformat()}","age_seconds":{age:.1f}'
    return head + remembered + tail, age


def _remember(sessions: sessionmaker[Session], project_id: str, key: str, body_json: str, ttl: timedelta) -> None:
    with sessions() as session:
        remember(session, project_id=project_id, key=key, response=body_json, ttl=ttl)
        session.commit()
