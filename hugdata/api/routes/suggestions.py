"""Suggested questions: what a tenant's users can ask to start, each answered before it is offered."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from hugdata.api.deps import ProjectScope, RuntimeDep, SessionlessCallerDep, caller_sessions
from hugdata.api.routes.ask import runtime_ask_context
from hugdata.api.schemas import ErrorBody
from hugdata.conversations.suggested import find_suggestions, fingerprint, store_suggestions, stored_suggestions
from hugdata.query.ask import ask
from hugdata.tenants.asset_states import catalog_not_ready
from hugdata.tenants.errors import CatalogNotReady, ProjectNotFound
from hugdata.tenants.registry import project_exists

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["threads"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
}


class SuggestedQuestion(BaseModel):
    question: str
    source: Literal["metric", "planner", "past_question"] = Field(
        description="metric: over a curated metric; planner: over one of the most connected tables; past_question: "
        "a question the project's users asked and got answered"
    )
    tables: list[str] = Field(description="the tables its answer read (empty for a past question)")


class SuggestedQuestions(BaseModel):
    project_id: str
    computed_for: str = Field(description="the schema and semantic-layer versions they were answered on")
    questions: list[SuggestedQuestion]


@router.get("/suggested-questions", response_model=SuggestedQuestions, responses=_ERRORS)
async def suggested_questions(
    project_id: ProjectScope, caller: SessionlessCallerDep, runtime: RuntimeDep
) -> SuggestedQuestions:
    """A handful of varied questions the project answers today: over its curated metrics and its most connected
    tables (each asked of the offline planner and run on the source before it is offered), and its users' own recent
    answered questions. Found again after a schema sync or a new semantic-layer version."""
    sessions = caller_sessions(runtime, caller, project_id)
    # The planner answers them whether or not an LLM is configured: suggesting spends no tokens.
    context = dataclasses.replace(runtime_ask_context(runtime, sessions), writer=None)

    def answered_tables(question: str) -> list[str]:
        result = ask(context, project_id=project_id, question=question, execute=True, max_rows=5, log=False,
                     reuse=False)  # fmt: skip
        return result.tables

    def find() -> SuggestedQuestions:
        with sessions() as session:
            if not project_exists(session, project_id):
                raise ProjectNotFound(f"project {project_id!r} not found")
            key, model = fingerprint(session, project_id)
            if model is None:
                raise CatalogNotReady(catalog_not_ready(session, project_id, "semantic model"))
            found = stored_suggestions(session, project_id, key)
            if found is None:
                found = find_suggestions(session, project_id, model, answered_tables)
                store_suggestions(session, project_id, key, found)
                session.commit()
        return SuggestedQuestions(project_id=project_id, computed_for=key,
                                  questions=[SuggestedQuestion(**q) for q in found])  # fmt: skip

    return await run_in_threadpool(find)
