"""The second wall around a tenant query, set on the source connection just before the query runs.

PostgreSQL: a READ ONLY transaction with statement, lock and idle-in-transaction limits, in which what changes how the
server reads the query's text is pinned: standard-conforming strings (so a backslash cannot end a literal early),
UTF-8, and a search path of the built-in catalog only (every table in the query is already fully qualified, so no
tenant schema may resolve a name first). SQLite: an authorizer in the worker process (`sqlite_worker`) that lets the
statement read only the tables the validator resolved and call only the functions named here. MySQL and MariaDB get
their read-only session, pinned sql_mode and statement time limit when the connection opens (`tenants.source_engines`).
"""

from __future__ import annotations

from sqlalchemy import Connection

from hugdata.query.sql_policy import ALLOWED_FUNCTIONS
from hugdata.tenants.source_engines import SourceLimits

_PG_GUARD = (
    "SELECT set_config('search_path', %(path)s, true), set_config('statement_timeout', %(statement)s, true), "
    "set_config('lock_timeout', %(lock)s, true), set_config('idle_in_transaction_session_timeout', %(idle)s, true), "
    "set_config('standard_conforming_strings', 'on', true), set_config('client_encoding', 'UTF8', true)"
)
# Built-in functions first; temporary objects last, where no function is ever looked up.
PG_SEARCH_PATH = "pg_catalog, pg_temp"
# What a SQLite query may call: the allow-list, and what SQLite calls on a statement's behalf or sqlglot writes for
# allowed expressions (LIKE, GLOB, MATCH, ...).
SQLITE_FUNCTIONS = ALLOWED_FUNCTIONS["sqlite"] | frozenset(
    {"like", "glob", "match", "iif", "coalesce", "instr", "substring", "strftime", "printf"}
)


def guard_postgresql(connection: Connection, limits: SourceLimits) -> None:
    """Make the connection's current transaction read-only, bounded and pinned (first statements of the transaction)."""
    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    connection.exec_driver_sql(
        _PG_GUARD,
        {
            "path": PG_SEARCH_PATH,
            "statement": f"{limits.statement_timeout_s * 1000}",
            "lock": f"{limits.lock_timeout_s * 1000}",
            "idle": f"{(limits.statement_timeout_s + 5) * 1000}",
        },
    )
