"""Conversation threads: start one, ask within it (each ask sees the thread's answered turns), list and read them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session, sessionmaker

from hugdata.api.deps import ProjectScope, RuntimeDep, SessionlessCallerDep, caller_sessions
from hugdata.api.quotas import ask_quota
from hugdata.api.routes.ask import AskRequest, AskResponse, ExplanationRead, answer_json, answer_question
from hugdata.api.schemas import ErrorBody
from hugdata.conversations.store import (
    Thread,
    ThreadFull,
    ThreadNotFound,
    TurnOutcome,
    get_thread,
    history,
    list_threads,
    record_turn,
    reserve_turn,
    start_thread,
    thread_turns,
)
from hugdata.conversations.turns import PastTurn
from hugdata.tenants.errors import ProjectNotFound, QuestionNotAnswered
from hugdata.tenants.registry import project_exists

router = APIRouter(prefix="/v1/projects/{project_id}/threads", tags=["threads"])
_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 404: {"model": ErrorBody}}
EndUser = Annotated[
    str | None,
    Header(
        alias="X-HugData-User",
        max_length=200,
        description="the caller's own opaque id for the person asking (HugData's user); kept on the thread",
    ),
]


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200, description="defaults to the first question")


class ThreadRead(BaseModel):
    id: int
    project_id: str
    end_user: str | None
    title: str
    turn_count: int
    created_at: datetime | None
    updated_at: datetime | None


class ThreadList(BaseModel):
    items: list[ThreadRead]
    next_before: int | None = Field(description="pass as `before` for the next (older) page; null on the last")


class TurnRead(BaseModel):
    turn: int
    question: str
    outcome: str = Field(description="answered, declined, refused or failed")
    sql: str | None
    answered_by: str | None
    explanation: ExplanationRead | None
    changes: list[str] = Field(description="what this turn changed from the previous answer")
    columns: list[str]
    row_count: int | None = Field(description="rows returned (null when not executed)")
    error: str | None = Field(description="why the turn was not answered")
    query_id: int | None
    created_at: datetime | None


class ThreadDetail(ThreadRead):
    turns: list[TurnRead] = Field(description="oldest first")


class ThreadAskResponse(AskResponse):
    thread_id: int
    turn: int
    changes: list[str] = Field(
        default_factory=list, description="what this answer changed from the thread's previous answer"
    )


@router.post("", response_model=ThreadRead, status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def create_thread(
    project_id: ProjectScope,
    body: ThreadCreate,
    caller: SessionlessCallerDep,
    runtime: RuntimeDep,
    end_user: EndUser = None,
) -> ThreadRead:
    """A new, empty thread; asks in it see its earlier turns. Threads idle longer than HUGDATA_THREAD_RETENTION
    are removed."""
    sessions = caller_sessions(runtime, caller, project_id)

    def create() -> ThreadRead:
        with sessions() as session:
            _require_project(session, project_id)
            thread = start_thread(session, project_id, title=body.title or "", end_user=end_user,
                                  retention=runtime.settings.thread_retention)  # fmt: skip
            session.commit()
            return _thread(thread)

    return await run_in_threadpool(create)


@router.get("", response_model=ThreadList, responses=_ERRORS)
async def read_threads(
    project_id: ProjectScope,
    caller: SessionlessCallerDep,
    runtime: RuntimeDep,
    end_user: Annotated[str | None, Query(max_length=200, description="only this end user's threads")] = None,
    before: Annotated[int | None, Query(ge=1, description="threads older than this ID (next_before)")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ThreadList:
    """The project's threads, newest first."""
    sessions = caller_sessions(runtime, caller, project_id)

    def read() -> ThreadList:
        with sessions() as session:
            _require_project(session, project_id)
            found = list_threads(session, project_id, end_user=end_user, before=before, limit=limit + 1)
        page = found[:limit]
        return ThreadList(items=[_thread(t) for t in page], next_before=page[-1].id if len(found) > limit else None)

    return await run_in_threadpool(read)


@router.get("/{thread_id}", response_model=ThreadDetail, responses=_ERRORS)
async def read_thread(
    project_id: ProjectScope, thread_id: int, caller: SessionlessCallerDep, runtime: RuntimeDep
) -> ThreadDetail:
    """One thread with its turns: question, SQL, explanation, what changed, and a summary of the result."""
    sessions = caller_sessions(runtime, caller, project_id)

    def read() -> ThreadDetail:
        with sessions() as session:
            thread = _found(session, project_id, thread_id)
            turns = thread_turns(session, project_id, thread_id)
            return ThreadDetail(**_thread(thread).model_dump(),
                                turns=[TurnRead.model_validate(t, from_attributes=True) for t in turns])  # fmt: skip

    return await run_in_threadpool(read)


@router.post(
    "/{thread_id}/ask",
    response_model=ThreadAskResponse,
    responses={**_ERRORS, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}, 429: {"model": ErrorBody}},
    dependencies=[Depends(ask_quota)],
)
async def ask_in_thread(
    project_id: ProjectScope, thread_id: int, body: AskRequest, caller: SessionlessCallerDep, runtime: RuntimeDep
) -> Response:
    """Ask within the thread: the LLM sees its recent turns (questions and SQL); without one, the offline planner
    applies a follow-up ("only 2025", "by month instead", "top 5") to the previous answer, or declines naming the
    words it could not apply. The turn is stored whatever the outcome."""
    sessions = caller_sessions(runtime, caller, project_id)
    thread, number, past = await run_in_threadpool(_begin_turn, sessions, project_id, thread_id, body.question,
                                                   runtime.settings.thread_max_turns)  # fmt: skip
    try:
        result = await answer_question(runtime, caller, project_id, sessions, body, past)
    except QuestionNotAnswered as exc:
        await run_in_threadpool(_end_turn, sessions, thread, number, body.question,
                                TurnOutcome(exc.outcome if exc.outcome in ("declined", "refused") else "failed",
                                            error=str(exc)))  # fmt: skip
        raise
    await run_in_threadpool(_end_turn, sessions, thread, number, body.question, TurnOutcome("answered", result))
    body_json = answer_json(ThreadAskResponse, project_id, result, thread_id=thread_id, turn=number)
    return Response(body_json, media_type="application/json")


def _begin_turn(
    sessions: sessionmaker[Session], project_id: str, thread_id: int, question: str, max_turns: int
) -> tuple[Thread, int, list[PastTurn]]:
    with sessions() as session:
        thread = _found(session, project_id, thread_id)
        try:
            number = reserve_turn(session, thread, max_turns=max_turns)
        except ThreadFull as full:
            raise HTTPException(status.HTTP_409_CONFLICT, str(full)) from None
        if not thread.title:
            thread.title = question[:200]
        past = history(thread_turns(session, project_id, thread_id))
        session.commit()
        return thread, number, past


def _end_turn(
    sessions: sessionmaker[Session], thread: Thread, number: int, question: str, outcome: TurnOutcome
) -> None:
    with sessions() as session:
        record_turn(session, thread, number, question, outcome)
        session.commit()


def _require_project(session: Session, project_id: str) -> None:
    # An admin's scope does not check that the project exists: a thread of no project is a 404, not a broken key.
    if not project_exists(session, project_id):
        raise ProjectNotFound(f"project {project_id!r} not found")


def _found(session: Session, project_id: str, thread_id: int) -> Thread:
    try:
        return get_thread(session, project_id, thread_id)
    except ThreadNotFound as missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(missing)) from None


def _thread(thread: Thread) -> ThreadRead:
    return ThreadRead(id=thread.id, project_id=thread.project_id, end_user=thread.end_user, title=thread.title,
                      turn_count=thread.turns, created_at=thread.created_at, updated_at=thread.updated_at)  # fmt: skip
