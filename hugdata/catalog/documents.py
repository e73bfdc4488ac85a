"""Retrieval documents: one per table, column, relationship and metric, written as plain language."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from hugdata.catalog.semantic import ColumnSemantics, Entity, Metric, MetricDefinition, Relationship, SemanticModel
from hugdata.catalog.words import humanize, indefinite, singular_phrase

DocumentKind = Literal["table", "column", "relationship", "metric", "past_query"]
# The kinds schema_vector_index owns; past_query documents are query_history_index's.
SCHEMA_DOCUMENT_KINDS: tuple[DocumentKind, ...] = ("table", "column", "relationship", "metric")
DOCUMENT_KINDS: tuple[DocumentKind, ...] = (*SCHEMA_DOCUMENT_KINDS, "past_query")


@dataclass(frozen=True)
class Document:
    """``key`` is unique within a project: kind plus the schema objects it describes."""

    key: str
    kind: DocumentKind
    title: str
    content: str
    tables: list[str] = field(default_factory=list)
    column: str | None = None

    @property
    def embedded_text(self) -> str:
        """What the model sees. Metric and relationship texts already name their tables, so their titles are left
        out: every token costs embedding time (measured: titles there did not change recall). A past query is
        found by its question alone."""
        if self.kind == "past_query":
            return self.title  # the question: a new question is matched against old questions
        return f"{self.title}. {self.content}" if self.kind in ("table", "column") else self.content

    def content_hash(self, model_id: str) -> str:
        """Changes when the embedded text or the embedding model changes, and only then."""
        return hashlib.sha256(f"{model_id}\n{self.embedded_text}".encode()).hexdigest()


def _short(entity_name: str) -> str:
    return entity_name.split(".", 1)[1]


_VALUES_PER_COLUMN = 8


def _label(name: str, label: str) -> str:
    return label or humanize(name)


def _values(column: ColumnSemantics, limit: int = _VALUES_PER_COLUMN) -> str:
    return ", ".join(column.values[:limit])


def _table_document(entity: Entity, model: SemanticModel) -> Document:
    labels = {e.name: _label(e.table, e.label) for e in model.entities}
    related = sorted(
        {r.to_entity for r in model.relationships if r.from_entity == entity.name}
        | {r.from_entity for r in model.relationships if r.to_entity == entity.name} - {entity.name}
    )
    columns = ", ".join(_label(c.name, c.label) for c in entity.columns)
    text = [entity.description, f"Columns: {columns}."]
    if entity.synonyms:  # the tenant's own words for the table
        text.append(f"Also called: {', '.join(entity.synonyms)}.")
    if related:
        text.append(f"Related tables: {', '.join(labels.get(t, _short(t)) for t in related)}.")
    money = [_label(c.name, c.label) for c in entity.columns if c.money]
    if money:
        text.append(f"Money amounts (revenue, sales, spend): {', '.join(money)}.")
    categories = [c for c in entity.columns if c.values][:3]
    if categories:
        text.append(" ".join(f"{_label(c.name, c.label)}: {_values(c, 5)}." for c in categories))
    return Document(
        key=f"table:{entity.name}",
        kind="table",
        title=f"{entity.table} table",
        content=" ".join(text),
        tables=[entity.name],
    )


def _column_documents(entity: Entity) -> list[Document]:
    documents = []
    for column in entity.columns:
        text = f"{_label(column.name, column.label)} in {_label(entity.table, entity.label)}: {column.description}"
        if column.values:
            text += f" Values: {_values(column)}."
        if column.synonyms:
            text += f" Also called: {', '.join(column.synonyms)}."
        if column.value_synonyms:
            text += " Said as: " + ", ".join(f"{k} ({v})" for k, v in column.value_synonyms.items()) + "."
        if column.money:
            text += " An amount of money: what revenue, sales or spend add up."
        documents.append(
            Document(
                key=f"column:{entity.name}.{column.name}",
                kind="column",
                title=f"{entity.table}.{column.name}",
                content=text,
                tables=[entity.name],
                column=column.name,
            )
        )
    return documents


def _relationship_document(rel: Relationship, labels: dict[str, str]) -> Document:
    source, target = _short(rel.from_entity), _short(rel.to_entity)
    many, one = labels.get(rel.from_entity, humanize(source)), labels.get(rel.to_entity, humanize(target))
    pairs = ", ".join(f"{source}.{a} = {target}.{b}" for a, b in zip(rel.from_columns, rel.to_columns, strict=False))
    text = (
        f"Each {singular_phrase(many)} belongs to one {singular_phrase(one)}; {indefinite(singular_phrase(one))} "
        f"has many {many}. Join {pairs}. ({rel.source}, confidence {rel.confidence:.2f})"
    )
    return Document(
        key=f"relationship:{rel.from_entity}({','.join(rel.from_columns)})->{rel.to_entity}",
        kind="relationship",
        title=f"{source} to {target}",
        content=text,
        tables=[rel.from_entity, rel.to_entity],
    )


def _metric_document(metric: Metric, labels: dict[str, str]) -> Document:
    table = _short(metric.entity)
    expression = "count(*)" if metric.column is None else f"sum or avg of {table}.{metric.column}"
    text = f"{metric.description.capitalize()}: {expression} over {labels.get(metric.entity, humanize(table))}."
    if metric.time_dimension:
        text += f" By {humanize(metric.time_dimension)}."
    return Document(
        key=f"metric:{metric.entity}.{metric.name}",
        kind="metric",
        title=metric.description,
        content=text,
        tables=[metric.entity],
        column=metric.column,
    )


def build_documents(model: SemanticModel) -> list[Document]:
    """Every document of a semantic model, in a stable order."""
    documents: list[Document] = []
    for entity in model.entities:
        documents.append(_table_document(entity, model))
        documents.extend(_column_documents(entity))
    labels = {e.name: _label(e.table, e.label) for e in model.entities}
    documents.extend(_relationship_document(r, labels) for r in model.relationships)
    documents.extend(_metric_document(m, labels) for m in model.metrics)
    documents.extend(_definition_document(d) for d in model.definitions)
    return documents


def _definition_document(definition: MetricDefinition) -> Document:
    """A metric the tenant defined: its name, synonyms, description and definition, found by what it means."""
    names = ", ".join([definition.name, *definition.synonyms])
    text = f"{names}: {definition.description or 'a metric the project defines'}. Computed as {definition.expression}"
    if definition.filters:
        text += f" where {' and '.join(definition.filters)}"
    return Document(
        key=f"metric:curated:{definition.name}",
        kind="metric",
        title=definition.name,
        content=text + ".",
        tables=[definition.entity],
    )
