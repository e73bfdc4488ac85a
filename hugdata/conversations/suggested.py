"""Questions to start a conversation with: over the project's most connected tables and its curated metrics, each
asked and answered before it is offered, plus the project's own recent successful questions. Kept per schema and
semantic-layer version, so a sync or a new layer refreshes them."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.catalog.retrieval import is_framework_table
from hugdata.catalog.semantic import Entity, SemanticModel
from hugdata.catalog.store import latest_semantic_model
from hugdata.catalog.words import singular_phrase
from hugdata.lineage.store import stale_query_ids
from hugdata.query.log import QueryLogEntry, succeeded
from hugdata.query.planner_help import candidate_questions, plural_label
from hugdata.semantic_layer.in_force import model_in_force
from hugdata.semantic_layer.store import current_layer
from hugdata.tenants.errors import QuestionNotAnswered
from hugdata.tenants.models import Base

MAX_SUGGESTIONS = 6
MAX_PER_TABLE = 2
MAX_PAST = 2
MAX_TRIED = 16  # asks spent finding them, at most


class SuggestedQuestions(Base):
    __tablename__ = "suggested_questions"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def fingerprint(session: Session, project_id: str) -> tuple[str, SemanticModel | None]:
    """What the suggestions depend on: the schema version of the model and the semantic layer's version."""
    latest = latest_semantic_model(session, project_id)
    layer = current_layer(session, project_id)
    model = model_in_force(session, project_id, latest[1]) if latest else None
    return f"schema {latest[0] if latest else 0}, layer {layer.version}", model


def stored_suggestions(session: Session, project_id: str, key: str) -> list[dict[str, Any]] | None:
    row = session.get(SuggestedQuestions, project_id)
    return list(row.questions) if row is not None and row.fingerprint == key else None


def store_suggestions(session: Session, project_id: str, key: str, questions: list[dict[str, Any]]) -> None:
    """Keep them for this version (caller commits)."""
    upsert = pg_insert(SuggestedQuestions).values(project_id=project_id, fingerprint=key, questions=questions)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=[SuggestedQuestions.project_id],
            set_={"fingerprint": key, "questions": questions, "computed_at": func.now()},
        )
    )


def important_entities(model: SemanticModel) -> list[Entity]:
    """Tables by how much of the model they connect to, then by size: the business's centre first."""
    links: dict[str, int] = {}
    for rel in model.relationships:
        links[rel.from_entity] = links.get(rel.from_entity, 0) + 1
        links[rel.to_entity] = links.get(rel.to_entity, 0) + 1
    kept = [e for e in model.entities if not is_framework_table(e.name)]
    return sorted(kept, key=lambda e: (-links.get(e.name, 0), -math.log1p(max(e.row_estimate or 0, 0)), e.name))


def metric_questions(model: SemanticModel) -> list[tuple[str, str]]:
    """(question, table) for each curated metric: over its default grain when it has a time column."""
    found = []
    for metric in model.definitions:
        grain = metric.grain or ("month" if metric.time_column else None)
        found.append((f"{metric.name} per {grain}" if grain else f"What is the {metric.name}?", metric.entity))
    return found


def find_suggestions(
    session: Session, project_id: str, model: SemanticModel, answer: Callable[[str], list[str]]
) -> list[dict[str, Any]]:
    """Up to MAX_SUGGESTIONS questions, each answered by ``answer`` (which returns the tables it read, or raises
    QuestionNotAnswered) before it is kept; varied: metrics first, at most two per table, then past questions."""
    kept: list[dict[str, Any]] = []
    per_table: dict[str, int] = {}
    tried = 0
    candidates = [(q, t, "metric") for q, t in metric_questions(model)] + _varied(model, important_entities(model))
    for question, table, source in candidates:
        if len(kept) >= MAX_SUGGESTIONS - MAX_PAST or tried >= MAX_TRIED:
            break
        if per_table.get(table, 0) >= MAX_PER_TABLE:
            continue
        tried += 1
        try:
            tables = answer(question)
        except QuestionNotAnswered:
            continue
        per_table[table] = per_table.get(table, 0) + 1
        kept.append({"question": question, "source": source, "tables": tables})
    asked = {k["question"].lower() for k in kept}
    for question in _past_questions(session, project_id):
        if len(kept) >= MAX_SUGGESTIONS:
            break
        if question.lower() not in asked:
            asked.add(question.lower())
            kept.append({"question": question, "source": "past_question", "tables": []})
    return kept


def _varied(model: SemanticModel, entities: list[Entity]) -> list[tuple[str, str, str]]:
    """Each table's richest question first (a total per month, a count per the thing it belongs to, then a plain
    count), table by table, then the next."""
    shapes = [[*_per_parent(model, e), *reversed(candidate_questions(e))] for e in entities]
    deepest = max(map(len, shapes), default=0)
    return [(qs[rank], e.name, "planner") for rank in range(deepest) for e, qs in zip(entities, shapes, strict=True)
            if rank < len(qs)]  # fmt: skip


def _per_parent(model: SemanticModel, entity: Entity) -> list[str]:
    """ "How many products are there per category?": rows counted per the thing they belong to."""
    for link in model.relationships:
        parent = model.entity(link.to_entity)
        if link.from_entity == entity.name and parent is not None and parent.name != entity.name:
            return [f"How many {plural_label(entity)} are there per {singular_phrase(parent.table)}?"]
    return []


def _past_questions(session: Session, project_id: str) -> list[str]:
    """The project's recent questions that were answered and ran, and that no schema change has made stale, most
    asked first."""
    newest = func.max(QueryLogEntry.id)
    rows = session.execute(
        select(QueryLogEntry.question, func.count(), newest)
        .where(*succeeded(project_id))
        .group_by(QueryLogEntry.question)
        .order_by(func.count().desc(), newest.desc())
        .limit(MAX_PAST * 3)
    ).all()
    stale = stale_query_ids(session, project_id, [int(r[2]) for r in rows])
    return [str(r[0]) for r in rows if int(r[2]) not in stale][:MAX_PAST]
