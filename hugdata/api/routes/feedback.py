"""Feedback on answers: rate an ask up or down (optionally with corrected SQL), and review the golden-question
candidates ratings make."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from hugdata.api.deps import CallerDep, CurrentProject, RuntimeDep, SessionDep, caller_sessions
from hugdata.api.routes.ask import runtime_ask_context
from hugdata.api.routes.audit import write_audit
from hugdata.api.routes.quality import GoldenQuestionRead
from hugdata.api.schemas import ErrorBody
from hugdata.feedback.corrections import CorrectionRefused, check_correction
from hugdata.feedback.store import (
    CandidateNotFound,
    NothingToRateUp,
    QueryNotFound,
    accept_candidate,
    candidate_sql,
    logged_ask,
    pending_candidates,
    rate_answer,
    reject_candidate,
)

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["feedback"])
_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 404: {"model": ErrorBody}}


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"]
    corrected_sql: str | None = Field(
        default=None, min_length=1, max_length=20_000, description="the SQL that answers the question right"
    )
    note: str | None = Field(default=None, max_length=2000)


class FeedbackRead(BaseModel):
    id: int
    query_id: int
    rating: str
    candidate: str = Field(
        description="none (nothing to keep), pending (a golden-question candidate awaiting review), accepted, "
        "rejected, or duplicate (the question already is a golden question)"
    )
    golden_question_id: int | None
    created_at: datetime | None


class CandidateRead(BaseModel):
    id: int = Field(description="the feedback's ID: accept or reject it by this")
    query_id: int
    question: str
    sql: str = Field(description="the corrected SQL, or the rated answer's")
    rating: str
    note: str | None
    end_user: str | None
    created_at: datetime | None


class CandidateList(BaseModel):
    items: list[CandidateRead]


@router.post(
    "/queries/{query_id}/feedback",
    response_model=FeedbackRead,
    status_code=status.HTTP_201_CREATED,
    responses={**_ERRORS, 422: {"model": ErrorBody}},
)
async def rate_query(
    project: CurrentProject,
    query_id: int,
    body: FeedbackCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: CallerDep,
    end_user: Annotated[str | None, Header(alias="X-HugData-User", max_length=200)] = None,
) -> FeedbackRead:
    """Rate one answer. Rated up, or corrected with SQL that validates and runs, it becomes a golden-question
    candidate (accepted at once when the project's `accept_golden_candidates` is on)."""
    try:
        entry = await run_in_threadpool(logged_ask, session, project.id, query_id)
    except QueryNotFound as missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(missing)) from None
    if body.corrected_sql is not None:
        sessions = caller_sessions(runtime, caller, project.id)
        try:
            await run_in_threadpool(check_correction, runtime_ask_context(runtime, sessions), project.id,
                                    body.corrected_sql)  # fmt: skip
        except CorrectionRefused as refused:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None

    def store() -> FeedbackRead:
        try:
            feedback = rate_answer(session, project, entry, rating=body.rating, corrected_sql=body.corrected_sql,
                                   note=body.note, end_user=end_user)  # fmt: skip
        except NothingToRateUp as nothing:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(nothing)) from None
        session.commit()
        return FeedbackRead.model_validate(feedback, from_attributes=True)

    return await run_in_threadpool(store)


@router.get("/golden-candidates", response_model=CandidateList, responses=_ERRORS)
def list_candidates(
    project: CurrentProject, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> CandidateList:
    """Answers rated up or corrected, awaiting a review, oldest first."""
    return CandidateList(
        items=[
            CandidateRead(
                id=f.id,
                query_id=f.query_id,
                question=e.question,
                sql=candidate_sql(f, e),
                rating=f.rating,
                note=f.note,
                end_user=f.end_user,
                created_at=f.created_at,
            )  # fmt: skip
            for f, e in pending_candidates(session, project.id, limit)
        ]
    )


@router.post(
    "/golden-candidates/{feedback_id}/accept",
    response_model=GoldenQuestionRead,
    status_code=status.HTTP_201_CREATED,
    responses={**_ERRORS, 409: {"model": ErrorBody}},
)
def accept(
    project: CurrentProject, feedback_id: int, session: SessionDep, runtime: RuntimeDep, caller: CallerDep
) -> GoldenQuestionRead:
    """Make the candidate a golden question: `model_accuracy` asks it on every analytics refresh."""
    try:
        golden = accept_candidate(session, project, feedback_id)
    except CandidateNotFound as missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(missing)) from None
    if golden is None:
        session.commit()
        raise HTTPException(status.HTTP_409_CONFLICT, "the question already is a golden question")
    session.commit()
    # A project key's session runs under the tenant role, which may not touch the audit log: the platform writes it.
    with runtime.sessions() as platform:
        write_audit(platform, runtime, caller, "golden_candidate.accept", project.id, {"feedback_id": feedback_id})
        platform.commit()
    return GoldenQuestionRead.model_validate(golden, from_attributes=True)


@router.post(
    "/golden-candidates/{feedback_id}/reject",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    responses=_ERRORS,
)
def reject(project: CurrentProject, feedback_id: int, session: SessionDep) -> None:
    """Keep the rating, drop the candidate."""
    try:
        reject_candidate(session, project.id, feedback_id)
    except CandidateNotFound as missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(missing)) from None
    session.commit()
