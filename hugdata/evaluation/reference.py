"""What a reference query needs from a schema (its tables and columns), and the query written for another dialect."""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.schema import MappingSchema

from hugdata.catalog.schema import SchemaSnapshot
from hugdata.query.sql_policy import SQLGLOT_DIALECT
from hugdata.tenants.models import Dialect

REFERENCE_DIALECT = Dialect.sqlite


@dataclass(frozen=True)
class ReferenceNeeds:
    """Qualified table names (``schema.table``) and ``(table, column)`` pairs, spelled as the snapshot spells them."""

    tables: frozenset[str]
    columns: frozenset[tuple[str, str]]


def _schema_mapping(snapshot: SchemaSnapshot) -> dict[str, dict[str, dict[str, str]]]:
    mapping: dict[str, dict[str, dict[str, str]]] = {}
    for table in snapshot.tables:
        mapping.setdefault(table.schema_name, {})[table.name] = {c.name: "TEXT" for c in table.columns}
    return mapping


def reference_needs(sql: str, snapshot: SchemaSnapshot, *, dialect: Dialect = REFERENCE_DIALECT) -> ReferenceNeeds:
    """Every table the query reads and every column it names, resolved through aliases, CTEs and subqueries."""
    read = SQLGLOT_DIALECT[dialect]
    default_schema = snapshot.tables[0].schema_name if snapshot.tables else None
    tree = qualify(
        sqlglot.parse_one(sql, read=read),
        # The snapshot spells names as the database stores them. PostgreSQL compares quoted names exactly, so
        # its keys are not folded; SQLite and MySQL compare column names without case, so theirs are.
        schema=MappingSchema(_schema_mapping(snapshot), dialect=read, normalize=dialect is not Dialect.postgresql),
        db=default_schema,
        dialect=read,
        validate_qualify_columns=False,
        identify=False,
    )
    by_lower = {t.qualified_name.lower(): t for t in snapshot.tables}
    tables: set[str] = set()
    columns: set[tuple[str, str]] = set()
    for scope in traverse_scope(tree):
        for source in scope.sources.values():
            if isinstance(source, exp.Table) and (found := by_lower.get(f"{source.db}.{source.name}".lower())):
                tables.add(found.qualified_name)
        for column in scope.columns:
            source = scope.sources.get(column.table)
            if not isinstance(source, exp.Table):
                continue
            found = by_lower.get(f"{source.db}.{source.name}".lower())
            if found is None:
                continue
            name = next((c.name for c in found.columns if c.name.lower() == column.name.lower()), None)
            if name is not None:
                columns.add((found.qualified_name, name))
    return ReferenceNeeds(frozenset(tables), frozenset(columns))


def reference_sql_for(sql: str, dialect: Dialect) -> str:
    """The SQLite reference query as ``dialect`` writes it (sqlglot's transpiler)."""
    if dialect is REFERENCE_DIALECT:
        return sql
    return sqlglot.transpile(sql, read=SQLGLOT_DIALECT[REFERENCE_DIALECT], write=SQLGLOT_DIALECT[dialect])[0]
