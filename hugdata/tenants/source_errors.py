"""Why a tenant's database could not be read, classified from the driver's own error codes (PostgreSQL SQLSTATE,
MySQL/MariaDB error numbers, SQLite result codes, operating-system errors), never from the text of a message.

The class decides whether a run retries (a refused or timed-out connection may pass; a wrong password or a missing
database will not) and what the tenant is told. Messages name the source by dialect, host, port and database (or
path): they are never built from a connection string, so a password cannot reach them that way.
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect


class SourceErrorKind(StrEnum):
    auth_failed = "auth_failed"
    unknown_database = "unknown_database"
    unknown_host = "unknown_host"
    refused = "refused"
    timeout = "timeout"
    permission = "permission"
    unavailable = "unavailable"
    not_a_database = "not_a_database"
    other = "other"


_EXPLAINED = {
    SourceErrorKind.auth_failed: "the user name or password was refused",
    SourceErrorKind.unknown_database: "the database does not exist",
    SourceErrorKind.unknown_host: "the host name does not resolve",
    SourceErrorKind.refused: "nothing accepts connections at that address",
    SourceErrorKind.timeout: "it did not answer in time",
    SourceErrorKind.permission: "the user may not read it",
    SourceErrorKind.unavailable: "the server is not accepting work right now",
    SourceErrorKind.not_a_database: "the file is not a SQLite database",
    SourceErrorKind.other: "the database reported an error",
}
_RETRYABLE = frozenset(
    {SourceErrorKind.refused, SourceErrorKind.timeout, SourceErrorKind.unavailable, SourceErrorKind.other}
)
# Shorter secrets are not searched for: masking every "x" in a message makes it unreadable (and a driver that
# echoes a secret echoes it whole).
MIN_REDACTED_LENGTH = 4

_PG_STATES = {
    "28P01": SourceErrorKind.auth_failed,
    "28000": SourceErrorKind.auth_failed,
    "3D000": SourceErrorKind.unknown_database,
    "42501": SourceErrorKind.permission,
    "57014": SourceErrorKind.timeout,
    "55P03": SourceErrorKind.timeout,  # lock_not_available: lock_timeout passed
    "57P03": SourceErrorKind.unavailable,
    "53300": SourceErrorKind.unavailable,
    "57P01": SourceErrorKind.unavailable,
}
_MYSQL_CODES = {
    1045: SourceErrorKind.auth_failed,
    1049: SourceErrorKind.unknown_database,
    1044: SourceErrorKind.permission,
    1142: SourceErrorKind.permission,
    1227: SourceErrorKind.permission,
    2005: SourceErrorKind.unknown_host,
    1040: SourceErrorKind.unavailable,
    2006: SourceErrorKind.unavailable,
    2013: SourceErrorKind.unavailable,
    1969: SourceErrorKind.timeout,  # MariaDB max_statement_time
    3024: SourceErrorKind.timeout,  # MySQL max_execution_time
}
_SQLITE_CODES = {
    sqlite3.SQLITE_CANTOPEN: SourceErrorKind.unknown_database,
    sqlite3.SQLITE_NOTADB: SourceErrorKind.not_a_database,
    sqlite3.SQLITE_PERM: SourceErrorKind.permission,
    sqlite3.SQLITE_AUTH: SourceErrorKind.permission,
    sqlite3.SQLITE_BUSY: SourceErrorKind.unavailable,
    sqlite3.SQLITE_LOCKED: SourceErrorKind.unavailable,
    sqlite3.SQLITE_INTERRUPT: SourceErrorKind.timeout,
}


@dataclass(frozen=True)
class SourceError:
    """A classified failure of a tenant's database: what kind, whether trying again may help, and what happened."""

    kind: SourceErrorKind
    detail: str  # the driver's own first line, secrets redacted

    @property
    def retryable(self) -> bool:
        return self.kind in _RETRYABLE

    @property
    def explanation(self) -> str:
        return _EXPLAINED[self.kind]

    def message(self, spec: DataSourceSpec) -> str:
        """``postgresql database at db:5432/shop: the database does not exist (<the driver's words>)``"""
        return f"{source_label(spec)}: {self.explanation} ({self.detail})"


def source_label(spec: DataSourceSpec) -> str:
    """The source as messages name it: dialect, and host:port/database or the SQLite path."""
    if spec.dialect is Dialect.sqlite:
        return f"sqlite database at {spec.path}"
    return f"{spec.dialect.value} database at {spec.host}:{spec.port}/{spec.database}"


def redact(text: str, secret: str | None) -> str:
    """``text`` with whole occurrences of ``secret`` masked, when the secret is long enough to mean anything."""
    if secret and len(secret) >= MIN_REDACTED_LENGTH:
        return text.replace(secret, "***")
    return text


def classify_source_error(exc: BaseException, spec: DataSourceSpec, *, probe_timeout_s: float = 2.0) -> SourceError:
    """The kind of ``exc`` (a driver or SQLAlchemy error from ``spec``'s database) and its redacted first line."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    detail = redact(text, spec.password)[:300]
    return SourceError(_kind(orig, spec, probe_timeout_s), detail)


def _kind(orig: BaseException, spec: DataSourceSpec, probe_timeout_s: float) -> SourceErrorKind:
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return _SQLITE_CODES.get(code & 0xFF, SourceErrorKind.other) if isinstance(code, int) else SourceErrorKind.other
    if isinstance(orig, OSError):
        return _os_kind(orig)
    module = type(orig).__module__
    if module.startswith("psycopg"):
        return _postgresql_kind(orig, spec, probe_timeout_s)
    if module.startswith("pymysql") and orig.args and isinstance(orig.args[0], int):
        # A connection PyMySQL could not open or keep carries the socket error behind it.
        underlying = _socket_error_behind(orig)
        if underlying is not None:
            return _os_kind(underlying)
        code = orig.args[0]
        return _probe(spec, probe_timeout_s) if code == 2003 else _MYSQL_CODES.get(code, SourceErrorKind.other)
    return SourceErrorKind.other


# During connection set-up libpq hands the server's error over as text only: the SQLSTATE the server sent (28P01,
# 3D000, ...) is not exposed (psycopg/psycopg#1188). For those three server messages alone, PostgreSQL's own English
# wording stands in for the code; anything else is classified by SQLSTATE, exception class or the network.
_PG_CONNECT_PHASE = (
    ("password authentication failed", SourceErrorKind.auth_failed),
    ("no password supplied", SourceErrorKind.auth_failed),
    (" does not exist", SourceErrorKind.unknown_database),  # FATAL: database "x" / role "x" does not exist
    ("no pg_hba.conf entry", SourceErrorKind.permission),
)


def _postgresql_kind(orig: BaseException, spec: DataSourceSpec, probe_timeout_s: float) -> SourceErrorKind:
    import psycopg

    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _PG_STATES.get(
            sqlstate, SourceErrorKind.unavailable if sqlstate.startswith("08") else SourceErrorKind.other
        )
    if isinstance(orig, psycopg.errors.ConnectionTimeout):
        return SourceErrorKind.timeout
    text = str(orig)
    if "FATAL:" in text:
        fatal = text.split("FATAL:", 1)[1]
        for marker, kind in _PG_CONNECT_PHASE:
            if marker in fatal:
                if kind is SourceErrorKind.unknown_database and "role " in fatal:
                    return SourceErrorKind.auth_failed
                return kind
    # No server answer at all: ask the network what stands in the way.
    return _probe(spec, probe_timeout_s)


def _socket_error_behind(error: BaseException) -> OSError | None:
    seen: BaseException | None = getattr(error, "original_exception", None) or error.__cause__ or error.__context__
    for _ in range(5):
        if seen is None or isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _os_kind(error: OSError) -> SourceErrorKind:
    if isinstance(error, socket.gaierror):
        return SourceErrorKind.unknown_host
    if isinstance(error, (TimeoutError, socket.timeout)):
        return SourceErrorKind.timeout
    if isinstance(error, ConnectionRefusedError) or error.errno == errno.ECONNREFUSED:
        return SourceErrorKind.refused
    if error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return SourceErrorKind.unavailable
    if isinstance(error, (FileNotFoundError, NotADirectoryError)):
        return SourceErrorKind.unknown_database
    if isinstance(error, PermissionError):
        return SourceErrorKind.permission
    return SourceErrorKind.other


def _probe(spec: DataSourceSpec, timeout_s: float) -> SourceErrorKind:
    """Name resolution, then a TCP connect to the source: what stops a connection before the database speaks."""
    if not spec.host or not spec.port:
        return SourceErrorKind.other
    try:
        addresses = socket.getaddrinfo(spec.host, spec.port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return SourceErrorKind.unknown_host
    family, kind, proto, _, address = addresses[0]
    with socket.socket(family, kind, proto) as sock:
        sock.settimeout(timeout_s)
        try:
            sock.connect(address)
        except OSError as error:
            return _os_kind(error)
    # The port answers, so the database itself failed us after connecting (a server that never replies, a
    # protocol error): worth another try.
    return SourceErrorKind.unavailable
