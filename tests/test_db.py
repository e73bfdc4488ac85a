"""Engines of the platform database: the hot-path read engine survives connections the server dropped."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from hugdata.config import Settings
from hugdata.db import make_engine, make_read_engine, pipelined, read_retrying


@pytest.fixture
def reads(settings: Settings) -> Iterator[Engine]:
    assert settings.database_url is not None
    engine = make_read_engine(settings.database_url.get_secret_value(), pool_size=1)
    yield engine
    engine.dispose()


def _backend_pid(reads: Engine) -> int:
    return read_retrying(reads, lambda c: c.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _dropped_by_the_server(reads: Engine, settings: Settings) -> int:
    """The backend of the pool's only connection, terminated from another connection; the pool still holds it."""
    dropped = _backend_pid(reads)
    assert settings.database_url is not None
    other = make_engine(settings.database_url.get_secret_value(), pool_size=1)
    with other.begin() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped}).scalar_one() is True
    other.dispose()
    return dropped


def test_read_engine_runs_each_read_outside_a_transaction(reads: Engine) -> None:
    inside_begin = read_retrying(reads, lambda c: c.execute(text("SELECT now() <> statement_timestamp()")).scalar_one())
    # In autocommit a statement's start is its transaction's start; after a BEGIN they would differ.
    assert inside_begin is False


def test_read_is_retried_on_a_fresh_connection_after_the_server_dropped_the_pooled_one(
    reads: Engine, settings: Settings
) -> None:
    dropped = _dropped_by_the_server(reads, settings)
    # The pool's only idle connection is the dropped one and it is handed out first: without the retry this fails.
    assert _backend_pid(reads) != dropped


def test_a_pipelined_read_is_retried_after_the_server_dropped_the_pooled_connection(
    reads: Engine, settings: Settings
) -> None:
    dropped = _dropped_by_the_server(reads, settings)

    def both(connection: Connection) -> tuple[int, int]:
        with pipelined(connection) as raw:
            first, second = raw.execute("SELECT pg_backend_pid()"), raw.execute("SELECT 2")
        return first.fetchone()[0], second.fetchone()[0]

    # The dropped connection is reported as SQLAlchemy reports one, so the read runs again on a fresh one.
    pid, two = read_retrying(reads, both)
    assert pid != dropped and two == 2
