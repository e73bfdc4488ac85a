"""SQL proposed for a tenant, checked with sqlglot against the tenant's semantic model before anything runs.

Accepted is exactly one read-only query (SELECT, set operations, CTEs) over tables and columns the tenant's model
has, with no function or clause that reaches outside the database (files, network, sleeps, locks, session
settings). Every accepted query gets a row limit. The source's read-only session is the second wall, not the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from hugdata.catalog.semantic import SemanticModel
from hugdata.tenants.models import Dialect

SQLGLOT_DIALECT = {Dialect.sqlite: "sqlite", Dialect.postgresql: "postgres", Dialect.mysql: "mysql"}

# Functions that read or write files, reach the network, stall the server, signal other sessions or read and change
# settings; matched by name, and by prefix for whole families.
DENIED_FUNCTIONS = frozenset(
    {
        "pg_sleep", "pg_sleep_for", "pg_sleep_until", "pg_read_file", "pg_read_binary_file", "pg_ls_dir",
        "pg_stat_file", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
        "set_config", "current_setting", "query_to_xml", "dblink", "lo_import", "lo_export", "lo_get", "lo_put",
        "load_file", "sleep", "benchmark", "sys_exec", "sys_eval", "get_lock", "release_lock", "master_pos_wait",
        "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "xp_cmdshell", "copy",
    }
)  # fmt: skip
DENIED_PREFIXES = ("pg_", "lo_", "dblink", "sys_", "xp_", "file_")
# Statement kinds and clauses that write, lock or leave the query: anywhere in the tree, CTEs included.
DENIED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Command, exp.Copy,
    exp.Into, exp.Lock, exp.Set, exp.Pragma, exp.Use, exp.LoadData, exp.TruncateTable, exp.Grant,
)  # fmt: skip


class RejectionReason(StrEnum):
    unparseable = "unparseable"
    not_one_statement = "not_one_statement"
    not_read_only = "not_read_only"
    denied_function = "denied_function"
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
    tables: list[str]
    limit_added: bool


def validate_query(sql: str, *, dialect: Dialect, model: SemanticModel, max_rows: int) -> ValidatedQuery:
    """``sql`` rewritten with a row limit if it is one safe read of this tenant's tables, else QueryRejected."""
    read = SQLGLOT_DIALECT[dialect]
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except SqlglotError as exc:
        raise QueryRejected(RejectionReason.unparseable, f"the SQL does not parse: {str(exc)[:200]}") from None
    if len(statements) != 1:
        raise QueryRejected(
            RejectionReason.not_one_statement, f"expected exactly one statement, found {len(statements)}"
        )
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise QueryRejected(RejectionReason.not_read_only, f"only SELECT queries may run, not {tree.key.upper()}")
    _refuse_writes_and_denied_functions(tree)
    tables = _check_tables_and_columns(tree, model)
    limited, limit_added = _with_row_limit(tree, max_rows)
    return ValidatedQuery(sql=limited.sql(dialect=read), tables=tables, limit_added=limit_added)


def _refuse_writes_and_denied_functions(tree: exp.Expression) -> None:
    for node in tree.walk():
        if isinstance(node, DENIED_NODES):
            raise QueryRejected(RejectionReason.not_read_only, f"{node.key.upper()} is not allowed in a query")
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES):
                raise QueryRejected(RejectionReason.denied_function, f"the function {name}() is not allowed")


def _check_tables_and_columns(tree: exp.Expression, model: SemanticModel) -> list[str]:
    by_name: dict[str, dict[str, set[str]]] = {}
    for entity in model.entities:
        columns = {c.name.lower() for c in entity.columns}
        by_name[entity.name.lower()] = {entity.name: columns}
        by_name.setdefault(entity.table.lower(), {})[entity.name] = columns
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    used: dict[str, set[str]] = {}  # alias or table name -> columns of the entity it names
    tables: list[str] = []
    for table in tree.find_all(exp.Table):
        if not table.name:
            continue  # a table-valued function, already checked as a function
        qualified = f"{table.db}.{table.name}".lower() if table.db else table.name.lower()
        if not table.db and qualified in ctes:
            continue
        matches = by_name.get(qualified, {})
        if len(matches) != 1:
            hint = "name its schema" if matches else "the project's schema has no such table"
            raise QueryRejected(RejectionReason.unknown_table, f"unknown table {qualified!r}: {hint}")
        [(entity_name, columns)] = matches.items()
        tables.append(entity_name)
        used[table.alias_or_name.lower()] = columns
    known_anywhere = set().union(*used.values()) if used else set()
    aliases = {a.alias.lower() for a in tree.find_all(exp.Alias)}
    for cte in tree.find_all(exp.CTE):
        aliases |= {c.alias_or_name.lower() for c in cte.this.selects} if isinstance(cte.this, exp.Query) else set()
    for column in tree.find_all(exp.Column):
        name = column.name.lower()
        if not name or isinstance(column.this, exp.Star):
            continue
        qualifier = column.table.lower()
        if qualifier and qualifier in used:
            if name not in used[qualifier]:
                raise QueryRejected(RejectionReason.unknown_column, f"unknown column {qualifier}.{name}")
        elif not qualifier and name not in known_anywhere and name not in aliases:
            raise QueryRejected(RejectionReason.unknown_column, f"unknown column {name!r} in the tables used")
    return sorted(set(tables))


def _with_row_limit(tree: exp.Query, max_rows: int) -> tuple[exp.Query, bool]:
    limit = tree.args.get("limit")
    value = limit.expression if limit is not None else None
    if isinstance(value, exp.Literal) and value.is_int and int(value.this) <= max_rows:
        return tree, False
    if isinstance(tree, exp.Select):
        return tree.limit(max_rows, copy=True), True
    # A UNION and friends: the cap goes around the whole query.
    return exp.select("*").from_(tree.subquery("capped")).limit(max_rows), True
