"""The previous turn's query as a follow-up sees it: its tables, its groups, its one measure, its conditions."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from hugdata.catalog.semantic import ColumnSemantics, Entity, SemanticModel
from hugdata.query.planner_sql import column_ref, identifier
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.tenants.models import Dialect


class RefinementDeclined(ValueError):
    """The follow-up cannot be applied to the previous answer safely; the message says why, in the user's words."""

    def __init__(self, message: str, words: list[str] | None = None) -> None:
        super().__init__(message)
        self.words = words or []


@dataclass
class ColumnAt:
    """A column of one of the query's tables, under the alias (or table name) the query reads it by."""

    entity: Entity
    column: ColumnSemantics
    qualifier: str | None  # None: the query names its columns bare (one table)

    def ref(self) -> exp.Column:
        if self.qualifier is None:
            return exp.column(identifier(self.column.name))
        return column_ref(self.column.name, self.qualifier)

    def same(self, node: exp.Expression) -> bool:
        return (
            isinstance(node, exp.Column)
            and node.name.lower() == self.column.name.lower()
            and (not node.table or self.qualifier is None or node.table.lower() == self.qualifier.lower())
        )

    @property
    def words(self) -> str:
        return self.column.label or self.column.name


@dataclass
class QueryFrame:
    """One plain SELECT (no set operation, CTE or subquery), read against the model."""

    tree: exp.Select
    read: str
    model: SemanticModel
    tables: dict[str, Entity]  # qualifier (alias or table name) -> entity
    fact: str  # the FROM table's qualifier
    bare: bool  # columns are written without a table
    measure: exp.Expression | None = None  # the one aggregate projection, unaliased
    groups: list[exp.Expression] = field(default_factory=list)  # GROUP BY, aliases resolved to their expressions

    @property
    def fact_entity(self) -> Entity:
        return self.tables[self.fact]

    def at(self, entity: Entity, column: ColumnSemantics) -> ColumnAt:
        qualifier = next((q for q, e in self.tables.items() if e.name == entity.name), None)
        return ColumnAt(entity, column, None if self.bare else qualifier)

    def sql(self, dialect: Dialect) -> str:
        return self.tree.sql(dialect=sqlglot_dialect(dialect))


def read_frame(sql: str, *, dialect: Dialect, model: SemanticModel) -> QueryFrame:
    """The previous turn's SQL as a frame; RefinementDeclined when it is not one plain SELECT of known tables."""
    read = sqlglot_dialect(dialect)
    try:
        tree = sqlglot.parse_one(sql, read=read)
    except SqlglotError:
        raise RefinementDeclined("the previous answer's SQL could not be read") from None
    if (
        not isinstance(tree, exp.Select)
        or tree.args.get("with")
        or any(isinstance(n, exp.Subquery | exp.Union) for n in tree.walk())
    ):
        raise RefinementDeclined("the previous answer is not a single plain query the offline planner can change")
    tables: dict[str, Entity] = {}
    for table in tree.find_all(exp.Table):
        entity = _entity(model, table)
        if entity is None:
            raise RefinementDeclined(f"the previous answer reads {table.name}, which the model does not hold")
        tables[(table.alias or table.name).lower()] = entity
    source = tree.args["from_"].this
    fact = (source.alias or source.name).lower() if isinstance(source, exp.Table) else ""
    if fact not in tables:
        raise RefinementDeclined("the previous answer does not read one table first")
    bare = not any(c.table for c in tree.find_all(exp.Column)) and len(tables) == 1
    frame = QueryFrame(tree=tree.copy(), read=read, model=model, tables=tables, fact=fact, bare=bare)
    aliases = {p.alias.lower(): p.unalias() for p in frame.tree.expressions if isinstance(p, exp.Alias)}
    group = frame.tree.args.get("group")
    for node in group.expressions if group else []:
        name = node.name.lower() if isinstance(node, exp.Column) and not node.table else None
        frame.groups.append(aliases.get(name, node) if name else node)
    measures = [p.unalias() for p in frame.tree.expressions if p.find(exp.AggFunc) is not None]
    if len(measures) == 1:
        frame.measure = measures[0]
    return frame


def _entity(model: SemanticModel, table: exp.Table) -> Entity | None:
    name, schema = table.name.lower(), (table.db or "").lower()
    found = [e for e in model.entities if e.table.lower() == name and (not schema or e.schema_name.lower() == schema)]
    return found[0] if len(found) == 1 else None
