"""A cheap fingerprint of a tenant database's columns: one catalog query, to notice schema changes between syncs."""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine, text

_QUERIES = {
    "postgresql": (
        "SELECT table_schema, table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%' "
        "ORDER BY table_schema, table_name, ordinal_position"
    ),
    "mysql": (
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION"
    ),
    "sqlite": (
        "SELECT 'main', m.name, p.name, p.type, p.\"notnull\" FROM sqlite_master m "
        "JOIN pragma_table_info(m.name) p WHERE m.type IN ('table', 'view') ORDER BY m.name, p.cid"
    ),
}


def schema_fingerprint(engine: Engine, dialect: str) -> str:
    """SHA-256 over (schema, table, column, type, nullability) rows; changes when any column does."""
    query = _QUERIES["mysql" if dialect == "mariadb" else dialect]
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for row in conn.execute(text(query)):
            digest.update("\x1f".join(str(v) for v in row).encode())
            digest.update(b"\x1e")
    return digest.hexdigest()
