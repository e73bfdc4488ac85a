"""Running a validated query on the tenant's read-only engine: guarded, streamed, capped in rows and in bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlglot
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlglot import exp

from hugdata.catalog.semantic import SemanticModel
from hugdata.query.results import encoded_size, json_value, merge_types, value_type
from hugdata.query.source_guards import guard_postgresql, sqlite_guard
from hugdata.query.sql_policy import is_mysql_family, sqlglot_dialect
from hugdata.query.validation import ValidatedQuery, validate_query
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import SourceLimits

_PERCENT_STYLES = ("format", "pyformat")
DEFAULT_MAX_RESULT_BYTES = 4 * 1024 * 1024
_FIRST_BATCH = 64
_MAX_BATCH = 500


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
    """Rows of an already validated query: at most ``max_rows`` and about ``max_bytes`` of answer, whatever the SQL
    says; rows are read in batches from a server-side cursor and reading stops as soon as either cap is reached."""
    kind = engine.dialect.name
    with engine.connect() as connection:
        if kind == "postgresql":
            guard_postgresql(connection, query, limits or SourceLimits())
        reader = _RowReader(max_rows=max_rows, max_bytes=max_bytes)
        raw = connection.connection.driver_connection
        driver_error = engine.dialect.loaded_dbapi.Error
        cursor = _open_cursor(raw, kind)
        complete = False
        try:
            if kind == "sqlite":
                with sqlite_guard(raw, query):
                    cursor.execute(query.sql)
                    reader.read(cursor)
            else:
                cursor.execute(query.sql)
                reader.read(cursor)
            complete = True
        except driver_error as exc:
            # The driver's own error, raised the way SQLAlchemy raises it, so callers handle one family of errors.
            raise DBAPIError.instance(query.sql, None, exc, driver_error) from exc
        finally:
            _close_cursor(connection, cursor, kind, drained=complete and reader.truncated_by is None)
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


def _open_cursor(raw: Any, kind: str) -> Any:
    if kind == "postgresql":
        # A named cursor lives on the server: rows cross the wire only as they are fetched.
        return raw.cursor(name="hugdata_answer")
    if kind in ("mysql", "mariadb"):
        import pymysql.cursors

        return raw.cursor(pymysql.cursors.SSCursor)  # unbuffered: rows are read off the socket as fetched
    return raw.cursor()


def _close_cursor(connection: Connection, cursor: Any, kind: str, *, drained: bool) -> None:
    try:
        if kind in ("mysql", "mariadb") and not drained:
            # Closing an unbuffered cursor reads every remaining row off the socket: the server is told to stop
            # the statement first, so only what is already in flight is read (and the connection stays sound).
            _kill_statement(connection)
        cursor.close()
    except Exception:
        connection.invalidate()


def _kill_statement(connection: Connection) -> None:
    thread_id = int(connection.connection.driver_connection.thread_id())
    killer = connection.engine.raw_connection()  # a connection of its own: the source engines do not pool
    try:
        with killer.cursor() as cursor:
            cursor.execute(f"KILL QUERY {thread_id}")
    finally:
        killer.close()


class _RowReader:
    """Fetches rows in batches sized to the bytes left, keeping columns, types and the reason reading stopped."""

    def __init__(self, *, max_rows: int, max_bytes: int) -> None:
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self.columns: list[str] = []
        self.rows: list[list[Any]] = []
        self.types: list[set[str]] = []
        self.truncated_by: Literal["max_rows", "max_bytes"] | None = None
        self._bytes = 0

    def read(self, cursor: Any) -> None:
        self.columns = [str(d[0]) for d in cursor.description or []]
        self.types = [set() for _ in self.columns]
        batch = _FIRST_BATCH
        while True:
            wanted = min(batch, self.max_rows + 1 - len(self.rows))
            fetched = cursor.fetchmany(wanted)
            for row in fetched:
                if len(self.rows) == self.max_rows:
                    self.truncated_by = "max_rows"
                    return
                size = sum(encoded_size(json_value(v)) + 1 for v in row) + 2
                if self._bytes + size > self.max_bytes:
                    self.truncated_by = "max_bytes"
                    return
                self._bytes += size
                self.rows.append(list(row))
                for seen, value in zip(self.types, row, strict=False):
                    if (kind := value_type(value)) is not None:
                        seen.add(kind)
            if len(fetched) < wanted:
                return
            average = max(1, self._bytes // max(1, len(self.rows)))
            batch = max(1, min(_MAX_BATCH, (self.max_bytes - self._bytes) // average))


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
            guard_postgresql(connection, query, SourceLimits())
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
) -> QueryResult:
    """Validate ``sql`` against the tenant's model, then run it; raises QueryRejected before touching the source."""
    return execute_validated(
        engine,
        validate_query(sql, dialect=dialect, model=model, max_rows=max_rows),
        max_rows=max_rows,
        max_bytes=max_bytes,
    )
