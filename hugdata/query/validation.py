"""SQL proposed for a tenant, checked with sqlglot against the tenant's semantic model before anything runs.

Accepted is exactly one read-only query (SELECT, set operations, CTEs) that reads only tables of the tenant's model,
resolved scope by scope with the server's own folding rules (`references`), names only columns it can see
(`column_check`), calls only functions on its dialect's allow-list (`sql_policy`) at a cost the engine can bound
(`cost_rules`), casts only to plain types, and names no session variable or parameter. What runs is sqlglot's own
rendering of the checked tree, without comments, with a row limit, in which every table is the resolved entity's
exact, quoted, fully qualified name. The source's pinned read-only session is the second wall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import traverse_scope

from hugdata.catalog.semantic import SemanticModel
from hugdata.query.column_check import ColumnCheck
from hugdata.query.cost_rules import check_call_costs
from hugdata.query.references import ModelIndex, pin_table_references, resolve_tables
from hugdata.query.rejections import QueryRejected, RejectionReason
from hugdata.query.sql_policy import (
    ALLOWED_CAST_TYPES,
    function_allow_list,
    function_name,
    is_mysql_family,
    sqlglot_dialect,
)
from hugdata.tenants.models import Dialect

__all__ = ["QueryRejected", "RejectionReason", "ValidatedQuery", "validate_query"]

# Statement kinds and clauses that write, lock or leave the query: anywhere in the tree, CTEs included.
DENIED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Command, exp.Copy,
    exp.Into, exp.Lock, exp.Set, exp.Pragma, exp.Use, exp.LoadData, exp.TruncateTable, exp.Grant, exp.Hint,
)  # fmt: skip
# Operators and predicates sqlglot models as functions.
_OPERATORS: tuple[type[exp.Expression], ...] = (exp.And, exp.Or, exp.Xor, exp.Exists, exp.Array, exp.Paren)
# MySQL and MariaDB run the text of /*! ... */ and /*M! ... */ comments as SQL.
_EXECUTABLE_COMMENT = re.compile(r"/\*M?!")


@dataclass(frozen=True)
class ValidatedQuery:
    sql: str
    tables: list[str]  # entity names of the tables read, schema.table
    limit_added: bool
    sources: tuple[tuple[str, str], ...] = ()  # (schema, table) of every table read, as the source names them
    ctes: tuple[str, ...] = ()  # the query's own CTE names, which SQLite reports as reads of no database
    # The parsed form of ``sql``, for readers in the same ask (explanation, units) not to parse it again; read-only.
    tree: exp.Query | None = field(default=None, compare=False, repr=False)


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
    check_call_costs(tree, read)
    try:
        scopes = traverse_scope(tree)
    except Exception as exc:
        raise QueryRejected(
            RejectionReason.unparseable, f"the query's structure is unclear: {str(exc)[:160]}"
        ) from None
    resolved = resolve_tables(scopes, tree, ModelIndex.of(model, read), read)
    ColumnCheck(tree, scopes, resolved, read).run()
    pin_table_references(resolved, tree, read)
    limited, limit_added = _with_row_limit(tree, max_rows)
    entities = {id(e): e for e in resolved.values()}.values()
    return ValidatedQuery(
        sql=limited.sql(dialect=read, comments=False),
        tables=sorted({e.name for e in entities}),
        limit_added=limit_added,
        sources=tuple(sorted({(e.schema_name, e.table) for e in entities})),
        ctes=tuple(sorted({cte.alias_or_name for cte in tree.find_all(exp.CTE)})),
        tree=limited,
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
