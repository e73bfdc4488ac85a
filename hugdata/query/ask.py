"""Ask: a plain-language question -> retrieval -> LLM -> validated SQL -> (optionally) rows and a chart, logged."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlglot
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hugdata.catalog.embeddings import Embedder
from hugdata.catalog.retrieval import SEARCH_DEPTH, TableRanking, fuse, order_tables
from hugdata.catalog.semantic import SemanticModel
from hugdata.conversations.changes import changes_between
from hugdata.conversations.followup_words import is_fragment
from hugdata.conversations.refine import Refinement
from hugdata.conversations.turns import PastTurn, refined_followup, with_thread_tables
from hugdata.db import read_retrying
from hugdata.explain.reading import answers_every_word, explain
from hugdata.lineage.store import AnswerLineage, record_answer_lineage
from hugdata.memory.paraphrases import REUSE_THRESHOLD, ReusablePair, column_values, may_reuse
from hugdata.observability.server_timing import Stopwatch
from hugdata.query.ask_reads import AskReads, ProjectSource, read_for_ask, read_project_source
from hugdata.query.charts import suggest_chart
from hugdata.query.execute import DEFAULT_MAX_RESULT_BYTES, execute_validated
from hugdata.query.llm import LlmSqlWriter
from hugdata.query.log import QueryLogEntry, write_ask_log
from hugdata.query.planner import PlannerDeclined, plan_question
from hugdata.query.planner_help import suggested_questions
from hugdata.query.prompt import build_prompt, feedback_message
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.query.validation import QueryRejected, ValidatedQuery, validate_query
from hugdata.query.values import SOURCE_VALUES, ReadValues, category_value_lookup, value_probe
from hugdata.semantic_layer.in_force import MODELS_IN_FORCE
from hugdata.semantic_layer.units import answer_units
from hugdata.tenants.asset_states import catalog_not_ready
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.errors import CatalogNotReady, QuestionNotAnswered
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import SourceLimits, open_source_engine
from hugdata.tenants.source_errors import classify_source_error
from hugdata.tenants.vault import CredentialVault


@dataclass(frozen=True)
class AskPolicy:
    max_tries: int = 3
    token_budget: int = 3000
    retrieval_k: int = SEARCH_DEPTH  # documents read from each search (meaning, words) before fusing
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES
    reuse_paraphrases: bool = True


@dataclass
class AskResult:
    question: str
    sql: str
    tables: list[str]
    executed: bool
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False
    truncated_by: str | None = None
    column_types: list[str] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    tries: int = 1
    tokens: int = 0
    answered_by: str = "llm"
    reused_from: dict[str, Any] | None = None
    explanation: dict[str, Any] | None = None
    column_units: list[dict[str, Any] | None] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # in a thread: what changed from the previous answer
    query_id: int | None = None  # the query log entry, which feedback names
    uncapped_sql: str | None = None  # the SQL without the row limit the validator added (what a follow-up refines)
    timings_ms: dict[str, float] = field(default_factory=dict)  # where the ask's time went (Server-Timing)
    # With lineage left for later: what record_deferred_lineage writes once the answer is on its way.
    pending_lineage: AnswerLineage | None = None


def record_deferred_lineage(sessions: sessionmaker[Session], pending: AnswerLineage) -> None:
    """Store ``pending``'s lineage (parsing its SQL): run after the response went out."""
    with sessions() as session:
        record_answer_lineage(session, pending)
        session.commit()


@dataclass(frozen=True)
class AskContext:
    """What an ask needs from the platform: its database, the tenant's credentials, the embedder and the LLM."""

    sessions: sessionmaker[Session]
    vault: CredentialVault
    embedder: Embedder
    writer: LlmSqlWriter | None
    limits: SourceLimits
    policy: AskPolicy
    # The API's autocommit connections under row-level security: an ask's reads, and its log entry, each go to the
    # platform database in one round trip. Without them (the assets) both run in a session.
    reads: Engine | None = None


class _SourceEngine:
    """The tenant's read-only engine, opened on first use and disposed once at the end of the ask."""

    def __init__(self, spec: DataSourceSpec, limits: SourceLimits) -> None:
        self.spec, self._limits, self._engine = spec, limits, None

    def __call__(self) -> Engine:
        if self._engine is None:
            self._engine = open_source_engine(self.spec, self._limits)
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def project_source(
    session: Session, project_id: str, vault: CredentialVault
) -> tuple[Dialect, SemanticModel, DataSourceSpec]:
    """The project's source dialect, its semantic model in force and its data source (password decrypted in memory)."""
    source = read_project_source(session, project_id, vault)
    return source.dialect, _model_in_force(source, lambda: nullcontext(session)), source.spec


def _model_in_force(source: ProjectSource, session: Callable[[], AbstractContextManager[Session]]) -> SemanticModel:
    found = MODELS_IN_FORCE.model_for(source.versions, session)
    if found is None:
        with session() as opened:
            raise CatalogNotReady(catalog_not_ready(opened, source.versions.project_id, "semantic model"))
    return found[1]


def _read_for_ask(ctx: AskContext, project_id: str, question: str, vector: Any, past: bool) -> AskReads:
    """The reads before planning: on the context's autocommit connections when it has them, else in a session."""
    kwargs: dict[str, Any] = {
        "project_id": project_id,
        "question": question,
        "query_vector": vector,
        "model_id": ctx.embedder.model_id,
        "depth": ctx.policy.retrieval_k,
        "past": past,
    }
    if ctx.reads is not None:
        return read_retrying(ctx.reads, lambda connection: read_for_ask(connection, ctx.vault, scoped=True, **kwargs))
    with ctx.sessions() as session:
        return read_for_ask(session.connection(), ctx.vault, scoped=False, **kwargs)


def _write_log(ctx: AskContext, entry: QueryLogEntry) -> None:
    if ctx.reads is not None:
        # Retried only on a connection found broken before the insert reached the server.
        read_retrying(ctx.reads, lambda connection: write_ask_log(connection, entry, scoped=True))
        return
    with ctx.sessions() as session:
        write_ask_log(session.connection(), entry, scoped=False)
        session.commit()


def ask(
    ctx: AskContext,
    *,
    project_id: str,
    question: str,
    execute: bool,
    max_rows: int,
    log: bool = True,
    reuse: bool = True,
    history: Sequence[PastTurn] | None = None,
    lineage_later: bool = False,
) -> AskResult:
    """Answer ``question`` for one project; every outcome, good or bad, is written to its query log (if ``log``).
    A paraphrase of a past successful question reuses its SQL (if ``reuse`` and the policy allow). In a thread,
    ``history`` holds its answered turns (empty on its first): the LLM sees them, the offline planner refines the
    last one; outside one it is None. With ``lineage_later`` the answer's lineage is not parsed here but returned
    as ``pending_lineage``, for the caller to record after answering."""
    in_thread = history is not None
    history = history or ()
    started = time.perf_counter()
    clock = Stopwatch()
    vector = ctx.embedder.embed([question])[0]
    clock.lap("embed")
    # A follow-up's words mean nothing without the turn before: a past question is not its paraphrase.
    may_reuse_past = reuse and ctx.policy.reuse_paraphrases and not history
    reads = _read_for_ask(ctx, project_id, question, vector, may_reuse_past)
    clock.lap("read")
    dialect, spec = reads.project.dialect, reads.project.spec
    model = _model_in_force(reads.project, ctx.sessions)
    clock.lap("model")
    ranking = with_thread_tables(order_tables(question, fuse([reads.by_meaning, reads.by_words]), model), history)
    clock.lap("retrieve")
    reusable = None
    if may_reuse_past and reads.past is not None:
        reusable = _reusable(reads.past, question, dialect, model, max_rows)
        clock.lap("reuse")
    entry = QueryLogEntry(project_id=project_id, question=question, valid=False, executed=False, tokens=0, tries=0,
                          answered_by="offline_planner" if ctx.writer is None else "llm")  # fmt: skip
    source = _SourceEngine(spec, ctx.limits)
    result_of: AskResult | None = None
    try:
        if reusable is not None:
            validated, pair = reusable
            entry.tries, entry.valid, entry.sql = 0, True, validated.sql
            result = AskResult(question, validated.sql, validated.tables, executed=False, tries=0)
            result.answered_by = entry.answered_by = "past_question"
            result.reused_from = {"question": pair.question, "similarity": round(pair.similarity, 4)}
        elif ctx.writer is None:
            read = SOURCE_VALUES.of(project_id, model)
            validated, changes = _plan_offline(
                question, ranking, dialect, model, max_rows, source, entry, history, read
            )
            result = AskResult(question, validated.sql, validated.tables, executed=False, answered_by="offline_planner")
            result.changes = changes
        else:
            validated, tries, tokens = _write_valid_sql(ctx, question, ranking, dialect, model, max_rows, entry,
                                                        history)  # fmt: skip
            result = AskResult(question, validated.sql, validated.tables, executed=False, tries=tries, tokens=tokens)
        result_of = result
        clock.lap("plan")
        if in_thread:  # only a thread keeps the SQL for the next turn to refine: no other ask parses it again
            result.uncapped_sql = _uncapped(validated, dialect)
        if history and result.answered_by == "llm":
            result.changes = changes_between(history[-1].sql, result.uncapped_sql or "", dialect=dialect, model=model)
        # A follow-up is read with the turns it refines: "top 5" ranks what the first question counted.
        asked = " ".join([*(t.question for t in history), question]) if result.changes else question
        explained = explain(validated.sql, dialect=dialect, model=model, question=asked, tree=validated.tree,
                            row_cap=max_rows + 1 if validated.limit_added else None)  # fmt: skip
        if result.changes:
            changed = "Changed from the previous answer: " + "; ".join(result.changes) + ". "
            explained = replace(explained, text=changed + explained.text)
        result.explanation = asdict(explained)
        clock.lap("explain")
        if execute:
            try:
                rows = execute_validated(
                    source(),
                    validated,
                    max_rows=max_rows,
                    max_bytes=ctx.policy.max_result_bytes,
                    limits=ctx.limits,
                )
            except SQLAlchemyError as exc:
                error = classify_source_error(exc, spec)
                entry.error_class = f"source:{error.kind.value}"
                raise QuestionNotAnswered(f"the query failed on the project's {error.message(spec)}") from None
            result.executed, result.columns, result.rows = True, rows.columns, rows.rows
            units = answer_units(validated.sql, dialect=dialect, model=model, tree=validated.tree)
            result.column_units = (
                [asdict(u) if u else None for u in units]
                if len(units) == len(rows.columns)
                else [None] * len(rows.columns)
            )
            result.truncated, result.truncated_by, result.column_types = (
                rows.truncated,
                rows.truncated_by,
                rows.column_types,
            )
            result.chart = suggest_chart(rows.columns, rows.rows)
            entry.executed, entry.rows = True, len(rows.rows)
            clock.lap("execute")
        return result
    finally:
        source.dispose()
        entry.latency_ms = int((time.perf_counter() - started) * 1000)
        if log:
            _write_log(ctx, entry)
            if result_of is not None:
                result_of.query_id = entry.id
            if entry.executed and entry.error_class is None and entry.sql and entry.id is not None:
                lineage = AnswerLineage(project_id, entry.id, question, entry.sql, dialect, model)
                if lineage_later and result_of is not None:
                    result_of.pending_lineage = lineage
                else:
                    record_deferred_lineage(ctx.sessions, lineage)
            clock.lap("log")
        if result_of is not None:
            result_of.timings_ms = clock.laps


def _reusable(
    pair: ReusablePair, question: str, dialect: Dialect, model: SemanticModel, max_rows: int
) -> tuple[ValidatedQuery, ReusablePair] | None:
    """The SQL of the past question ``pair`` when this one paraphrases it, validated against today's model; None
    when it does not, or when it no longer passes (it is then answered the usual way)."""
    if pair.similarity < REUSE_THRESHOLD:
        return None  # most asks stop here, before the model's column values are gathered
    if not may_reuse(pair.question, question, pair.similarity, values=column_values(model)):
        return None
    try:
        validated = validate_query(pair.sql, dialect=dialect, model=model, max_rows=max_rows)
    except QueryRejected:
        return None
    # "How many employees per office?" is near "How many employees?", but that SQL leaves "office" unanswered.
    if not answers_every_word(
        question, pair.sql, past_question=pair.question, dialect=dialect, model=model, row_cap=max_rows + 1
    ):
        return None
    return validated, pair


def _plan_offline(
    question: str,
    ranking: TableRanking,
    dialect: Dialect,
    model: SemanticModel,
    max_rows: int,
    source: _SourceEngine,
    entry: QueryLogEntry,
    history: Sequence[PastTurn] = (),
    read: ReadValues | None = None,
) -> tuple[ValidatedQuery, list[str]]:
    """The planner's SQL, validated, and in a thread what it changed from the previous turn's. ``read`` holds the
    source values the project's earlier asks read (the answer itself always runs on the source)."""
    entry.tries = 1
    values = category_value_lookup(source, dialect=dialect, model=model, read=read)
    probe = value_probe(source, dialect=dialect, model=model, read=read)
    changes: list[str] = []
    try:
        refined = refined_followup(question, history, dialect, model, values, probe)
        if isinstance(refined, Refinement):
            sql, changes = refined.sql, refined.changes
        else:
            if refined is not None and is_fragment(question):
                # "and by league" means nothing alone: planned as a question of its own it would answer another.
                raise PlannerDeclined(str(refined))
            try:
                sql = plan_question(question, model, dialect=dialect, hints=ranking.tables, values=values, probe=probe)
            except PlannerDeclined:
                if refined is not None:
                    raise PlannerDeclined(str(refined)) from None  # the follow-up's own reason is the one to give
                raise
    except PlannerDeclined as declined:
        entry.error_class = "planner_declined"
        examples = suggested_questions(model, ranking.tables, dialect)
        offer = f" It can answer, for example: {'; '.join(repr(q) for q in examples)}." if examples else ""
        raise QuestionNotAnswered(
            f"this question could not be answered: {declined}.{offer} This project has no language model "
            "configured, so only simple questions are answered.",
            outcome="declined",
            admin_hint="configure an OpenAI-compatible endpoint (HUGDATA_LLM_BASE_URL, HUGDATA_LLM_MODEL) to answer "
            "other questions",
        ) from None
    except SQLAlchemyError as exc:
        error = classify_source_error(exc, source.spec)
        entry.error_class = f"source:{error.kind.value}"
        raise QuestionNotAnswered(
            f"the offline planner could not read the project's {error.message(source.spec)}"
        ) from None
    entry.sql = sql
    # The planner's SQL passes the same gate as an LLM's: nothing reaches the source unvalidated.
    try:
        validated = validate_query(sql, dialect=dialect, model=model, max_rows=max_rows)
    except QueryRejected as rejected:
        entry.error_class = rejected.reason.value
        raise QuestionNotAnswered(f"the offline planner's SQL was refused: {rejected}", outcome="refused") from None
    entry.valid, entry.sql = True, validated.sql
    return validated, changes


def _uncapped(validated: ValidatedQuery, dialect: Dialect) -> str:
    if not validated.limit_added:
        return validated.sql
    tree = sqlglot.parse_one(validated.sql, read=sqlglot_dialect(dialect))
    tree.set("limit", None)
    return tree.sql(dialect=sqlglot_dialect(dialect))


def _write_valid_sql(
    ctx: AskContext,
    question: str,
    ranking: TableRanking,
    dialect: Dialect,
    model: SemanticModel,
    max_rows: int,
    entry: QueryLogEntry,
    history: Sequence[PastTurn] = (),
) -> tuple[ValidatedQuery, int, int]:
    assert ctx.writer is not None
    turns = [(t.question, t.sql) for t in history]
    messages = build_prompt(
        question, ranking, model, dialect=dialect, token_budget=ctx.policy.token_budget, history=turns
    ).messages
    last: QueryRejected | None = None
    for attempt in range(1, ctx.policy.max_tries + 1):
        answer = ctx.writer.write(messages)
        entry.tokens += answer.tokens
        entry.tries, entry.sql = attempt, answer.sql
        try:
            validated = validate_query(answer.sql, dialect=dialect, model=model, max_rows=max_rows)
        except QueryRejected as rejected:
            last = rejected
            entry.error_class = rejected.reason.value
            messages = messages + feedback_message(answer.sql, str(rejected))
            continue
        entry.valid, entry.sql, entry.error_class = True, validated.sql, None
        return validated, attempt, entry.tokens
    raise QuestionNotAnswered(
        f"no valid SQL after {ctx.policy.max_tries} tries; last refusal: {last}", outcome="refused"
    )
