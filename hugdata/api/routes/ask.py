"""Ask a project's database a question in plain language."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from hugdata.api.deps import ProjectScope, RuntimeDep, SessionlessCallerDep
from hugdata.api.runtime import ApiRuntime
from hugdata.api.schemas import ErrorBody
from hugdata.catalog.embedder_factory import embedder_for
from hugdata.query.ask import AskContext, ask
from hugdata.query.context import ask_context
from hugdata.tenants.keys import Caller
from hugdata.tenants.row_security import tenant_sessions

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["ask"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


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
    rows: list[list[Any]]
    truncated: bool
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
) -> AskResponse:
    """SQL for ``question`` (from the LLM, or the offline planner without one), validated before it runs; rows and a
    chart when executed."""
    result = await run_in_threadpool(
        lambda: ask(
            _context(runtime, caller, project_id),
            project_id=project_id,
            question=body.question,
            execute=body.execute,
            max_rows=body.max_rows,
        )
    )
    return AskResponse(project_id=project_id, **result.__dict__)
