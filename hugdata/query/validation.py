"""SQL proposed for a tenant, checked with sqlglot against the tenant's semantic model before anything runs.

Accepted is exactly one read-only query (SELECT, set operations, CTEs) that reads only tables of the tenant's model,
resolved scope by scope (so a CTE cannot pass for a table), calls only functions on its dialect's allow-list
(`sql_policy`), casts only to plain types, and names no session variable or parameter. What runs is sqlglot's own
rendering of the checked tree, without comments, with a row limit. The source's read-only session is the second wall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

from hugdata.catalog.semantic import Entity, SemanticModel
from hugdata.query.sql_policy import (
    ALLOWED_CAST_TYPES,
    SYSTEM_SCHEMAS,
    SYSTEM_TABLE_PREFIXES,
    function_allow_list,
    function_name,
    is_mysql_family,
    sqlglot_dialect,
)
from hugdata.tenants.models import Dialect

# Statement kinds and clauses that write, lock or leave the query: anywhere in the tree, CTEs included.
DENIED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Command, exp.Copy,
    exp.Into, exp.Lock, exp.Set, exp.Pragma, exp.Use, exp.LoadData, exp.TruncateTable, exp.Grant, exp.Hint,
)  # fmt: skip
# Operators and predicates sqlglot models as functions.
_OPERATORS: tuple[type[exp.Expression], ...] = (exp.And, exp.Or, exp.Xor, exp.Exists, exp.Array, exp.Paren)
# MySQL and MariaDB run the text of /*! ... */ and /*M! ... */ comments as SQL.
_EXECUTABLE_COMMENT = re.compile(r"/\*M?!")


class RejectionReason(StrEnum):
    unparseable = "unparseable"
    not_one_statement = "not_one_statement"
    not_read_only = "not_read_only"
    denied_function = "denied_function"
    denied_construct = "denied_construct"
    unknown_table = "unknown_table"
    unknown_column = "unknown_column"


class QueryRejected(ValueError):
    """The SQL may not run; ``reason`` is its class (logged), the message says what to fix (fed back to the LLM)."""

    def __init__(self, reason: RejectionReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ValidatedQuery:
    sql: str
    tables: list[str]  # entity names of the tables read, schema.table
    limit_added: bool
    sources: tuple[tuple[str, str], ...] = ()  # (schema, table) of every table read, as the source names them


def validate_query(sql: str, *, dialect: Dialect, model: SemanticModel, max_rows: int) -> ValidatedQuery:
    """``sql`` rendered with a row limit of ``max_rows + 1`` (so a cut can be seen) if it is one safe read of this
    tenant's tables, else QueryRejected naming what is not allowed."""
    read = sqlglot_dialect(dialect)
    if is_mysql_family(dialect) and _EXECUTABLE_COMMENT.search(sql):
        raise QueryRejected(
            RejectionReason.denied_construct, "executable comments (/*! ... */) are not allowed: MySQL runs their text"
        )
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except SqlglotError as exc:
        raise QueryRejected(RejectionReason.unparseable, f"the SQL does not parse: {str(exc)[:200]}") from None
    except Exception:  # sqlglot's parser fails on some inputs with errors of its own internals
        raise QueryRejected(RejectionReason.unparseable, "the SQL does not parse") from None
    if len(statements) != 1:
        raise QueryRejected(
            RejectionReason.not_one_statement, f"expected exactly one statement, found {len(statements)}"
        )
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise QueryRejected(RejectionReason.not_read_only, f"only SELECT queries may run, not {tree.key.upper()}")
    _check_nodes(tree, read)
    read_tables = _resolve_tables(tree, model, read)
    _check_columns(tree, read_tables)
    limited, limit_added = _with_row_limit(tree, max_rows)
    entities = {id(e): e for e in read_tables.values()}.values()
    return ValidatedQuery(
        sql=limited.sql(dialect=read, comments=False),
        tables=sorted({e.name for e in entities}),
        limit_added=limit_added,
        sources=tuple(sorted({(e.schema_name, e.table) for e in entities})),
    )


def _check_nodes(tree: exp.Expression, read: str) -> None:
    allowed = function_allow_list(read)
    for node in tree.walk():
        if isinstance(node, DENIED_NODES):
            what = "optimizer hints" if isinstance(node, exp.Hint) else node.key.upper()
            raise QueryRejected(RejectionReason.not_read_only, f"{what} is not allowed in a query")
        if isinstance(node, (exp.SessionParameter, exp.Parameter, exp.Placeholder)):
            raise QueryRejected(
                RejectionReason.denied_construct,
                f"{node.sql(dialect=read)}: session variables and query parameters are not allowed; write values "
                "as literals",
            )
        if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
            raise QueryRejected(
                RejectionReason.denied_function,
                f"{node.sql(dialect=read)[:80]}: call built-in functions by their plain name, not through a schema",
            )
        if isinstance(node, exp.ObjectIdentifier):
            raise QueryRejected(
                RejectionReason.denied_construct, f"the type {node.name} looks up the server's catalog; not allowed"
            )
        if isinstance(node, exp.DataType) and node.this not in ALLOWED_CAST_TYPES:
            raise QueryRejected(
                RejectionReason.denied_construct, f"the type {node.sql(dialect=read)} is not allowed in a cast"
            )
        if isinstance(node, exp.Func) and not isinstance(node, _OPERATORS) and not allowed.allows(node):
            raise QueryRejected(
                RejectionReason.denied_function,
                f"the function {function_name(node)}() is not allowed: only pure functions (aggregates, math, text, "
                "date/time, conditional, JSON, window) may be called",
            )


def _model_index(model: SemanticModel) -> tuple[dict[str, Entity], dict[str, list[Entity]]]:
    qualified = {e.name.lower(): e for e in model.entities}
    by_table: dict[str, list[Entity]] = {}
    for entity in model.entities:
        by_table.setdefault(entity.table.lower(), []).append(entity)
    return qualified, by_table


def _resolve_tables(tree: exp.Query, model: SemanticModel, read: str) -> dict[str, Entity]:
    """Entity per name the query uses for a real table (alias or table name), every table reference resolved in
    its own scope; a reference that is neither a table of the model nor one of the query's own CTEs is refused."""
    qualified, by_table = _model_index(model)
    for cte in tree.find_all(exp.CTE):
        name = cte.alias_or_name.lower()
        if name in by_table or name in qualified:
            raise QueryRejected(
                RejectionReason.denied_construct,
                f"the CTE name {name!r} hides a table of the project; give the CTE another name",
            )
    try:
        scopes = traverse_scope(tree)
    except Exception as exc:
        raise QueryRejected(
            RejectionReason.unparseable, f"the query's structure is unclear: {str(exc)[:160]}"
        ) from None
    seen: set[int] = set()
    used: dict[str, Entity] = {}
    for scope in scopes:
        for table in scope.tables:
            seen.add(id(table))
            if isinstance(table.this, exp.Func):
                continue  # a table-valued function, checked as a function
            if isinstance(scope.sources.get(table.alias_or_name), Scope) and not table.db:
                continue  # one of this query's CTEs
            entity = _model_table(table, qualified, by_table, read)
            used[table.alias_or_name.lower()] = entity
    for table in tree.find_all(exp.Table):
        if table.name and id(table) not in seen:
            raise QueryRejected(
                RejectionReason.unknown_table, f"cannot tell what {table.sql(dialect=read)!r} refers to in this query"
            )
    return used


def _model_table(
    table: exp.Table, qualified: dict[str, Entity], by_table: dict[str, list[Entity]], read: str
) -> Entity:
    if not table.name:
        raise QueryRejected(RejectionReason.unknown_table, f"{table.sql(dialect=read)[:80]} is not a table")
    if table.catalog:
        raise QueryRejected(
            RejectionReason.unknown_table, f"{table.sql(dialect=read)!r} names another database; not allowed"
        )
    schema, name = table.db.lower(), table.name.lower()
    if schema:
        entity = qualified.get(f"{schema}.{name}")
        if entity is not None:
            return entity
        if schema in SYSTEM_SCHEMAS[read]:
            raise QueryRejected(
                RejectionReason.unknown_table, f"{schema}.{name} is in a system schema, outside the project's model"
            )
        raise QueryRejected(
            RejectionReason.unknown_table, f"unknown table {schema}.{name}: the project's schema has no such table"
        )
    matches = by_table.get(name, [])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise QueryRejected(RejectionReason.unknown_table, f"unknown table {name!r}: name its schema")
    if name.startswith(SYSTEM_TABLE_PREFIXES[read]):
        raise QueryRejected(RejectionReason.unknown_table, f"{name} is a system table, outside the project's model")
    raise QueryRejected(
        RejectionReason.unknown_table, f"unknown table {name!r}: the project's schema has no such table"
    )


def _check_columns(tree: exp.Query, used: dict[str, Entity]) -> None:
    columns_of = {alias: {c.name.lower() for c in entity.columns} for alias, entity in used.items()}
    known_anywhere = set().union(*columns_of.values()) if columns_of else set()
    # Names the query itself introduces: select aliases, CTE and derived-table names and their columns.
    introduced = {a.alias.lower() for a in tree.find_all(exp.Alias)}
    for alias in tree.find_all(exp.TableAlias):
        introduced.add(alias.name.lower())
        introduced |= {c.name.lower() for c in alias.columns}
    for cte in tree.find_all(exp.CTE):
        if isinstance(cte.this, exp.Query):
            introduced |= {c.alias_or_name.lower() for c in cte.this.selects}
    qualifiers = set(columns_of) | introduced
    for column in tree.find_all(exp.Column):
        name = column.name.lower()
        if not name or isinstance(column.this, exp.Star):
            continue
        qualifier = column.table.lower()
        if column.args.get("db") is not None or column.args.get("catalog") is not None:
            raise QueryRejected(
                RejectionReason.unknown_column, f"{column.sql()}: refer to a column by its table or alias only"
            )
        if qualifier and qualifier in columns_of:
            if name not in columns_of[qualifier]:
                raise QueryRejected(RejectionReason.unknown_column, f"unknown column {qualifier}.{name}")
        elif qualifier and qualifier not in qualifiers:
            raise QueryRejected(
                RejectionReason.unknown_column, f"{qualifier}.{name}: {qualifier!r} is not in the query"
            )
        elif not qualifier and name not in known_anywhere and name not in introduced:
            raise QueryRejected(RejectionReason.unknown_column, f"unknown column {name!r} in the tables used")


def _with_row_limit(tree: exp.Query, max_rows: int) -> tuple[exp.Query, bool]:
    limit = tree.args.get("limit")
    # FETCH FIRST n ROWS ONLY keeps its count under "count", LIMIT n under "expression".
    value = limit.args.get("count") if isinstance(limit, exp.Fetch) else limit.expression if limit is not None else None
    if isinstance(value, exp.Literal) and value.is_int and int(value.this) <= max_rows:
        return tree, False
    # One row more than may be returned, so that a cut result can be told from a complete one.
    if isinstance(tree, exp.Select):
        return tree.limit(max_rows + 1, copy=True), True
    # A UNION and friends: the cap goes around the whole query.
    return exp.select("*").from_(tree.subquery("capped")).limit(max_rows + 1), True
