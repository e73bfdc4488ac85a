"""An answer's memory, bounded before the driver holds it: by the server for PostgreSQL, by the wire for MySQL/MariaDB.

A byte cap checked after a fetch comes too late: one fetch of 64 rows of `repeat('x', 100000000)` is gigabytes in
the API process. PostgreSQL computes, next to each row, a running total of what the rows so far cost (their text
length, weighted where the driver turns text into many objects, plus a per-value overhead), and sends NULLs and a flag
instead of values once the total passes the ask's budget, so no fetch can carry more. MySQL and MariaDB send a row as
one packet whose length comes first: a connection refuses to read a packet longer than the budget.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pymysql.connections

from hugdata.query.identifiers import quoted
from hugdata.query.row_reader import VALUE_OVERHEAD_BYTES
from hugdata.tenants.source_engines import BoundedMySQLConnection

# PostgreSQL types psycopg turns into many Python objects (arrays, JSON, records): their text counts this much more.
STRUCTURED_WEIGHT = 16
_STRUCTURED_NAMES = frozenset({"json", "jsonb", "record"})
OVER_BUDGET_COLUMN = "hugdata_over_budget"


def _structured(type_code: int) -> bool:
    from psycopg.postgres import types

    info = types.get(type_code)
    return info is not None and (type_code == info.array_oid or info.name in _STRUCTURED_NAMES)


def postgres_bounded_sql(sql: str, description: Sequence[Any], *, budget_bytes: int) -> str:
    """``sql`` wrapped so that once the rows so far cost more than ``budget_bytes`` every value comes as NULL and
    the last column (``OVER_BUDGET_COLUMN``) is true; the other columns keep their names, types and order."""
    inner = [f"c{i}" for i in range(len(description))]
    costs = (
        " + ".join(
            f"coalesce(octet_length(q.{c}::text), 0) * {STRUCTURED_WEIGHT if _structured(d.type_code) else 1} "
            f"+ {VALUE_OVERHEAD_BYTES}"
            for c, d in zip(inner, description, strict=True)
        )
        or "0"
    )
    names = [quoted(str(d.name)).sql(dialect="postgres") for d in description]
    values = ", ".join(
        f"CASE WHEN w.{OVER_BUDGET_COLUMN} THEN NULL ELSE w.{c} END AS {name}"
        for c, name in zip(inner, names, strict=True)
    )
    # No PARTITION or ORDER in the window: PostgreSQL adds no sort, so the rows keep the query's own order.
    return (
        f"SELECT {values + ', ' if values else ''}w.{OVER_BUDGET_COLUMN} FROM ("
        f"SELECT q.*, sum({costs}) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) > {int(budget_bytes)} "
        f"AS {OVER_BUDGET_COLUMN} FROM ({sql}) AS q({', '.join(inner)})) AS w"
    )


@contextmanager
def mysql_packet_limit(raw: Any, limit: int) -> Iterator[None]:
    """Refuse packets longer than ``limit`` on ``raw`` (a BoundedMySQLConnection) for the duration of a read."""
    limit = min(limit, pymysql.connections.MAX_PACKET_LEN - 1)
    bounded = isinstance(raw, BoundedMySQLConnection)
    if bounded:
        raw.read_limit = limit
    try:
        yield
    finally:
        if bounded:
            raw.read_limit = None
