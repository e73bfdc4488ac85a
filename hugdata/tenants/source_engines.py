"""SQLAlchemy engines on tenants' own databases: read-only where the dialect allows, with timeouts."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import pymysql.connections
from sqlalchemy import URL, Engine, NullPool, create_engine, event

from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect


@dataclass(frozen=True)
class SourceLimits:
    connect_timeout_s: int = 10
    statement_timeout_s: int = 30
    lock_timeout_s: int = 5
    # The longest text or blob a SQLite source may build or return (its own default is 1 GB).
    max_value_bytes: int = 16 * 1024 * 1024
    # What one ask may add to the memory of the process running it (HUGDATA_ASK_MAX_MEMORY); a SQLite worker's cap.
    ask_memory_bytes: int = 64 * 1024 * 1024


def open_source_engine(spec: DataSourceSpec, limits: SourceLimits = SourceLimits()) -> Engine:
    """An engine on the tenant database; its URL's password is never rendered into strings or logs."""
    if spec.dialect is Dialect.sqlite:
        return _sqlite_engine(spec, limits)
    if spec.dialect is Dialect.postgresql:
        url = _server_url("postgresql+psycopg", spec)
        # Startup options outrank the database's and the role's own settings: the lexing of every statement sent on
        # this connection is the one sqlglot assumed when it checked it.
        options = (
            "-c standard_conforming_strings=on -c client_encoding=UTF8 "
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
    # The session is pinned as the connection opens, before SQLAlchemy's dialect first reads the server's settings
    # (it takes ANSI_QUOTES from sql_mode for its own statements).
    event.listen(engine, "do_connect", _guarded_mysql_connection(limits))
    return engine


class PacketTooLarge(Exception):
    """A row longer than the ask's budget was about to be read off the wire; the connection is no longer usable."""


class BoundedMySQLConnection(pymysql.connections.Connection):  # type: ignore[misc]
    """A PyMySQL connection that, while ``read_limit`` is set, refuses to read any packet longer than it.

    The length is read before the payload, so the refused row is never buffered. MySQL splits a packet over 16 MiB
    into 16 MiB parts, so a limit below that refuses such a row at its first part."""

    read_limit: int | None = None

    def _read_bytes(self, num_bytes: int) -> bytes:
        limit = self.read_limit
        if limit is not None and num_bytes > limit:
            self.abandon_result()
            self._force_close()  # the rest of the packet stays unread: the stream cannot be used again
            raise PacketTooLarge(f"a row of {num_bytes:,} bytes is over the answer's limit of {limit:,} bytes")
        data: bytes = super()._read_bytes(num_bytes)
        return data

    def abandon_result(self) -> None:
        """Read nothing more of the unbuffered result in flight, neither on close nor when it is collected: its
        statement was killed, or the stream is closed."""
        if self._result is not None:
            self._result.unbuffered_active = False


def _guarded_mysql_connection(limits: SourceLimits) -> Any:
    guard = _mysql_session_guard(limits)

    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> BoundedMySQLConnection:
        connection = BoundedMySQLConnection(*cargs, **cparams)
        guard(connection)
        return connection

    return connect


def _server_url(driver: str, spec: DataSourceSpec) -> URL:
    # URL.create keeps the password out of str(url) and repr(engine), unlike a formatted string.
    return URL.create(
        driver, username=spec.username, password=spec.password, host=spec.host, port=spec.port, database=spec.database
    )


# sql_mode flags that change nothing about how a SELECT's text is read. Everything else the session had is dropped:
# ANSI_QUOTES (double quotes name columns), NO_BACKSLASH_ESCAPES (a backslash no longer escapes, so a literal ends
# elsewhere), PIPES_AS_CONCAT, IGNORE_SPACE, HIGH_NOT_PRECEDENCE, and MariaDB's ORACLE/MSSQL/DB2 parsers.
NEUTRAL_SQL_MODES = frozenset(
    {
        "ONLY_FULL_GROUP_BY", "STRICT_TRANS_TABLES", "STRICT_ALL_TABLES", "NO_ZERO_IN_DATE", "NO_ZERO_DATE",
        "ERROR_FOR_DIVISION_BY_ZERO", "NO_ENGINE_SUBSTITUTION", "NO_AUTO_CREATE_USER", "NO_AUTO_VALUE_ON_ZERO",
        "NO_UNSIGNED_SUBTRACTION", "REAL_AS_FLOAT", "PAD_CHAR_TO_FULL_LENGTH", "NO_DIR_IN_CREATE",
        "ALLOW_INVALID_DATES", "TIME_TRUNCATE_FRACTIONAL", "NO_FIELD_OPTIONS", "NO_KEY_OPTIONS", "NO_TABLE_OPTIONS",
        "SIMULTANEOUS_ASSIGNMENT",
    }
)  # fmt: skip


def neutral_sql_mode(current: str) -> str:
    """The session's sql_mode without the flags that change how SQL text is lexed or parsed."""
    return ",".join(flag for flag in current.split(",") if flag.strip().upper() in NEUTRAL_SQL_MODES)


def _mysql_session_guard(limits: SourceLimits) -> Any:
    def on_connect(dbapi_connection: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT VERSION(), @@SESSION.sql_mode")
            version, mode = (str(v) for v in cursor.fetchone())
            cursor.execute("SET SESSION sql_mode = %s", (neutral_sql_mode(mode),))
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

    # The URL names the file only for those who read it (the SQLite worker opens it itself); connections come from
    # the creator, read-only.
    return create_engine(URL.create("sqlite", database=path), creator=connect, poolclass=NullPool)
