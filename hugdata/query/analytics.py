"""Usage analytics of one tenant's asks, computed with pandas from its query log."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

if TYPE_CHECKING:
    import pandas as pd

TOP = 10


def _tables_and_columns(sql: str) -> tuple[set[str], set[str]]:
    """The tables a query reads and its columns as ``table.column``: an alias of its own output (``ORDER BY value``)
    is no column, and a bare name is counted only where one table could hold it."""
    try:
        tree = sqlglot.parse_one(sql)
    except SqlglotError:
        return set(), set()
    tables = {f"{t.db}.{t.name}" if t.db else t.name for t in tree.find_all(exp.Table) if t.name}
    columns: set[str] = set()
    for select in tree.find_all(exp.Select):
        sources = {(t.alias or t.name).lower(): t.name for t in select.find_all(exp.Table) if t.name}
        outputs = {p.alias.lower() for p in select.expressions if isinstance(p, exp.Alias)}
        for column in select.find_all(exp.Column):
            if not column.name or column.find_ancestor(exp.Select) is not select:
                continue
            if column.table:
                table = sources.get(column.table.lower())
            elif column.name.lower() in outputs:
                continue
            else:
                table = next(iter(sources.values())) if len(sources) == 1 else None
            if table:
                columns.add(f"{table}.{column.name}")
    return tables, columns


def usage_summary(log: pd.DataFrame) -> dict[str, Any]:
    """Questions per day, success rate, latency p50/p95, most used tables and columns, error classes."""
    if log.empty:
        return {"questions": 0, "per_day": {}, "success_rate": None, "latency_ms": {}, "top_tables": [],
                "top_columns": [], "error_classes": {}}  # fmt: skip
    import pandas as pd  # here, not at import: every run worker imports this module, few runs need pandas

    log = log.assign(day=pd.to_datetime(log["created_at"], utc=True).dt.strftime("%Y-%m-%d"))
    valid = log[log["valid"] & log["sql"].notna()]
    tables: Counter[str] = Counter()
    columns: Counter[str] = Counter()
    for sql in valid["sql"]:
        used_tables, used_columns = _tables_and_columns(sql)
        tables.update(used_tables)
        columns.update(used_columns)
    return {
        "questions": int(len(log)),
        "per_day": {day: int(n) for day, n in log.groupby("day").size().items()},
        "success_rate": round(float((log["valid"] & log["error_class"].isna()).mean()), 4),
        "latency_ms": {
            "p50": float(log["latency_ms"].quantile(0.5)),
            "p95": float(log["latency_ms"].quantile(0.95)),
        },
        "top_tables": [{"table": t, "uses": n} for t, n in tables.most_common(TOP)],
        "top_columns": [{"column": c, "uses": n} for c, n in columns.most_common(TOP)],
        "error_classes": {str(k): int(v) for k, v in log["error_class"].dropna().value_counts().items()},
    }
