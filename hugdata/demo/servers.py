"""Copies of the demo tenants' SQLite databases on a PostgreSQL or MySQL/MariaDB server (tests and benchmarks).

The copy keeps tables, column types, keys, unique constraints, indexes and every row, so the same questions and
reference SQL can be asked of one tenant on every dialect the platform reads.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import CheckConstraint, Engine, MetaData, Numeric, String, Text, create_engine, select


def copy_sqlite_database(path: Path, target: Engine) -> list[str]:
    """Create every table of the SQLite file at ``path`` in ``target`` and copy its rows; returns the table names."""
    source = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    metadata = MetaData()
    try:
        metadata.reflect(source)
        mysql = target.dialect.name in ("mysql", "mariadb")
        for table in metadata.tables.values():
            # CHECK constraints come back as SQLite's SQL text ("action_flag" >= 0), which MySQL reads as a string.
            for check in [c for c in table.constraints if isinstance(c, CheckConstraint)]:
                table.constraints.discard(check)
            for column in table.columns:
                # SQLite's own type classes (its DATETIME) do not compile elsewhere; their generic forms do.
                column.type = column.type.as_generic()
                if mysql and (
                    isinstance(column.type, Text) or (isinstance(column.type, String) and not column.type.length)
                ):
                    # MySQL cannot index TEXT without a prefix length, nor declare VARCHAR without one.
                    column.type = String(255)
                elif mysql and isinstance(column.type, Numeric) and column.type.precision is None:
                    # MySQL's bare DECIMAL is DECIMAL(10, 0): it would round 0.99 to 1.
                    column.type = Numeric(18, 4)
        for table in metadata.tables.values():
            for column in table.columns:
                column.server_default = None  # SQLite's `DEFAULT 1` for a boolean is not portable
        metadata.create_all(target)
        with source.connect() as reading, target.begin() as writing:
            for table in metadata.sorted_tables:
                rows = [dict(row._mapping) for row in reading.execute(select(table))]
                if rows:
                    writing.execute(table.insert(), rows)
    finally:
        source.dispose()
    return [table.name for table in metadata.sorted_tables]
