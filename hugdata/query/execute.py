"""Running a validated query on the tenant's read-only engine: guarded, streamed, capped in rows, bytes and memory.

PostgreSQL rows come through a server-side cursor from SQL that stops sending values past the ask's memory budget
(`answer_bounds`); MySQL/MariaDB rows are read one at a time off the wire, each no longer than the budget, and a
statement that outlives its limit is killed with its connection and checked gone; SQLite queries run in a worker
process that a deadline can kill (`sqlite_runner`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlglot
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlglot import exp

from hugdata.catalog.semantic import SemanticModel
from hugdata.query.answer_bounds import mysql_packet_limit, postgres_bounded_sql
from hugdata.query.cost_rules import MAX_PATTERN_CHARS
from hugdata.query.results import merge_types
from hugdata.query.row_reader import RowReader
from hugdata.query.source_guards import SQLITE_FUNCTIONS, guard_postgresql
from hugdata.query.sql_policy import is_mysql_family, sqlglot_dialect
from hugdata.query.sqlite_runner import sqlite_runner
from hugdata.query.validation import ValidatedQuery, validate_query
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import BoundedMySQLConnection, PacketTooLarge, SourceLimits

log = logging.getLogger(__name__)
_PERCENT_STYLES = ("format", "pyformat")
DEFAULT_MAX_RESULT_BYTES = 4 * 1024 * 1024
# How long a killed MariaDB statement may take to leave the server's process list before it is reported.
_KILL_CONFIRM_S = 5.0


@dataclass(frozen=True)
class QueryResult:
    sql: str
    columns: list[str]
    rows: list[list[Any]]  # driver values (Decimal, datetime, bytes, ...); `results.json_value` makes them JSON
    truncated: bool
    column_types: list[str] = field(default_factory=list)
    truncated_by: Literal["max_rows", "max_bytes"] | None = None


def execute_validated(
    engine: Engine,
    query: ValidatedQuery,
    *,
    max_rows: int,
    max_bytes: int = DEFAULT_MAX_RESULT_BYTES,
    limits: SourceLimits | None = None,
) -> QueryResult:
    """Rows of an already validated query: at most ``max_rows``, about ``max_bytes`` of answer and a fraction of
    the ask's memory budget, whatever the SQL says; reading stops as soon as a cap is reached."""
    limits = limits or SourceLimits()
    reader = RowReader(max_rows=max_rows, max_bytes=max_bytes, max_memory=answer_memory(limits, max_bytes))
    kind = engine.dialect.name
    if kind == "sqlite":
        _run_sqlite(engine, query, reader, limits)
    else:
        with engine.connect() as connection:
            if kind == "postgresql":
                _run_postgresql(connection, query, reader, limits)
            else:
                _run_mysql(connection, query, reader)
            if connection.in_transaction():
                connection.rollback()  # nothing to keep: the session is read-only anyway
    return QueryResult(
        sql=query.sql,
        columns=reader.columns,
        rows=reader.rows,
        truncated=reader.truncated_by is not None,
        column_types=[merge_types(seen) for seen in reader.types],
        truncated_by=reader.truncated_by,
    )


def answer_memory(limits: SourceLimits, max_bytes: int) -> int:
    """What an answer's rows may cost as Python objects: a quarter of the ask's memory budget (the rest is for the
    driver's buffer and the JSON body), and never less than the answer's own byte cap."""
    return max(max_bytes, limits.ask_memory_bytes // 4)


def _driver_error(query: ValidatedQuery, exc: Exception, family: type[Exception]) -> DBAPIError:
    # The driver's own error, raised the way SQLAlchemy raises it, so callers handle one family of errors.
    return DBAPIError.instance(query.sql, None, exc, family)


def _run_postgresql(connection: Connection, query: ValidatedQuery, reader: RowReader, limits: SourceLimits) -> None:
    guard_postgresql(connection, limits)
    raw = connection.connection.driver_connection
    driver_error = connection.engine.dialect.loaded_dbapi.Error
    try:
        # DECLARE plans the query without running it: its columns, to wrap it in the budget's running total.
        describe = raw.cursor(name="hugdata_describe")
        describe.execute(query.sql)
        description = describe.description or []
        describe.close()
        cursor = raw.cursor(name="hugdata_answer")  # on the server: rows cross the wire only as they are fetched
        cursor.execute(postgres_bounded_sql(query.sql, description, budget_bytes=reader.max_memory))
        try:
            reader.read(cursor, over_budget_flag=True)
        finally:
            cursor.close()
    except driver_error as exc:
        raise _driver_error(query, exc, driver_error) from exc


def _run_mysql(connection: Connection, query: ValidatedQuery, reader: RowReader) -> None:
    import pymysql.cursors

    raw = connection.connection.driver_connection
    thread_id = int(raw.thread_id())
    driver_error = connection.engine.dialect.loaded_dbapi.Error
    cursor = raw.cursor(pymysql.cursors.SSCursor)  # unbuffered: rows are read off the socket as fetched
    drained = False
    try:
        with mysql_packet_limit(raw, min(reader.max_bytes, reader.max_memory)):
            cursor.execute(query.sql)
            reader.read(cursor, one_at_a_time=True)
        drained = reader.truncated_by is None
    except PacketTooLarge:
        reader.truncated_by = "max_bytes"
    except driver_error as exc:
        _stop_mysql_statement(connection, thread_id)
        raise _driver_error(query, exc, driver_error) from exc
    finally:
        if not drained:
            _stop_mysql_statement(connection, thread_id)
        try:
            cursor.close()
        except Exception:
            connection.invalidate()


def _stop_mysql_statement(connection: Connection, thread_id: int) -> None:
    """End the connection's statement for real: KILL the connection from another one, drop ours, and check the
    server's process list until the thread is gone (MariaDB may keep running a statement it marked killed)."""
    raw = connection.connection.driver_connection
    if isinstance(raw, BoundedMySQLConnection):
        raw.abandon_result()
    connection.invalidate()
    killer = connection.engine.raw_connection()  # a connection of its own: the source engines do not pool
    try:
        with killer.cursor() as cursor:
            try:
                cursor.execute(f"KILL CONNECTION {int(thread_id)}")
            except Exception:  # noqa: BLE001 - already gone
                return
            deadline = time.monotonic() + _KILL_CONFIRM_S
            while time.monotonic() < deadline:
                cursor.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s", (thread_id,))
                if not cursor.fetchone()[0]:
                    return
                time.sleep(0.05)
            log.warning(
                "a killed statement is still running on the tenant's server", extra={"source_thread_id": thread_id}
            )
    finally:
        killer.close()


def _run_sqlite(engine: Engine, query: ValidatedQuery, reader: RowReader, limits: SourceLimits) -> None:
    job = {
        "path": engine.url.database,
        "sql": query.sql,
        "tables": [table for _, table in query.sources],
        "ctes": list(query.ctes),
        "functions": sorted(SQLITE_FUNCTIONS),
        "max_rows": reader.max_rows,
        "max_bytes": reader.max_bytes,
        "max_memory": reader.max_memory,
        "max_value_bytes": limits.max_value_bytes,
        "max_pattern_chars": MAX_PATTERN_CHARS,
        "timeout_s": limits.statement_timeout_s,
        "connect_timeout_s": limits.connect_timeout_s,
    }
    runner = sqlite_runner(limits.ask_memory_bytes)
    try:
        reply = runner.run(job, timeout_s=limits.statement_timeout_s, max_reply_bytes=2 * reader.max_memory + 65536)
    except sqlite3.Error as exc:
        raise _driver_error(query, exc, sqlite3.Error) from exc
    if "error" in reply:
        error_class = getattr(sqlite3, str(reply.get("name")), sqlite3.OperationalError)
        if not (isinstance(error_class, type) and issubclass(error_class, sqlite3.Error)):
            error_class = sqlite3.OperationalError
        error = error_class(reply["error"])
        error.sqlite_errorcode = reply.get("code")
        raise _driver_error(query, error, sqlite3.Error) from None
    reader.columns, reader.rows = list(reply["columns"]), [list(r) for r in reply["rows"]]
    reader.types = [set(t) for t in reply["types"]]
    reader.truncated_by = reply["truncated_by"]


def _as_sent(engine: Engine, sql: str) -> str:
    """``sql`` as the driver must receive it to run unchanged without bound parameters: psycopg and PyMySQL still
    read "%" as a placeholder marker (LIKE 'a%', DATE_FORMAT(d, '%Y')), so for them a literal percent is "%%"."""
    return sql.replace("%", "%%") if engine.dialect.paramstyle in _PERCENT_STYLES else sql


@dataclass(frozen=True)
class PlanCost:
    """What the source's planner expects of a query; ``cost`` is in the server's own units (None where it has none)."""

    cost: float | None
    estimated_rows: float | None
    full_scans: list[str]
    plan: str | None = None


def explain_validated(engine: Engine, query: ValidatedQuery, *, dialect: Dialect) -> PlanCost:
    """The source's EXPLAIN (never ANALYZE: nothing runs) of an already validated query."""
    mysql = is_mysql_family(dialect)
    prefix = (
        "EXPLAIN FORMAT=JSON "
        if mysql
        else {Dialect.postgresql: "EXPLAIN (FORMAT JSON) ", Dialect.sqlite: "EXPLAIN QUERY PLAN "}[dialect]
    )
    last_cost = None
    with engine.connect() as connection:
        if dialect is Dialect.postgresql:
            guard_postgresql(connection, SourceLimits())
        rows = connection.exec_driver_sql(_as_sent(engine, prefix + query.sql)).all()
        if mysql:
            # MariaDB's JSON plan has no cost; the optimizer's estimate for the statement just planned is here.
            status = connection.exec_driver_sql("SHOW SESSION STATUS LIKE 'Last_query_cost'").first()
            last_cost = float(status[1]) if status is not None else None
        connection.rollback()
    cost = _read_plan(rows, dialect)
    if cost.cost is None and last_cost:
        cost = PlanCost(cost=last_cost, estimated_rows=cost.estimated_rows, full_scans=cost.full_scans)
    # SQLite and MariaDB name scanned tables by their alias in the query (t0); report the table.
    tables = {
        t.alias_or_name.lower(): t.name
        for t in sqlglot.parse_one(query.sql, read=sqlglot_dialect(dialect)).find_all(exp.Table)
    }
    scans = [tables.get(name.lower(), name) for name in cost.full_scans]
    return PlanCost(cost=cost.cost, estimated_rows=cost.estimated_rows, full_scans=scans, plan=cost.plan)


def _read_plan(rows: Sequence[Any], dialect: Dialect) -> PlanCost:
    if dialect is Dialect.sqlite:
        details = [str(row[-1]) for row in rows]
        scans = [d.split()[1] for d in details if d.startswith("SCAN ") and " USING " not in d]
        return PlanCost(cost=None, estimated_rows=None, full_scans=scans, plan="\n".join(details))
    document = rows[0][0]
    plan = json.loads(document) if isinstance(document, str) else document
    if dialect is Dialect.postgresql:
        top = plan[0]["Plan"]
        nodes = list(_walk(top))
        scans = [n["Relation Name"] for n in nodes if n.get("Node Type") == "Seq Scan" and "Relation Name" in n]
        return PlanCost(cost=float(top["Total Cost"]), estimated_rows=float(top["Plan Rows"]), full_scans=scans)
    block = plan["query_block"]
    tables = [n["table"] for n in _walk(block) if isinstance(n.get("table"), dict)]
    cost = block.get("cost_info", {}).get("query_cost")  # MySQL has it; MariaDB's JSON plan does not
    rows_read = [float(t.get("rows", t.get("rows_examined_per_scan", 0)) or 0) for t in tables]
    return PlanCost(
        cost=float(cost) if cost is not None else None,
        estimated_rows=sum(rows_read) if rows_read else None,
        full_scans=[t["table_name"] for t in tables if t.get("access_type") == "ALL" and "table_name" in t],
    )


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def run_read_query(
    engine: Engine,
    sql: str,
    *,
    dialect: Dialect,
    model: SemanticModel,
    max_rows: int,
    max_bytes: int = DEFAULT_MAX_RESULT_BYTES,
    limits: SourceLimits | None = None,
) -> QueryResult:
    """Validate ``sql`` against the tenant's model, then run it; raises QueryRejected before touching the source."""
    return execute_validated(
        engine,
        validate_query(sql, dialect=dialect, model=model, max_rows=max_rows),
        max_rows=max_rows,
        max_bytes=max_bytes,
        limits=limits,
    )
