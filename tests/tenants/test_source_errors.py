"""Source failures are classified by driver error codes, SQLSTATEs, SQLite result codes and socket errors: each class
on PostgreSQL, MariaDB and SQLite, whether it is worth retrying, and messages that never mangle or carry a secret."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import SourceLimits, open_source_engine
from hugdata.tenants.source_errors import SourceErrorKind, classify_source_error, redact
from tests.sources import MACHINE_MARIADB, MACHINE_PG, machine_mariadb_database

K = SourceErrorKind


@pytest.fixture(scope="module")
def black_hole() -> Iterator[int]:
    """A port that accepts connections and never says a word: a database that hangs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


def _pg(**overrides: object) -> DataSourceSpec:
    base = {"dialect": Dialect.postgresql, "host": MACHINE_PG["host"], "port": MACHINE_PG["port"],
            "database": "postgres", "username": MACHINE_PG["user"]}  # fmt: skip
    return DataSourceSpec(**{**base, **overrides})  # type: ignore[arg-type]


def _maria(**overrides: object) -> DataSourceSpec:
    base = {"dialect": Dialect.mariadb, "host": MACHINE_MARIADB["host"], "port": MACHINE_MARIADB["port"],
            "database": "test", "username": MACHINE_MARIADB["user"]}  # fmt: skip
    return DataSourceSpec(**{**base, **overrides})  # type: ignore[arg-type]


def _failure(spec: DataSourceSpec, sql: str = "SELECT 1", limits: SourceLimits | None = None):  # type: ignore[no-untyped-def]
    engine = open_source_engine(spec, limits or SourceLimits(connect_timeout_s=2, statement_timeout_s=1))
    try:
        with engine.connect() as conn:
            conn.execute(text(sql)).all()
    except Exception as exc:
        return classify_source_error(exc, spec)
    finally:
        engine.dispose()
    pytest.fail("the source did not fail")


CONNECTION_CASES = [
    ("postgresql", "unknown database", lambda hole: _pg(database="hd_no_such_db"), K.unknown_database),
    ("postgresql", "unknown role", lambda hole: _pg(username="hd_no_such_role"), K.auth_failed),
    ("postgresql", "unknown host", lambda hole: _pg(host="hd-no-such-host.invalid"), K.unknown_host),
    ("postgresql", "nothing listening", lambda hole: _pg(port=1), K.refused),
    ("postgresql", "no answer", lambda hole: _pg(port=hole), K.timeout),
    ("mariadb", "unknown database", lambda hole: _maria(database="hd_no_such_db"), K.unknown_database),
    (
        "mariadb",
        "wrong password",
        lambda hole: _maria(username="hd_nobody", password="not-the-password"),
        K.auth_failed,
    ),
    ("mariadb", "unknown host", lambda hole: _maria(host="hd-no-such-host.invalid"), K.unknown_host),
    ("mariadb", "nothing listening", lambda hole: _maria(port=1), K.refused),
    ("mariadb", "no answer", lambda hole: _maria(port=hole), K.timeout),
]


@pytest.mark.parametrize(
    ("dialect", "case", "spec", "kind"), CONNECTION_CASES, ids=[f"{c[0]}-{c[1]}" for c in CONNECTION_CASES]
)
def test_a_connection_failure_is_classified_by_its_code(
    dialect: str,
    case: str,
    spec,
    kind: SourceErrorKind,
    black_hole: int,  # type: ignore[no-untyped-def]
) -> None:
    error = _failure(spec(black_hole))
    assert error.kind is kind, error
    assert error.retryable is (kind in (K.refused, K.timeout, K.unavailable))


def test_sqlite_failures_are_classified_by_their_result_codes(tmp_path: Path) -> None:
    assert (
        _failure(DataSourceSpec(dialect=Dialect.sqlite, path=str(tmp_path / "missing.db"))).kind is K.unknown_database
    )
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database " * 200)
    not_db = _failure(DataSourceSpec(dialect=Dialect.sqlite, path=str(garbage)), "SELECT count(*) FROM sqlite_master")
    assert not_db.kind is K.not_a_database and not not_db.retryable


def test_statement_time_limits_are_timeouts_on_every_dialect(tmp_path: Path) -> None:
    assert _failure(_pg(), "SELECT pg_sleep(3)").kind is K.timeout
    # (MariaDB's SLEEP() just returns early when interrupted; a long scan of its sequence engine is cut with 1969.)
    assert _failure(_maria(), "SELECT sum(seq % 7) FROM seq_1_to_1000000000").kind is K.timeout
    import sqlite3

    path = tmp_path / "t.db"
    sqlite3.connect(path).close()
    slow = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c"
    assert _failure(DataSourceSpec(dialect=Dialect.sqlite, path=str(path)), slow).kind is K.timeout


def test_a_short_password_is_not_masked_inside_other_words_and_a_long_one_is_masked_whole() -> None:
    message = 'database "does_not_exist_xyz" does not exist'
    assert redact(message, "x") == message
    assert redact("password s3cret-canary-pw was echoed", "s3cret-canary-pw") == "password *** was echoed"


def test_a_mariadb_user_with_a_one_letter_password_gets_a_readable_message() -> None:
    with machine_mariadb_database([], user_password="x") as database:
        error = _failure(_maria(username=database, password="x", database="does_not_exist_xyz"))
    assert error.kind in (K.permission, K.unknown_database)
    assert "does_not_exist_xyz" in error.detail and "***" not in error.detail
