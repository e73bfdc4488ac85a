"""Which source columns one SQL statement reads, and how, resolved by sqlglot over the project's own schema.

sqlglot's qualifier expands `*`, gives every column its table and resolves aliases; its scopes then tell, for each
column, whether it comes from a table of the project or from a CTE or subquery of the statement, which is followed
down to the table columns it is made of. A column's roles are the clauses it appears in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from hugdata.catalog.semantic import Entity, SemanticModel
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.tenants.models import Dialect


class ColumnUse(StrEnum):
    """How a statement uses a column."""

    projected = "projected"
    filtered = "filtered"
    joined = "joined"
    grouped = "grouped"
    aggregated = "aggregated"
    ordered = "ordered"


# The clause of a SELECT a column sits in -> its role there.
_CLAUSE_ROLES = {
    "expressions": ColumnUse.projected,
    "where": ColumnUse.filtered,
    "having": ColumnUse.filtered,
    "qualify": ColumnUse.filtered,
    "joins": ColumnUse.joined,
    "group": ColumnUse.grouped,
    "order": ColumnUse.ordered,
    "distinct": ColumnUse.projected,
}


class LineageUnclear(ValueError):
    """The statement cannot be resolved against the project's schema (unparseable, or names unknown tables)."""


@dataclass
class QueryLineage:
    """The tables a statement reads (entity names, schema.table) and, per (entity, column), its roles."""

    tables: set[str] = field(default_factory=set)
    columns: dict[tuple[str, str], set[ColumnUse]] = field(default_factory=dict)

    def add(self, entity: str, column: str, roles: set[ColumnUse]) -> None:
        self.columns.setdefault((entity, column), set()).update(roles)


def query_lineage(sql: str, *, dialect: Dialect, model: SemanticModel) -> QueryLineage:
    """The source columns ``sql`` reads and how; raises LineageUnclear when it does not resolve."""
    read = sqlglot_dialect(dialect)
    by_name = _entities_by_table_name(model)
    try:
        tree = sqlglot.parse_one(sql, read=read)
        _qualify_table_schemas(tree, by_name)
        qualified = qualify(
            tree,
            schema=_schema_mapping(model, _referenced(tree)),
            dialect=read,
            validate_qualify_columns=False,
            quote_identifiers=False,
            identify=False,
        )
        scopes = traverse_scope(qualified)
    except SqlglotError as exc:
        raise LineageUnclear(f"cannot resolve the statement: {str(exc)[:160]}") from None
    entities = {e.name.lower(): e for e in model.entities}
    lineage = QueryLineage()
    for scope in scopes:
        for source in scope.sources.values():
            if isinstance(source, exp.Table):
                entity = _entity_of(source, entities)
                if entity is not None:
                    lineage.tables.add(entity.name)
        for column in [*scope.columns, *_alias_references(scope)]:
            roles = _roles(column, scope)
            for entity, name in _base_columns(column, scope, entities, depth=0):
                lineage.add(entity.name, name, roles)
    return lineage


def _alias_references(scope: Scope) -> list[exp.Column]:
    """Columns of ORDER BY, HAVING or QUALIFY that name one of the SELECT's own aliases (`ORDER BY s DESC`);
    sqlglot's scope leaves them out of its columns, but they use whatever the aliased expression reads."""
    select = scope.expression
    if not isinstance(select, exp.Select):
        return []
    aliases = {p.alias.lower() for p in select.selects if isinstance(p, exp.Alias)}
    found = []
    for clause in ("order", "having", "qualify"):
        node = select.args.get(clause)
        if node is not None:
            found += [c for c in node.find_all(exp.Column) if not c.table and c.name.lower() in aliases]
    return found


def _entities_by_table_name(model: SemanticModel) -> dict[str, list[Entity]]:
    found: dict[str, list[Entity]] = {}
    for entity in model.entities:
        found.setdefault(entity.table.lower(), []).append(entity)
    return found


def _qualify_table_schemas(tree: exp.Expression, by_name: dict[str, list[Entity]]) -> None:
    """Give an unqualified table reference the schema of the one entity of that name (validation has already
    refused ambiguous ones), so that the qualifier can look its columns up; CTE names are left alone."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        name = table.name.lower()
        if table.db or not name or name in ctes:
            continue
        matches = by_name.get(name, [])
        if len(matches) == 1:
            table.set("db", exp.to_identifier(matches[0].schema_name))


def _referenced(tree: exp.Expression) -> set[tuple[str, str]]:
    return {(t.db.lower(), t.name.lower()) for t in tree.find_all(exp.Table) if t.name}


def _schema_mapping(model: SemanticModel, referenced: set[tuple[str, str]]) -> dict[str, dict[str, dict[str, str]]]:
    """The columns of the tables the statement names (only those: building sqlglot's schema for every table of a
    500-table project costs more than the rest of the work)."""
    mapping: dict[str, dict[str, dict[str, str]]] = {}
    for entity in model.entities:
        if (entity.schema_name.lower(), entity.table.lower()) not in referenced:
            continue
        # Types do not matter to lineage; a neutral one keeps sqlglot from parsing each dialect's type names.
        mapping.setdefault(entity.schema_name, {})[entity.table] = {c.name: "text" for c in entity.columns}
    return mapping


def _entity_of(table: exp.Table, entities: dict[str, Entity]) -> Entity | None:
    return entities.get(f"{table.db}.{table.name}".lower())


def _roles(column: exp.Column, scope: Scope) -> set[ColumnUse]:
    """The clause of its own SELECT the column is in, plus `aggregated` inside an aggregate function."""
    roles: set[ColumnUse] = set()
    node: exp.Expression = column
    while node.parent is not None and node is not scope.expression:
        if isinstance(node.parent, exp.AggFunc):
            roles.add(ColumnUse.aggregated)
        if node.parent is scope.expression:
            role = _CLAUSE_ROLES.get(node.arg_key)
            if role is not None:
                roles.add(role)
            break
        node = node.parent
    if scope.is_subquery and ColumnUse.projected in roles:
        # What a subquery in WHERE or HAVING selects is compared against, not shown.
        roles.discard(ColumnUse.projected)
        roles.add(ColumnUse.filtered)
    return roles or {ColumnUse.projected}


def _base_columns(
    column: exp.Column, scope: Scope, entities: dict[str, Entity], *, depth: int
) -> Iterator[tuple[Entity, str]]:
    """The table columns ``column`` is made of: itself when it names a table's column, else the columns of the CTE
    or subquery output it names (followed down); correlated references are looked up in the enclosing scopes."""
    if depth > 32:
        return
    owner: Scope | None = scope
    while owner is not None and column.table not in owner.sources:
        owner = owner.parent
    if owner is None:
        if not column.table and isinstance(scope.expression, exp.Select):
            # A select alias (ORDER BY s, HAVING s > 10): the columns its expression is made of.
            for projection in scope.expression.selects:
                if isinstance(projection, exp.Alias) and projection.alias.lower() == column.name.lower():
                    for inner in projection.this.find_all(exp.Column):
                        yield from _base_columns(inner, scope, entities, depth=depth + 1)
        return  # otherwise a name the statement does not define
    source = owner.sources[column.table]
    if isinstance(source, exp.Table):
        entity = _entity_of(source, entities)
        if entity is not None:
            name = column.name.lower()
            yield from ((entity, c.name) for c in entity.columns if c.name.lower() == name)
        return
    if isinstance(source, Scope):
        for branch in _branches(source):
            for projection in branch.expression.selects:
                if projection.alias_or_name.lower() != column.name.lower():
                    continue
                for inner in projection.find_all(exp.Column):
                    yield from _base_columns(inner, branch, entities, depth=depth + 1)


def _branches(scope: Scope) -> list[Scope]:
    """The SELECT scopes that produce a scope's rows: itself, or each side of a UNION."""
    if scope.is_set_operation:
        return [s for branch in scope.set_operation_scopes for s in _branches(branch)]
    return [scope]
