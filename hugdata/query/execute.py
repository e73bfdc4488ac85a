"""Running a validated query on the tenant's read-only engine, with a row cap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from hugdata.catalog.semantic import SemanticModel
from hugdata.query.validation import ValidatedQuery, validate_query
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
        # Sent as validated, without bound parameters. psycopg and PyMySQL still read "%" as a placeholder marker
        # (LIKE 'a%', DATE_FORMAT(d, '%Y')), so for their paramstyles a literal percent is written as "%%".
        sql = query.sql.replace("%", "%%") if engine.dialect.paramstyle in _PERCENT_STYLES else query.sql
        result = connection.exec_driver_sql(sql)
        rows = [list(row) for row in result.fetchmany(max_rows + 1)]
        columns = list(result.keys())
        connection.rollback()  # nothing to keep: the session is read-only anyway
    return QueryResult(sql=query.sql, columns=columns, rows=rows[:max_rows], truncated=len(rows) > max_rows)


def run_read_query(engine: Engine, sql: str, *, dialect: Dialect, model: SemanticModel, max_rows: int) -> QueryResult:
    """Validate ``sql`` against the tenant's model, then run it; raises QueryRejected before touching the source."""
    return execute_validated(
        engine, validate_query(sql, dialect=dialect, model=model, max_rows=max_rows), max_rows=max_rows
    )
