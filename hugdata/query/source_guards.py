"""The second wall around a tenant query, set on the source connection just before the query runs.

PostgreSQL: a READ ONLY transaction whose search path is the model's schemas (so unqualified names cannot resolve to
anything else first) with statement, lock and idle-in-transaction limits. SQLite: an authorizer that lets the
statement read only the tables the validator resolved and call only allowed functions. MySQL and MariaDB get their
read-only session and statement time limit when the connection opens (`tenants.source_engines`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

from hugdata.query.sql_policy import ALLOWED_FUNCTIONS
from hugdata.query.validation import ValidatedQuery
from hugdata.tenants.source_engines import SourceLimits

_PG_GUARD = (
    "SELECT set_config('search_path', %(path)s, true), set_config('statement_timeout', %(statement)s, true), "
    "set_config('lock_timeout', %(lock)s, true), set_config('idle_in_transaction_session_timeout', %(idle)s, true)"
)
# Functions SQLite calls on a statement's behalf or that sqlglot writes for allowed expressions.
_SQLITE_INTERNAL_FUNCTIONS = frozenset({"like", "glob", "iif", "coalesce", "instr", "substring", "strftime", "printf"})


def pg_search_path(query: ValidatedQuery) -> str:
    """The model's schemas the query reads, then the built-ins; temporary objects last so they never shadow."""
    schemas = sorted({schema for schema, _ in query.sources}) or ["public"]
    quoted = ", ".join('"' + s.replace('"', '""') + '"' for s in schemas)
    return f"{quoted}, pg_catalog, pg_temp"


def guard_postgresql(connection: Connection, query: ValidatedQuery, limits: SourceLimits) -> None:
    """Make the connection's current transaction read-only and bounded (first statements of the transaction)."""
    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    connection.exec_driver_sql(
        _PG_GUARD,
        {
            "path": pg_search_path(query),
            "statement": f"{limits.statement_timeout_s * 1000}",
            "lock": f"{limits.lock_timeout_s * 1000}",
            "idle": f"{(limits.statement_timeout_s + 5) * 1000}",
        },
    )


def sqlite_authorizer(query: ValidatedQuery) -> Callable[[int, str | None, str | None, str | None, str | None], int]:
    """An authorizer permitting exactly: SELECT, reads of the resolved tables (and through them, of the views they
    are), recursive CTEs and allowed functions. Anything else (PRAGMA, ATTACH, writes, sqlite_master) is denied."""
    tables = {table.lower() for _, table in query.sources}
    functions = ALLOWED_FUNCTIONS["sqlite"] | _SQLITE_INTERNAL_FUNCTIONS

    def authorize(action: int, arg1: str | None, arg2: str | None, database: str | None, source: str | None) -> int:
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        # Compound selects read their operands again with no database named.
        if action == sqlite3.SQLITE_READ and database in ("main", None):
            if (arg1 or "").lower() in tables or (source or "").lower() in tables:
                return sqlite3.SQLITE_OK
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in functions:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    return authorize


@contextmanager
def sqlite_guard(raw: Any, query: ValidatedQuery) -> Iterator[None]:
    """The authorizer on the raw sqlite3 connection for the duration of one query."""
    raw.set_authorizer(sqlite_authorizer(query))
    try:
        yield
    finally:
        raw.set_authorizer(None)
