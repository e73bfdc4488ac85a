"""The distinct values of a tenant's category columns, read on demand so the planner can match "cancelled orders"."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Engine
from sqlglot import exp

from hugdata.catalog.semantic import ColumnSemantics, Entity, SemanticModel
from hugdata.query.execute import run_read_query
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.tenants.models import Dialect

# More distinct values than this and the column is not a category (names, emails); no question word should match.
MAX_CATEGORY_VALUES = 50


def category_value_lookup(
    engine: Callable[[], Engine], *, dialect: Dialect, model: SemanticModel
) -> Callable[[Entity, ColumnSemantics], Sequence[str] | None]:
    """A lookup reading each asked-for column once (validated, read-only, capped); ``engine`` opens on first use."""
    cache: dict[tuple[str, str], Sequence[str] | None] = {}

    def lookup(entity: Entity, column: ColumnSemantics) -> Sequence[str] | None:
        key = (entity.name, column.name)
        if key not in cache:
            schema, _, table = entity.name.rpartition(".")
            sql = (
                exp.select(exp.column(column.name, quoted=True))
                .distinct()
                .from_(exp.table_(table, db=schema or None, quoted=True))
                .limit(MAX_CATEGORY_VALUES + 1)
                .sql(dialect=sqlglot_dialect(dialect))
            )
            result = run_read_query(engine(), sql, dialect=dialect, model=model, max_rows=MAX_CATEGORY_VALUES + 1)
            values = [row[0] for row in result.rows if isinstance(row[0], str)]
            cache[key] = None if len(result.rows) > MAX_CATEGORY_VALUES else values
        return cache[key]

    return lookup
