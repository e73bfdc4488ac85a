"""Golden questions asked the way users ask them, and their answers compared with the known right results."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy.exc import SQLAlchemyError

from hugdata.lineage.store import stale_golden_questions
from hugdata.query.ask import AskContext, ask, project_source
from hugdata.query.compare import is_ordered, results_match
from hugdata.query.execute import run_read_query
from hugdata.query.golden import golden_questions
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.query.validation import QueryRejected
from hugdata.tenants.errors import QuestionNotAnswered
from hugdata.tenants.source_engines import open_source_engine

Outcome = Literal["correct", "wrong", "not_answered", "reference_failed", "stale"]
MAX_ROWS = 1000


def brief(text: str, limit: int = 300) -> str:
    """``text`` whole when it fits, else cut at the last word boundary within ``limit`` and marked with an ellipsis
    (never mid-word: "HUGDAT" reads as a wrong name)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:.") + "…"


@dataclass(frozen=True)
class GoldenResult:
    question_id: int
    question: str
    outcome: Outcome
    sql: str | None
    detail: str | None = None


@dataclass(frozen=True)
class AccuracyReport:
    answered_by: str
    results: list[GoldenResult]

    @property
    def scored(self) -> list[GoldenResult]:
        """Results that count: a reference SQL that no longer runs, or reads what a schema change removed or retyped,
        says nothing about the answerer."""
        return [r for r in self.results if r.outcome not in ("reference_failed", "stale")]

    @property
    def correct(self) -> int:
        return sum(r.outcome == "correct" for r in self.results)

    @property
    def accuracy(self) -> float | None:
        return round(self.correct / len(self.scored), 4) if self.scored else None

    def result_rows(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.results]


def evaluate_golden_questions(ctx: AskContext, project_id: str) -> AccuracyReport:
    """Ask each of the project's golden questions (not logged as user asks) and score the results; a project
    without golden questions gets an empty report and its database is not opened."""
    answered_by = "llm" if ctx.writer is not None else "offline_planner"
    results: list[GoldenResult] = []
    with ctx.sessions() as session:
        questions = golden_questions(session, project_id)
        if not questions:
            return AccuracyReport(answered_by=answered_by, results=results)
        stale = stale_golden_questions(session, project_id)
        dialect, model, spec = project_source(session, project_id, ctx.vault)
    engine = open_source_engine(spec, ctx.limits)
    try:
        for golden in questions:
            if golden.id in stale:
                results.append(GoldenResult(golden.id, golden.question, "stale", None, brief(stale[golden.id])))
                continue
            try:
                # Under the same limits as any ask: the reference SQL is tenant-written too.
                expected = run_read_query(
                    engine, golden.expected_sql, dialect=dialect, model=model, max_rows=MAX_ROWS,
                    max_bytes=ctx.policy.max_result_bytes, limits=ctx.limits,
                )  # fmt: skip
            except (QueryRejected, SQLAlchemyError) as exc:
                results.append(GoldenResult(golden.id, golden.question, "reference_failed", None, type(exc).__name__))
                continue
            try:
                # Scored as the model answers, never from a past user's SQL.
                answer = ask(ctx, project_id=project_id, question=golden.question, execute=True, max_rows=MAX_ROWS,
                             log=False, reuse=False)  # fmt: skip
            except QuestionNotAnswered as exc:
                results.append(GoldenResult(golden.id, golden.question, "not_answered", None, brief(str(exc))))
                continue
            ordered = is_ordered(golden.expected_sql, sqlglot_dialect(dialect))
            right = results_match(expected.rows, answer.rows, ordered=ordered)
            results.append(GoldenResult(golden.id, golden.question, "correct" if right else "wrong", answer.sql))
    finally:
        engine.dispose()
    return AccuracyReport(answered_by=answered_by, results=results)
