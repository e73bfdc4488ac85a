"""Read a source database's schema through SQLAlchemy's inspector into the dialect-neutral form."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy import types as sqltypes
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.engine.reflection import Inspector, ObjectKind

from hugdata.catalog.schema import ColumnInfo, ForeignKeyInfo, IndexInfo, SchemaSnapshot, TableInfo

SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast", "mysql", "performance_schema", "sys"})

# Order matters: Boolean and Float are checked before the broader Integer and Numeric.
_FAMILIES: list[tuple[type[Any], str]] = [
    (sqltypes.Boolean, "boolean"),
    (sqltypes.Float, "float"),
    (sqltypes.Integer, "integer"),
    (sqltypes.Numeric, "numeric"),
    (sqltypes.DateTime, "timestamp"),
    (sqltypes.Date, "date"),
    (sqltypes.Time, "time"),
    (sqltypes.Interval, "interval"),
    (sqltypes.JSON, "json"),
    (sqltypes.Uuid, "uuid"),
    (sqltypes.ARRAY, "array"),
    (sqltypes.LargeBinary, "binary"),
    (sqltypes.String, "text"),
    (sqltypes.Enum, "text"),
]


def type_family(column_type: Any) -> str:
    """The dialect-neutral family of a reflected SQLAlchemy type."""
    # MySQL/MariaDB store BOOLEAN as TINYINT(1); that width is the only trace of the declared type.
    if type(column_type).__name__ == "TINYINT" and getattr(column_type, "display_width", None) == 1:
        return "boolean"
    for kind, family in _FAMILIES:
        if isinstance(column_type, kind):
            return family
    return "other"


def _raw_type(column_type: Any, engine: Engine) -> str:
    try:
        return str(column_type.compile(dialect=engine.dialect)).lower()
    except Exception:
        return type(column_type).__name__.lower()


def _selected_schemas(inspector: Inspector, dialect: str, include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    if dialect == "sqlite":
        return ["main"]
    if dialect in ("mysql", "mariadb"):
        # A MySQL "schema" is a database; only the one the project registered belongs to the tenant.
        default = inspector.default_schema_name
        return [default] if default else []
    names = [
        s for s in inspector.get_schema_names() if s not in SYSTEM_SCHEMAS and not s.startswith(("pg_temp", "pg_toast"))
    ]
    if include:
        names = [s for s in names if any(fnmatchcase(s, p) for p in include)]
    return sorted(s for s in names if not any(fnmatchcase(s, p) for p in exclude))


def _row_estimates(conn: Connection, dialect: str, schema: str, tables: Sequence[str]) -> dict[str, int | None]:
    if dialect == "postgresql":
        rows = conn.execute(
            text(
                "SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p')"
            ),
            {"schema": schema},
        )
        # reltuples is -1 until the table is first analyzed; unknown is better than a wrong zero.
        return {name: (int(n) if n >= 0 else None) for name, n in rows}
    if dialect in ("mysql", "mariadb"):
        rows = conn.execute(
            text("SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = :schema"),
            {"schema": schema},
        )
        return {name: (int(n) if n is not None else None) for name, n in rows}
    quote = conn.dialect.identifier_preparer.quote
    # SQLite keeps no statistics by default; exact counts are cheap at the sizes SQLite tenants have.
    return {t: int(conn.execute(text(f"SELECT count(*) FROM {quote(t)}")).scalar_one()) for t in tables}


def _partitioned_tables(conn: Connection, dialect: str, schema: str) -> set[str]:
    """PostgreSQL's partitioned tables: a query must read them with their partitions, never ONLY the empty parent."""
    if dialect != "postgresql":
        return set()
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind = 'p'"
        ),
        {"schema": schema},
    )
    return {name for (name,) in rows}


def _sqlite_unique_columns(conn: Connection, table: str) -> list[list[str]]:
    """Column lists of SQLite's UNIQUE constraints, inline ones included: SQLAlchemy's reading of the CREATE
    statement misses ``code VARCHAR(10) UNIQUE`` (a type with a length); the constraint's index does not."""
    quote = conn.dialect.identifier_preparer.quote
    found = []
    for row in conn.exec_driver_sql(f"PRAGMA index_list({quote(table)})").mappings():
        if row["unique"] and row["origin"] == "u":
            columns = conn.exec_driver_sql(f"PRAGMA index_info({quote(row['name'])})").mappings()
            found.append([c["name"] for c in sorted(columns, key=lambda c: c["seqno"])])
    return found


def _column(col: ReflectedColumn, engine: Engine) -> ColumnInfo:
    default = col.get("default")
    return ColumnInfo(
        name=col["name"],
        type=type_family(col["type"]),
        raw_type=_raw_type(col["type"], engine),
        nullable=bool(col.get("nullable", True)),
        default=str(default) if default is not None else None,
        comment=col.get("comment"),
    )


def introspect_schema(
    engine: Engine, *, dialect: str, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> SchemaSnapshot:
    """Tables, views, columns, keys, constraints, indexes and row estimates of every selected schema."""
    tables: list[TableInfo] = []
    with engine.connect() as conn:
        inspector = inspect(conn)
        # A foreign key into the default schema comes back without its schema (PostgreSQL leaves out what the search
        # path finds): it names that schema, never the child's own.
        default_schema = "main" if dialect == "sqlite" else inspector.default_schema_name
        for schema in _selected_schemas(inspector, dialect, include, exclude):
            reflect_schema = None if dialect == "sqlite" else schema
            views = set(inspector.get_view_names(schema=reflect_schema))
            kind = ObjectKind.TABLE | ObjectKind.VIEW
            columns = inspector.get_multi_columns(schema=reflect_schema, kind=kind)
            pks = inspector.get_multi_pk_constraint(schema=reflect_schema, kind=kind)
            fks = inspector.get_multi_foreign_keys(schema=reflect_schema, kind=kind)
            uniques = inspector.get_multi_unique_constraints(schema=reflect_schema, kind=kind)
            indexes = inspector.get_multi_indexes(schema=reflect_schema, kind=kind)
            try:
                comments = inspector.get_multi_table_comment(schema=reflect_schema, kind=kind)
            except NotImplementedError:
                comments = {}
            names = sorted(name for (_, name) in columns)
            estimates = _row_estimates(conn, dialect, schema, [n for n in names if n not in views])
            partitioned = _partitioned_tables(conn, dialect, schema)
            for name in names:
                key = (reflect_schema, name)
                unique = [list(u["column_names"]) for u in uniques.get(key, [])]
                if dialect == "sqlite" and name not in views:
                    unique += [u for u in _sqlite_unique_columns(conn, name) if u not in unique]
                tables.append(
                    TableInfo(
                        schema_name=schema,
                        name=name,
                        kind="view" if name in views else "table",
                        partitioned=name in partitioned,
                        comment=(comments.get(key) or {}).get("text"),
                        columns=[_column(c, engine) for c in columns[key]],
                        primary_key=list((pks.get(key) or {}).get("constrained_columns") or []),
                        foreign_keys=[
                            ForeignKeyInfo(
                                name=fk.get("name"),
                                columns=list(fk["constrained_columns"]),
                                referred_schema=fk.get("referred_schema") or default_schema or schema,
                                referred_table=fk["referred_table"],
                                referred_columns=list(fk["referred_columns"]),
                            )
                            for fk in fks.get(key, [])
                        ],
                        unique_constraints=sorted(unique),
                        indexes=sorted(
                            (
                                IndexInfo(
                                    name=ix["name"] or "",
                                    columns=[c for c in ix["column_names"] if c],
                                    unique=bool(ix.get("unique")),
                                )
                                for ix in indexes.get(key, [])
                            ),
                            key=lambda ix: ix.name,
                        ),
                        row_estimate=estimates.get(name),
                    )
                )
    return SchemaSnapshot(dialect=dialect, tables=tables)
