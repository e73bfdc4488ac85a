"""Ask a project's database a question in plain language."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from hugdata.api.deps import ProjectScope, RuntimeDep, SessionlessCallerDep
from hugdata.api.runtime import ApiRuntime
from hugdata.api.schemas import ErrorBody
from hugdata.catalog.embedder_factory import embedder_for
from hugdata.query.ask import AskContext, ask
from hugdata.query.context import ask_context
from hugdata.query.results import COLUMN_TYPES, json_value, rows_json
from hugdata.tenants.keys import Caller
from hugdata.tenants.row_security import tenant_sessions

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
    answered_by: Literal["llm", "offline_planner"] = Field(
        description="who wrote the SQL: the configured LLM, or the offline planner when none is configured"
    )


def _context(runtime: ApiRuntime, caller: Caller, project_id: str) -> AskContext:
    # A project key's ask reads and logs under row-level security, like its other requests.
    sessions = runtime.sessions if caller.is_admin else tenant_sessions(runtime.sessions, project_id)
    return ask_context(
        runtime.settings, sessions=sessions, vault=runtime.vault, embedder=embedder_for(runtime.settings)
    )


@router.post("/ask", response_model=AskResponse, responses=_ERRORS)
async def ask_question(
    project_id: ProjectScope, body: AskRequest, caller: SessionlessCallerDep, runtime: RuntimeDep
) -> Response:
    """SQL for ``question`` (from the LLM, or the offline planner without one), validated before it runs; rows and a
    chart when executed. Asks run on threads of their own, a few per project at a time (429 beyond that)."""
    result = await runtime.asks.run(
        project_id,
        lambda: ask(
            _context(runtime, caller, project_id),
            project_id=project_id,
            question=body.question,
            execute=body.execute,
            max_rows=body.max_rows,
        ),
    )
    fields = {**result.__dict__, "rows": []}
    rows = [[json_value(v) for v in row] for row in result.rows]
    body_json = AskResponse(project_id=project_id, **fields).model_dump_json()
    # Exact decimals go out as bare JSON numbers, which pydantic would write as strings: the rows are written here.
    # `"rows":[]` cannot occur inside an earlier field, where every quote is escaped.
    body_json = body_json.replace('"rows":[]', '"rows":' + rows_json(rows), 1)
    return Response(body_json, media_type="application/json")
