"""A project's answer quality: golden questions with their accuracy runs, and the query optimization report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, status
from fastapi import Path as FastApiPath
from pydantic import BaseModel, ConfigDict, Field

from hugdata.api.deps import CurrentProject, SessionDep
from hugdata.api.schemas import ErrorBody
from hugdata.query.golden import accuracy_runs, add_golden_question, delete_golden_question, golden_questions
from hugdata.query.quality_models import OptimizationReport
from hugdata.tenants.errors import CatalogNotReady

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["quality"])
_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 404: {"model": ErrorBody}}
ACCURACY_RUNS_SHOWN = 20


class GoldenQuestionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2000)
    expected_sql: str = Field(
        min_length=1, max_length=20_000, description="SQL whose result is the right answer; validated like any ask"
    )


class GoldenQuestionRead(BaseModel):
    id: int
    question: str
    expected_sql: str
    created_at: datetime


class AccuracyRunRead(BaseModel):
    computed_at: datetime
    answered_by: str
    total: int
    correct: int
    accuracy: float | None = Field(description="correct / questions whose reference SQL still runs")
    results: list[dict[str, Any]]


class GoldenQuestionList(BaseModel):
    items: list[GoldenQuestionRead]
    accuracy_runs: list[AccuracyRunRead] = Field(description="newest first; written by the model_accuracy asset")


class OptimizationRead(BaseModel):
    project_id: str
    computed_at: datetime
    report: dict[str, Any]


@router.post(
    "/golden-questions",
    response_model=GoldenQuestionRead,
    status_code=status.HTTP_201_CREATED,
    responses={**_ERRORS, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def create_golden_question(
    project: CurrentProject, body: GoldenQuestionCreate, session: SessionDep
) -> GoldenQuestionRead:
    """Add a question with the SQL of its right answer; `model_accuracy` asks it on every analytics refresh."""
    golden = add_golden_question(session, project, question=body.question, expected_sql=body.expected_sql)
    session.commit()
    return GoldenQuestionRead.model_validate(golden, from_attributes=True)


@router.get("/golden-questions", response_model=GoldenQuestionList, responses=_ERRORS)
def list_golden_questions(project: CurrentProject, session: SessionDep) -> GoldenQuestionList:
    """The project's golden questions and its latest accuracy runs (accuracy over time)."""
    questions = golden_questions(session, project.id)
    return GoldenQuestionList(
        items=[GoldenQuestionRead.model_validate(g, from_attributes=True) for g in questions],
        accuracy_runs=[
            AccuracyRunRead.model_validate(run, from_attributes=True)
            for run in accuracy_runs(session, project.id, ACCURACY_RUNS_SHOWN)
        ],
    )


@router.delete(
    "/golden-questions/{question_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS, response_model=None
)
def remove_golden_question(
    project: CurrentProject, question_id: Annotated[int, FastApiPath(ge=1, le=2**62)], session: SessionDep
) -> None:
    """Stop asking one golden question."""
    delete_golden_question(session, project.id, question_id)
    session.commit()


@router.get("/optimizations", response_model=OptimizationRead, responses={**_ERRORS, 409: {"model": ErrorBody}})
def read_optimizations(project: CurrentProject, session: SessionDep) -> OptimizationRead:
    """The latest `query_optimization_report`: CREATE INDEX suggestions ranked by use x table size, and EXPLAIN
    costs of the slowest queries."""
    row = session.get(OptimizationReport, project.id)
    if row is None:
        raise CatalogNotReady(f"project {project.id!r} has no optimization report yet; analytics_refresh has not run")
    return OptimizationRead(project_id=project.id, computed_at=row.computed_at, report=row.report)
