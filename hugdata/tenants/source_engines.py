"""SQLAlchemy engines on tenants' own databases: read-only where the dialect allows, with timeouts."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import URL, Engine, NullPool, create_engine, event

from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect


@dataclass(frozen=True)
class SourceLimits:
    connect_timeout_s: int = 10
    statement_timeout_s: int = 30
    lock_timeout_s: int = 5
    # The longest text or blob a SQLite source may build or return (its own default is 1 GB, in our process).
    max_value_bytes: int = 16 * 1024 * 1024


def open_source_engine(spec: DataSourceSpec, limits: SourceLimits = SourceLimits()) -> Engine:
    """An engine on the tenant database; its URL's password is never rendered into strings or logs."""
    if spec.dialect is Dialect.sqlite:
        return _sqlite_engine(spec, limits)
    if spec.dialect is Dialect.postgresql:
        url = _server_url("postgresql+psycopg", spec)
        options = (
            f"-c default_transaction_read_only=on -c statement_timeout={limits.statement_timeout_s * 1000} "
            f"-c lock_timeout={limits.lock_timeout_s * 1000} "
            f"-c idle_in_transaction_session_timeout={(limits.statement_timeout_s + 5) * 1000}"
        )
        return create_engine(
            url,
            poolclass=NullPool,
            hide_parameters=True,
            connect_args={
                "connect_timeout": limits.connect_timeout_s,
                "options": options,
                "application_name": "hugdata",
            },
        )
    engine = create_engine(
        _server_url("mysql+pymysql", spec).update_query_dict({"charset": "utf8mb4"}),
        poolclass=NullPool,
        hide_parameters=True,
        connect_args={
            "connect_timeout": limits.connect_timeout_s,
            "read_timeout": limits.statement_timeout_s + 5,
            "write_timeout": limits.statement_timeout_s + 5,
        },
    )
    event.listen(engine, "connect", _mysql_session_guard(limits))
    return engine


def _server_url(driver: str, spec: DataSourceSpec) -> URL:
    # URL.create keeps the password out of str(url) and repr(engine), unlike a formatted string.
    return URL.create(
        driver, username=spec.username, password=spec.password, host=spec.host, port=spec.port, database=spec.database
    )


def _mysql_session_guard(limits: SourceLimits) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0])
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
            # MariaDB and MySQL name their statement time limit differently (seconds vs milliseconds).
            if "mariadb" in version.lower():
                cursor.execute(f"SET SESSION max_statement_time = {int(limits.statement_timeout_s)}")
            else:
                cursor.execute(f"SET SESSION max_execution_time = {int(limits.statement_timeout_s) * 1000}")

    return on_connect


def _sqlite_engine(spec: DataSourceSpec, limits: SourceLimits) -> Engine:
    assert spec.path is not None
    path = spec.path

    def connect() -> sqlite3.Connection:
        # mode=ro opens the file read-only and fails instead of creating a missing file.
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, timeout=limits.connect_timeout_s, check_same_thread=False
        )
        # SQLite has no statement timeout. Connections are not pooled, so a deadline per connection bounds
        # every statement on it; the progress handler aborts the one running when the deadline passes.
        deadline = time.monotonic() + limits.statement_timeout_s
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.max_value_bytes)
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)  # no ATTACH, whatever reaches the connection
        return conn

    return create_engine("sqlite://", creator=connect, poolclass=NullPool)
