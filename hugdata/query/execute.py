"""Running a validated query on the tenant's read-only engine, with a row cap."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlalchemy import Engine
from sqlglot import exp

from hugdata.catalog.semantic import SemanticModel
from hugdata.query.validation import SQLGLOT_DIALECT, ValidatedQuery, validate_query
from hugdata.tenants.models import Dialect

_PERCENT_STYLES = ("format", "pyformat")


@dataclass(frozen=True)
class QueryResult:
    sql: str
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


def execute_validated(engine: Engine, query: ValidatedQuery, *, max_rows: int) -> QueryResult:
    """Rows of an already validated query; at most ``max_rows`` are fetched, whatever the SQL says."""
    with engine.connect() as connection:
        result = connection.exec_driver_sql(_as_sent(engine, query.sql))
        rows = [list(row) for row in result.fetchmany(max_rows + 1)]
        columns = list(result.keys())
        connection.rollback()  # nothing to keep: the session is read-only anyway
    return QueryResult(sql=query.sql, columns=columns, rows=rows[:max_rows], truncated=len(rows) > max_rows)


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
    prefix = {
        Dialect.postgresql: "EXPLAIN (FORMAT JSON) ",
        Dialect.mysql: "EXPLAIN FORMAT=JSON ",
        Dialect.sqlite: "EXPLAIN QUERY PLAN ",
    }[dialect]
    last_cost = None
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(_as_sent(engine, prefix + query.sql)).all()
        if dialect is Dialect.mysql:
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
        for t in sqlglot.parse_one(query.sql, read=SQLGLOT_DIALECT[dialect]).find_all(exp.Table)
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


def run_read_query(engine: Engine, sql: str, *, dialect: Dialect, model: SemanticModel, max_rows: int) -> QueryResult:
    """Validate ``sql`` against the tenant's model, then run it; raises QueryRejected before touching the source."""
    return execute_validated(
        engine, validate_query(sql, dialect=dialect, model=model, max_rows=max_rows), max_rows=max_rows
    )
