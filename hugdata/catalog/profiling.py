"""A bounded look at a source's data, taken with its schema: what the declared types do not say.

Per table one sample of at most ``SAMPLE_ROWS`` rows shows which text columns hold numbers (an invoice total
declared TEXT), which hold a few category values (kept for retrieval, except where a column's name says personal or
secret data), and whether a key-like column is unique. Each undeclared relationship candidate then costs one query
on the parent's key: are the child's sampled values all there? Costs are fixed per table and per candidate, never
per row, and a table that cannot be read is left unprofiled rather than failing the ingestion.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, column, func, literal_column, select, table, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from hugdata.catalog.relationships import Candidate, is_key_like, relationship_candidates
from hugdata.catalog.schema import ColumnProfile, SchemaSnapshot, TableInfo, ValueCheck

log = logging.getLogger(__name__)

SAMPLE_ROWS = 200
# A key-less table's first column unique in the sample is checked over the whole table up to this many rows: a
# sample of a child table's first rows (a year of batting lines) often looks unique when the column is not.
MAX_UNIQUENESS_ROWS = 2_000_000
MAX_PROFILED_TABLES = 500
MAX_VALUE_CHECKS = 500
MAX_CATEGORY_VALUES = 20
_MAX_VALUE_CHARS = 40
# Past this many rows a category's values are shown only if they repeat in the sample; below it (a lookup table of
# genres or media types) its few labels are the business vocabulary itself.
_LOOKUP_TABLE_ROWS = 50
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_PRIVATE = re.compile(
    r"pass(word|wd)?|secret|token|hash|salt|e_?mail|phone|fax|ssn|iban|card|session|"
    r"user_?name|login|first_?name|last_?name|full_?name|address|street|birth|ip_?addr",
    re.IGNORECASE,
)
_PROFILED_TYPES = {"text", "integer", "uuid"}


@dataclass
class _Sample:
    profiles: list[ColumnProfile] = field(default_factory=list)
    key_values: dict[str, list[Any]] = field(default_factory=dict)


def profile_source(engine: Engine, snapshot: SchemaSnapshot) -> SchemaSnapshot:
    """``snapshot`` with each table's column profile, PostgreSQL row counts where statistics are missing, and
    value checks for the relationship candidates its names suggest."""
    samples: dict[str, _Sample] = {}
    tables: list[TableInfo] = []
    for index, info in enumerate(snapshot.tables):
        if index >= MAX_PROFILED_TABLES:
            tables.append(info)
            continue
        updates: dict[str, Any] = {}
        if info.row_estimate is not None and info.row_estimate_source is None:
            updates["row_estimate_source"] = "count" if snapshot.dialect == "sqlite" else "statistics"
        elif info.row_estimate is None and info.kind == "table" and snapshot.dialect == "postgresql":
            updates.update(_pg_row_estimate(engine, info))
        info = info.model_copy(update=updates)
        sample = _sample_table(engine, info)
        if sample is not None:
            samples[info.qualified_name] = sample
            info = info.model_copy(update={"profile": sample.profiles})
        tables.append(info)
    profiled = snapshot.model_copy(update={"tables": tables})
    candidates = relationship_candidates(profiled)[:MAX_VALUE_CHECKS]
    checks = [check for c in candidates if (check := _value_check(engine, profiled, c, samples)) is not None]
    return profiled.model_copy(update={"value_checks": checks})


def _skip_or_raise(exc: SQLAlchemyError, what: str) -> None:
    """One table the role may not read, or one slow query, costs only its profile; a lost connection fails the
    ingestion as it would have failed the introspection (and is retried, or reported, the same way)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        raise exc
    orig = getattr(exc, "orig", None)
    log.warning("%s (%s)", what, type(orig or exc).__name__)


def _sampled_columns(info: TableInfo) -> list[str]:
    return [c.name for c in info.columns if c.type in _PROFILED_TYPES]


def _table_clause(info: TableInfo, names: Sequence[str]) -> Any:
    return table(info.name, *(column(n) for n in names), schema=info.schema_name)


def _sample_table(engine: Engine, info: TableInfo) -> _Sample | None:
    names = _sampled_columns(info)
    if not names:
        return _Sample()
    source = _table_clause(info, names)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(*source.columns).limit(SAMPLE_ROWS)).all()
    except SQLAlchemyError as exc:
        _skip_or_raise(exc, f"table {info.qualified_name} was not profiled")
        return None
    sample = _Sample()
    small_table = info.row_estimate is not None and info.row_estimate <= _LOOKUP_TABLE_ROWS
    for position, name in enumerate(names):
        values = [row[position] for row in rows if row[position] is not None]
        distinct = set(values)
        kind = info.column(name).type  # type: ignore[union-attr]
        numeric_text = kind == "text" and bool(values) and all(isinstance(v, str) and _NUMBER.match(v) for v in values)
        shown: list[str] = []
        if (
            kind == "text"
            and not numeric_text
            and not is_key_like(name)
            and not _PRIVATE.search(name)
            and 0 < len(distinct) <= MAX_CATEGORY_VALUES
            and (small_table or len(distinct) < len(values))
        ):
            texts = [str(v) for v in distinct]
            if all(len(t) <= _MAX_VALUE_CHARS for t in texts):
                counts = {t: 0 for t in texts}
                for value in values:
                    counts[str(value)] += 1
                shown = sorted(texts, key=lambda t: (-counts[t], t))
        unique = None
        if position == 0 and name == info.columns[0].name and not info.primary_key and values:
            unique = _whole_column_unique(engine, info, name) if len(distinct) == len(values) else False
        sample.profiles.append(
            ColumnProfile(
                name=name,
                sampled=len(values),
                distinct=len(distinct),
                numeric_text=numeric_text,
                values=shown,
                unique=unique,
            )
        )
        # Any sampled column may turn out to refer to another table's identifying column of the same name.
        sample.key_values[name] = sorted(distinct, key=str)
    return sample


def _whole_column_unique(engine: Engine, info: TableInfo, name: str) -> bool | None:
    """Whether ``name`` holds no value twice in the whole table; None for a table too large to scan."""
    if info.row_estimate is None or info.row_estimate > MAX_UNIQUENESS_ROWS:
        return None
    key = column(name)
    source = table(info.name, key, schema=info.schema_name)
    try:
        with engine.connect() as conn:
            present, distinct = conn.execute(
                select(func.count(key), func.count(func.distinct(key))).select_from(source)
            ).one()
    except SQLAlchemyError as exc:
        _skip_or_raise(exc, f"uniqueness of {info.qualified_name}.{name} not checked")
        return None
    return int(present) == int(distinct)


_PG_COUNT_CAP = 100_000


def _pg_row_estimate(engine: Engine, info: TableInfo) -> dict[str, Any]:
    """A never-analyzed PostgreSQL table has no statistics: count it up to a cap, past the cap estimate from the
    relation's size and a sample's average row width."""
    source = _table_clause(info, [])
    capped = select(literal_column("1")).select_from(source).limit(_PG_COUNT_CAP + 1).subquery()
    try:
        with engine.connect() as conn:
            counted = conn.execute(select(func.count()).select_from(capped)).scalar_one()
            if counted <= _PG_COUNT_CAP:
                return {"row_estimate": int(counted), "row_estimate_source": "count"}
            qualified = ".".join('"' + part.replace('"', '""') + '"' for part in (info.schema_name, info.name))
            size, width = conn.execute(
                text(
                    "SELECT pg_relation_size(CAST(:name AS regclass)), "
                    f"(SELECT avg(pg_column_size(s.*)) FROM (SELECT * FROM {qualified} LIMIT 1000) s)"
                ),
                {"name": qualified},
            ).one()
    except SQLAlchemyError as exc:
        _skip_or_raise(exc, f"no row estimate for {info.qualified_name}")
        return {}
    # Each heap tuple carries a 24-byte header and a 4-byte line pointer besides its data.
    estimate = int(size / (float(width) + 28)) if width else _PG_COUNT_CAP
    return {"row_estimate": max(estimate, _PG_COUNT_CAP + 1), "row_estimate_source": "relation_size"}


def _value_check(
    engine: Engine, snapshot: SchemaSnapshot, candidate: Candidate, samples: dict[str, _Sample]
) -> ValueCheck | None:
    sample = samples.get(candidate.child)
    parent = snapshot.table(candidate.parent)
    if sample is None or parent is None:
        return None
    values = sample.key_values.get(candidate.child_column)
    if values is None:
        return None
    found = 0
    if values:
        key = column(candidate.parent_column)
        source = table(parent.name, key, schema=parent.schema_name)
        try:
            with engine.connect() as conn:
                found = _count_found(conn, source, key, values)
        except SQLAlchemyError as exc:
            _skip_or_raise(exc, f"relationship candidate {candidate.child}.{candidate.child_column} not checked")
            return None
    return ValueCheck(
        child=candidate.child,
        child_column=candidate.child_column,
        parent=candidate.parent,
        parent_column=candidate.parent_column,
        sampled=len(values),
        found=found,
    )


def _count_found(conn: Connection, source: Any, key: Any, values: list[Any]) -> int:
    query = select(func.count(func.distinct(key))).select_from(source).where(key.in_(values))
    return int(conn.execute(query).scalar_one())
