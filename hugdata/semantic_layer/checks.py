"""Is a curated document right for this project's current schema? Every problem with the path of its entry, so a
tenant fixes them all at once: unknown tables and columns, names that collide with another table's, duplicate
metrics, and metric expressions that would not pass the same validation as an ask."""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from hugdata.catalog.semantic import Entity, SemanticModel
from hugdata.query.rejections import QueryRejected
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.query.validation import validate_query
from hugdata.semantic_layer.document import MetricCuration, SemanticLayerDocument
from hugdata.tenants.models import Dialect


@dataclass(frozen=True)
class Problem:
    path: str  # e.g. tables.public.orders.columns.amount
    message: str


def check_document(document: SemanticLayerDocument, model: SemanticModel, *, dialect: Dialect) -> list[Problem]:
    """Every problem of ``document`` against ``model`` (empty when it may be stored)."""
    problems: list[Problem] = []
    entities = {e.name: e for e in model.entities}
    for name, curation in document.tables.items():
        path = f"tables.{name}"
        entity = entities.get(name)
        if entity is None:
            problems.append(Problem(path, f"no table {name!r} in the project's schema"))
            continue
        columns = {c.name for c in entity.columns}
        named = [
            *curation.columns,
            *curation.hidden_columns,
            *([curation.label_column] if curation.label_column else []),
        ]
        for column in dict.fromkeys(named):
            if column not in columns:
                problems.append(Problem(f"{path}.columns.{column}", f"no column {column!r} in {name}"))
    problems += _collisions(document, entities)
    for i, link in enumerate(document.relationships):
        for side, table, column in (("from", link.from_table, link.from_column), ("to", link.to_table, link.to_column)):
            entity = entities.get(table)
            if entity is None:
                problems.append(
                    Problem(f"relationships[{i}].{side}_table", f"no table {table!r} in the project's schema")
                )
            elif column not in {c.name for c in entity.columns}:
                problems.append(Problem(f"relationships[{i}].{side}_column", f"no column {column!r} in {table}"))
    seen: set[str] = set()
    for i, metric in enumerate(document.metrics):
        if metric.name.lower() in seen:
            problems.append(Problem(f"metrics[{i}].name", f"a metric named {metric.name!r} is defined twice"))
        seen.add(metric.name.lower())
        problems += _metric_problems(i, metric, entities, model, dialect)
    return problems


def _collisions(document: SemanticLayerDocument, entities: dict[str, Entity]) -> list[Problem]:
    """A synonym may not name another table: "orders" for customers would send every order question there."""
    owner: dict[str, str] = {}
    for entity in entities.values():
        for word in (entity.table, entity.label):
            if word:
                owner.setdefault(word.lower(), entity.name)
    problems = []
    for name, curation in document.tables.items():
        for j, synonym in enumerate(curation.synonyms):
            other = owner.setdefault(synonym.lower(), name)
            if other != name:
                problems.append(
                    Problem(f"tables.{name}.synonyms[{j}]", f"{synonym!r} already names {other}; pick another word")
                )
    return problems


def _metric_problems(
    i: int, metric: MetricCuration, entities: dict[str, Entity], model: SemanticModel, dialect: Dialect
) -> list[Problem]:
    path = f"metrics[{i}]"
    entity = entities.get(metric.table)
    if entity is None:
        return [Problem(f"{path}.table", f"no table {metric.table!r} in the project's schema")]
    if metric.time_column and metric.time_column not in {c.name for c in entity.columns}:
        return [Problem(f"{path}.time_column", f"no column {metric.time_column!r} in {metric.table}")]
    read = sqlglot_dialect(dialect)
    schema, _, table = metric.table.rpartition(".")
    source = exp.table_(table, db=schema or None, quoted=True).sql(dialect=read)
    where = " AND ".join(f"({f})" for f in metric.filters)
    sql = f"SELECT {metric.expression} AS value FROM {source}" + (f" WHERE {where}" if where else "")
    try:
        validate_query(sql, dialect=dialect, model=model, max_rows=1)
    except QueryRejected as rejected:
        return [Problem(f"{path}.expression", f"{metric.expression!r} is not allowed: {rejected}")]
    try:
        parsed = sqlglot.parse_one(metric.expression, read=read)
    except sqlglot.errors.SqlglotError:
        return [Problem(f"{path}.expression", f"{metric.expression!r} is not one expression")]
    if parsed.find(exp.Select) is not None:
        return [Problem(f"{path}.expression", "a metric is one aggregate over its table's columns, not a subquery")]
    if parsed.find(exp.AggFunc) is None:
        return [Problem(f"{path}.expression", f"{metric.expression!r} aggregates nothing: use SUM, COUNT, AVG ...")]
    return []
