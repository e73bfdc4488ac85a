"""A connection check of a tenant's database, the way the platform will read it: read-only, with the short timeout.

It answers what works (server version, schemas and tables visible, the session confirmed read-only) and what to fix:
the classified error when it cannot connect, and warnings when the credentials could do more than read (a
superuser, or a role that may write), since HugData only ever needs to read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import SourceLimits, open_source_engine
from hugdata.tenants.source_errors import SourceError, classify_source_error

READ_ONLY_ADVICE = "connect HugData with a role that can only read (see docs/laravel.md, 'A read-only database user')"
_SYSTEM = ("pg_catalog", "information_schema", "pg_toast", "mysql", "performance_schema", "sys")


@dataclass(frozen=True)
class SourceCheck:
    ok: bool
    dialect: str
    server_version: str | None = None
    schemas: list[str] = field(default_factory=list)
    tables: int | None = None
    read_only: bool | None = None
    warnings: list[str] = field(default_factory=list)
    error: SourceError | None = None
    elapsed_ms: int = 0


def check_source(spec: DataSourceSpec, limits: SourceLimits | None = None) -> SourceCheck:
    """Connect to ``spec`` as the platform would and report what it can see; nothing is written anywhere."""
    limits = limits or SourceLimits(connect_timeout_s=5, statement_timeout_s=10)
    started = time.perf_counter()
    engine = open_source_engine(spec, limits)
    try:
        with engine.connect() as connection:
            found = _inspect(connection, spec)
            connection.rollback()
    except Exception as exc:
        return SourceCheck(
            ok=False,
            dialect=spec.dialect.value,
            error=classify_source_error(exc, spec),
            elapsed_ms=int((time.perf_counter() - started) * 1000),
        )
    finally:
        engine.dispose()
    return SourceCheck(ok=True, dialect=spec.dialect.value, elapsed_ms=int((time.perf_counter() - started) * 1000),
                       **found)  # fmt: skip


def _inspect(connection: Connection, spec: DataSourceSpec) -> dict[str, object]:
    if spec.dialect is Dialect.sqlite:
        version = connection.exec_driver_sql("SELECT sqlite_version()").scalar()
        tables = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')")
        # Opened with mode=ro: SQLite itself refuses every write on this connection.
        return {"server_version": f"SQLite {version}", "schemas": ["main"], "tables": tables.scalar(),
                "read_only": True}  # fmt: skip
    if spec.dialect is Dialect.postgresql:
        return _inspect_postgresql(connection)
    return _inspect_mysql(connection)


def _inspect_postgresql(connection: Connection) -> dict[str, object]:
    row = connection.execute(
        text(
            "SELECT current_setting('server_version'), current_setting('transaction_read_only') = 'on', "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
            "has_database_privilege(current_database(), 'CREATE')"
        )
    ).one()
    version, read_only, superuser, may_create = row
    schemas = list(
        connection.execute(
            text(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' "
                "AND has_schema_privilege(nspname, 'USAGE') ORDER BY 1"
            )
        ).scalars()
    )
    tables, writable = connection.execute(
        text(
            "SELECT count(*), coalesce(bool_or(has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')), false) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'p') "
            "AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' "
            "AND has_table_privilege(c.oid, 'SELECT')"
        )
    ).one()
    warnings = []
    if superuser:
        warnings.append(f"the user is a PostgreSQL superuser, which can read and change anything; {READ_ONLY_ADVICE}")
    elif writable or may_create:
        warnings.append(f"the user may write to this database (tables or CREATE); {READ_ONLY_ADVICE}")
    return {"server_version": f"PostgreSQL {version}", "schemas": schemas, "tables": tables, "read_only": read_only,
            "warnings": warnings}  # fmt: skip


_WRITE_GRANTS = ("ALL PRIVILEGES", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "SUPER", "FILE")


def _inspect_mysql(connection: Connection) -> dict[str, object]:
    version = connection.exec_driver_sql("SELECT VERSION()").scalar()
    # MariaDB before 11.1 and MySQL before 5.7.20 name the session's read-only flag tx_read_only.
    try:
        read_only = connection.exec_driver_sql("SELECT @@session.transaction_read_only").scalar()
    except DBAPIError:
        read_only = connection.exec_driver_sql("SELECT @@session.tx_read_only").scalar()
    database = connection.exec_driver_sql("SELECT DATABASE()").scalar()
    tables = connection.execute(
        text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :db"), {"db": database}
    ).scalar()
    grants = [str(g[0]) for g in connection.exec_driver_sql("SHOW GRANTS FOR CURRENT_USER()").all()]
    privileges = {p for g in grants for p in _WRITE_GRANTS if g.upper().startswith("GRANT") and p in g.upper()}
    warnings = []
    if {"ALL PRIVILEGES", "SUPER"} & privileges and any(" ON *.* " in g.upper() for g in grants):
        warnings.append(f"the user holds server-wide privileges (ALL or SUPER on *.*); {READ_ONLY_ADVICE}")
    elif privileges:
        warnings.append(f"the user may write ({', '.join(sorted(privileges))}); {READ_ONLY_ADVICE}")
    server = "MariaDB" if "mariadb" in str(version).lower() else "MySQL"
    return {"server_version": f"{server} {version}", "schemas": [str(database)], "tables": tables,
            "read_only": bool(read_only), "warnings": warnings}  # fmt: skip
