"""Copies of the demo tenants' SQLite databases on a PostgreSQL or MySQL/MariaDB server (tests and benchmarks).

The copy keeps tables, column types, keys, unique constraints, indexes and every row, so the same questions and
reference SQL can be asked of one tenant on every dialect the platform reads.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, MetaData, String, Text, create_engine, select


def copy_sqlite_database(path: Path, target: Engine) -> list[str]:
    """Create every table of the SQLite file at ``path`` in ``target`` and copy its rows; returns the table names."""
    source = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    metadata = MetaData()
    try:
        metadata.reflect(source)
        if target.dialect.name in ("mysql", "mariadb"):
            # MySQL cannot index TEXT without a prefix length; the demo texts are short.
            for table in metadata.tables.values():
                for column in table.columns:
                    if isinstance(column.type, Text) or type(column.type) is String:
                        column.type = String(255)
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
