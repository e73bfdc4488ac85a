"""The unit and display format a tenant gave a column, carried to the answer's columns that show it: a column as it
is, or its sum, average, lowest or highest (a count has no unit). Anything less direct gets none."""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from hugdata.catalog.semantic import ColumnSemantics, Entity, SemanticModel
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.tenants.models import Dialect

# Aggregates whose result is in the unit of what they read.
_UNIT_KEEPING = (exp.Sum, exp.Avg, exp.Min, exp.Max)


@dataclass(frozen=True)
class ColumnUnit:
    unit: str | None
    format: str | None


def answer_units(
    sql: str, *, dialect: Dialect, model: SemanticModel, tree: exp.Expression | None = None
) -> list[ColumnUnit | None]:
    """Per selected expression of ``sql``'s outer query: the curated unit and format of the column it shows;
    ``tree`` is ``sql`` already parsed (not changed here)."""
    if tree is None:
        try:
            tree = sqlglot.parse_one(sql, read=sqlglot_dialect(dialect))
        except sqlglot.errors.SqlglotError:
            return []
    select = tree if isinstance(tree, exp.Select) else None
    if select is None:
        return []
    by_table = {e.table.lower(): e for e in model.entities} | {e.name.lower(): e for e in model.entities}
    sources: dict[str, Entity] = {}
    for table in select.find_all(exp.Table):
        if table.find_ancestor(exp.Select) is not select:
            continue  # a subquery's tables are not this query's
        entity = by_table.get(f"{table.db}.{table.name}".lower()) or by_table.get(table.name.lower())
        if entity is not None:
            sources[table.alias_or_name.lower()] = entity
    return [_unit_of(p.this if isinstance(p, exp.Alias) else p, sources) for p in select.expressions]


def _unit_of(node: exp.Expression, sources: dict[str, Entity]) -> ColumnUnit | None:
    if isinstance(node, _UNIT_KEEPING) and isinstance(node.this, exp.Column):
        node = node.this
    if not isinstance(node, exp.Column):
        return None
    column = _column(node, sources)
    if column is None or not (column.unit or column.format):
        return None
    return ColumnUnit(unit=column.unit, format=column.format)


def _column(node: exp.Column, sources: dict[str, Entity]) -> ColumnSemantics | None:
    owners = [sources[node.table.lower()]] if node.table and node.table.lower() in sources else list(sources.values())
    found = [c for o in owners for c in o.columns if c.name.lower() == node.name.lower()]
    return found[0] if len(found) == 1 else None
