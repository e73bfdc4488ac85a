"""The distinct values of a tenant's category columns, read on demand so the planner can match "cancelled orders";
and, for a column with too many values to list (cities, names), whether it holds one exact value ("from London")."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlglot import exp

from hugdata.catalog.semantic import ColumnSemantics, Entity, SemanticModel
from hugdata.memory.recent import RecentProjects
from hugdata.query.execute import run_read_query
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.tenants.models import Dialect

# More distinct values than this and the column is not a category (names, emails); no question word should match.
MAX_CATEGORY_VALUES = 50
# Tables larger than this are not probed for a value: the probe may scan the table, once per column asked about.
MAX_PROBED_ROWS = 5_000_000


def _table(entity: Entity) -> exp.Table:
    schema, _, table = entity.name.rpartition(".")
    return exp.table_(table, db=schema or None, quoted=True)


@dataclass
class ReadValues:
    """What asks read of one project's source values: each column's categories, and each probed value's answer."""

    model: SemanticModel
    expires: float
    categories: dict[tuple[str, str], Sequence[str] | None] = field(default_factory=dict)
    probes: dict[tuple[str, str, str], str] = field(default_factory=dict)


class SourceValueMemory:
    """Source values read by a project's asks, shared by its next asks for ``ttl_s`` while its model in force stays
    the same object (a new schema version or layer starts afresh): most asks then read nothing of the source but
    their answer. Bounded to the ``capacity`` most recently asked projects."""

    def __init__(self, *, ttl_s: float = 300.0, capacity: int = 512) -> None:
        self._ttl_s = ttl_s
        self._projects: RecentProjects[ReadValues] = RecentProjects(capacity)

    def of(self, project_id: str, model: SemanticModel) -> ReadValues:
        """The values read for ``project_id`` under ``model``, empty when none are current."""
        now = time.monotonic()
        read = self._projects.get(project_id)
        if read is None or read.model is not model or read.expires < now:
            read = ReadValues(model=model, expires=now + self._ttl_s)
            self._projects.put(project_id, read)
        return read


SOURCE_VALUES = SourceValueMemory()


def category_value_lookup(
    engine: Callable[[], Engine],
    *,
    dialect: Dialect,
    model: SemanticModel,
    read: ReadValues | None = None,
) -> Callable[[Entity, ColumnSemantics], Sequence[str] | None]:
    """A lookup reading each asked-for column once (validated, read-only, capped); ``engine`` opens on first use.
    With ``read``, what earlier asks read is used and what this one reads is kept for the next."""
    cache = read.categories if read is not None else {}

    def lookup(entity: Entity, column: ColumnSemantics) -> Sequence[str] | None:
        key = (entity.name, column.name)
        if key not in cache:
            sql = (
                exp.select(exp.column(column.name, quoted=True))
                .distinct()
                .from_(_table(entity))
                .limit(MAX_CATEGORY_VALUES + 1)
                .sql(dialect=sqlglot_dialect(dialect))
            )
            result = run_read_query(engine(), sql, dialect=dialect, model=model, max_rows=MAX_CATEGORY_VALUES + 1)
            values = [row[0] for row in result.rows if isinstance(row[0], str)]
            cache[key] = None if len(result.rows) > MAX_CATEGORY_VALUES else values
        return cache[key]

    return lookup


def value_probe(
    engine: Callable[[], Engine],
    *,
    dialect: Dialect,
    model: SemanticModel,
    read: ReadValues | None = None,
) -> Callable[[Entity, ColumnSemantics, str], str]:
    """How a column holds ``value``: "only" (stored exactly, and no other value contains it), "inside" (stored
    exactly, and also inside other values: "London" and "Enfield, London"), or "" (not stored). Validated, read-only,
    a row at most per query; each answer read once. Tables over MAX_PROBED_ROWS, or of unknown size, are not probed."""
    cache = read.probes if read is not None else {}

    def found(entity: Entity, condition: exp.Expression) -> bool:
        sql = (
            exp.select(exp.Literal.number(1))
            .from_(_table(entity))
            .where(condition)
            .limit(1)
            .sql(dialect=sqlglot_dialect(dialect))
        )
        return bool(run_read_query(engine(), sql, dialect=dialect, model=model, max_rows=1).rows)

    def holds(entity: Entity, column: ColumnSemantics, value: str) -> str:
        if entity.row_estimate is None or entity.row_estimate > MAX_PROBED_ROWS:
            return ""
        if any(ch in value for ch in "%_\\"):
            return ""  # a LIKE wildcard in a name would need escaping that differs by dialect: not probed
        key = (entity.name, column.name, value)
        if key not in cache:
            ref = exp.column(column.name, quoted=True)
            held = ""
            if found(entity, ref.eq(exp.Literal.string(value))):
                within = exp.Like(this=ref.copy(), expression=exp.Literal.string(f"%{value}%"))
                wider = exp.and_(within, ref.copy().neq(exp.Literal.string(value)))
                held = "inside" if found(entity, wider) else "only"
            cache[key] = held  # only once both reads succeeded: a failed read is not remembered for other asks
        return cache[key]

    return holds
