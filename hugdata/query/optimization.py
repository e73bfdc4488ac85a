"""Index suggestions from a tenant's query log: columns its queries filter, join or sort on without an index.

Each logged query is parsed with sqlglot; its columns are resolved to the tenant's tables through the query's
aliases. A column counts once per query and use. Columns that lead an existing index, primary key or unique
constraint are left out; the rest are ranked by how often queries use them times the table's row estimate.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from hugdata.catalog.schema import SchemaSnapshot, TableInfo
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.tenants.models import Dialect

Use = Literal["filter", "join", "order", "group"]
MAX_SUGGESTIONS = 20
_NAME_LIMIT = 63  # PostgreSQL's identifier limit; MySQL's is 64


@dataclass(frozen=True)
class IndexSuggestion:
    table: str
    column: str
    uses: dict[str, int]
    queries: int
    row_estimate: int | None
    score: float
    statement: str


def column_uses(sql: str, *, dialect: Dialect, snapshot: SchemaSnapshot) -> set[tuple[str, str, Use]]:
    """(table, column, use) for every column of the query that resolves to one of the snapshot's tables."""
    try:
        tree = sqlglot.parse_one(sql, read=sqlglot_dialect(dialect))
    except SqlglotError:
        return set()
    tables = _tables_by_alias(tree, snapshot)
    found: set[tuple[str, str, Use]] = set()
    places: list[tuple[Use, Iterable[exp.Expression]]] = [
        ("filter", [n for n in (*tree.find_all(exp.Where), *tree.find_all(exp.Having)) if n]),
        ("join", [j.args["on"] for j in tree.find_all(exp.Join) if j.args.get("on") is not None]),
        ("order", list(tree.find_all(exp.Order))),
        ("group", list(tree.find_all(exp.Group))),
    ]
    # GROUP BY month / ORDER BY total name a select alias: the columns are the ones inside its expression.
    aliased = {
        s.alias.lower(): list(s.this.find_all(exp.Column))
        for s in tree.selects
        if isinstance(s, exp.Alias) and isinstance(tree, exp.Select)
    }
    for use, nodes in places:
        for node in nodes:
            for found_column in node.find_all(exp.Column):
                expanded = aliased.get(found_column.name.lower()) if not found_column.table else None
                for column in expanded if expanded is not None else [found_column]:
                    table = _owner(column, tables)
                    if table is not None and table.column(column.name) is not None:
                        found.add((table.qualified_name, column.name, use))
    return found


def _tables_by_alias(tree: exp.Expression, snapshot: SchemaSnapshot) -> dict[str, TableInfo]:
    by_name: dict[str, list[TableInfo]] = {}
    for info in snapshot.tables:
        by_name.setdefault(info.qualified_name.lower(), []).append(info)
        by_name.setdefault(info.name.lower(), []).append(info)
    aliases: dict[str, TableInfo] = {}
    for table in tree.find_all(exp.Table):
        name = f"{table.db}.{table.name}".lower() if table.db else table.name.lower()
        matches = by_name.get(name, [])
        if len(matches) == 1:
            aliases[table.alias_or_name.lower()] = matches[0]
    return aliases


def _owner(column: exp.Column, tables: dict[str, TableInfo]) -> TableInfo | None:
    if column.table:
        return tables.get(column.table.lower())
    owners = {t.qualified_name: t for t in tables.values() if t.column(column.name) is not None}
    return next(iter(owners.values())) if len(owners) == 1 else None


def _indexed(table: TableInfo, column: str) -> bool:
    leading = [table.primary_key, *table.unique_constraints, *(i.columns for i in table.indexes)]
    return any(cols and cols[0] == column for cols in leading)


def index_statement(table: TableInfo, column: str, dialect: Dialect) -> str:
    """CREATE INDEX for one column in the tenant's dialect (CONCURRENTLY on PostgreSQL, so writes go on)."""
    name = f"ix_{table.name}_{column}".lower()
    if len(name) > _NAME_LIMIT:
        name = f"{name[: _NAME_LIMIT - 9]}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    write = sqlglot_dialect(dialect)

    def ident(value: str) -> str:
        return exp.to_identifier(value).sql(dialect=write)

    if dialect is Dialect.sqlite:
        # SQLite puts the schema on the index name, not on the table.
        return f"CREATE INDEX {ident(table.schema_name)}.{ident(name)} ON {ident(table.name)} ({ident(column)})"
    concurrently = " CONCURRENTLY" if dialect is Dialect.postgresql else ""
    target = f"{ident(table.schema_name)}.{ident(table.name)}"
    return f"CREATE INDEX{concurrently} {ident(name)} ON {target} ({ident(column)})"


def index_suggestions(queries: Iterable[str], *, dialect: Dialect, snapshot: SchemaSnapshot) -> list[IndexSuggestion]:
    """Unindexed columns the queries use, best first (uses x row estimate)."""
    uses: dict[tuple[str, str], Counter[str]] = {}
    per_query: Counter[tuple[str, str]] = Counter()
    for sql in queries:
        seen: set[tuple[str, str]] = set()
        for table, column, use in column_uses(sql, dialect=dialect, snapshot=snapshot):
            uses.setdefault((table, column), Counter())[use] += 1
            seen.add((table, column))
        per_query.update(seen)
    suggestions = []
    for (table_name, column), counter in uses.items():
        table = snapshot.table(table_name)
        if table is None or table.kind != "table" or _indexed(table, column):
            continue
        rows = table.row_estimate
        suggestions.append(
            IndexSuggestion(
                table=table_name,
                column=column,
                uses=dict(sorted(counter.items())),
                queries=per_query[(table_name, column)],
                row_estimate=rows,
                score=float(per_query[(table_name, column)] * max(rows or 1, 1)),
                statement=index_statement(table, column, dialect),
            )
        )
    suggestions.sort(key=lambda s: (-s.score, s.table, s.column))
    return suggestions[:MAX_SUGGESTIONS]


def suggestion_rows(suggestions: list[IndexSuggestion]) -> list[dict[str, Any]]:
    return [asdict(s) for s in suggestions]
