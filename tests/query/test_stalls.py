"""Time bounded even where the engine cannot interrupt itself: a SQLite step that outlives its deadline is ended by
killing its worker process, and a MariaDB statement past its limit is killed with its connection and checked gone
from the server's process list. The uninterruptible calls the issue found are refused before they run."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pymysql
import pytest
from sqlalchemy.exc import DBAPIError

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.semantic import build_semantic_model
from hugdata.query.execute import execute_validated, run_read_query
from hugdata.query.validation import QueryRejected, RejectionReason, ValidatedQuery
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import SourceLimits, open_source_engine
from tests.sources import MACHINE_MARIADB, machine_mariadb_database

HAYSTACK = 15 * 1024 * 1024


def _forged(sql: str, table: str) -> ValidatedQuery:
    """SQL as if the validator had let it through: the worker and the server are the walls under test."""
    return ValidatedQuery(sql=sql, tables=[f"main.{table}"], limit_added=False, sources=(("main", table),))


@pytest.fixture(scope="module")
def haystack(tmp_path_factory: pytest.TempPathFactory) -> DataSourceSpec:
    path = Path(tmp_path_factory.mktemp("stall")) / "docs.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO docs VALUES (1, ?)", ("a" * HAYSTACK,))
        db.execute("CREATE TABLE small (id INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO small VALUES (?)", [(i,) for i in range(100)])
    return DataSourceSpec(dialect=Dialect.sqlite, path=str(path))


def test_an_uninterruptible_sqlite_step_ends_at_its_deadline_and_others_keep_their_pace(
    haystack: DataSourceSpec,
) -> None:
    limits = SourceLimits(statement_timeout_s=1)
    engine = open_source_engine(haystack, limits)
    # A needle of 7 MB searched for in 15 MB compares megabytes at each of millions of places: one call, one VM
    # step, for hours.
    stall = _forged("SELECT instr(body, substr(body, 1, 7000000) || 'b') FROM docs", "docs")
    others: list[float] = []

    def other_queries() -> None:
        for _ in range(5):
            started = time.monotonic()
            rows = execute_validated(engine, _forged("SELECT count(*) FROM small", "small"), max_rows=5).rows
            others.append(time.monotonic() - started)
            assert rows == [[100]]
            time.sleep(0.1)

    neighbour = threading.Thread(target=other_queries)
    started = time.monotonic()
    neighbour.start()
    with pytest.raises(DBAPIError, match="interrupted") as stopped:
        execute_validated(engine, stall, max_rows=5, limits=limits)
    took = time.monotonic() - started
    neighbour.join()
    assert took < 1 + 1.0 + 1.5  # its limit, the worker's grace, and a loaded machine's slack
    assert getattr(stopped.value.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_INTERRUPT
    assert len(others) == 5 and max(others) < 1.0  # their own workers: never queued behind the stall
    assert execute_validated(engine, _forged("SELECT count(*) FROM small", "small"), max_rows=5).rows == [[100]]


def _all_refused_as_too_costly(spec: DataSourceSpec, statements: list[str]) -> None:
    engine = open_source_engine(spec)
    model = build_semantic_model(introspect_schema(engine, dialect="sqlite" if spec.path else "mysql"))
    for sql in statements:
        with pytest.raises(QueryRejected) as refused:
            run_read_query(engine, sql, dialect=spec.dialect, model=model, max_rows=5)
        assert refused.value.reason is RejectionReason.too_costly, sql
    engine.dispose()


def test_the_uninterruptible_calls_found_are_refused_before_they_run(haystack: DataSourceSpec) -> None:
    _all_refused_as_too_costly(
        haystack,
        [
            "SELECT instr(body, body || 'b') FROM docs",
            "SELECT count(*) FROM docs WHERE body GLOB '*a*a*a*a*a*b'",
            "SELECT count(*) FROM docs WHERE body LIKE '%a%a%a%b'",
            "SELECT instr(printf('%.16000000c', 'a'), printf('%.8000000c', 'a')) FROM small",
        ],
    )
    engine = open_source_engine(haystack)
    model = build_semantic_model(introspect_schema(engine, dialect="sqlite"))
    # A literal search of that haystack is linear and answers.
    found = run_read_query(engine, "SELECT instr(body, 'b') FROM docs", dialect=Dialect.sqlite, model=model, max_rows=5)
    assert found.rows == [[0]]


def _processlist_of(thread_id: int) -> int:
    with pymysql.connect(**MACHINE_MARIADB) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s", (thread_id,))
        return int(cursor.fetchone()[0])


def test_a_mariadb_statement_past_its_limit_is_killed_with_its_connection_and_gone() -> None:
    ddl = ["CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t SELECT seq FROM seq_1_to_2000"]
    with machine_mariadb_database(ddl) as database:
        spec = DataSourceSpec(dialect=Dialect.mariadb, host=MACHINE_MARIADB["host"], port=MACHINE_MARIADB["port"],
                              database=database, username=MACHINE_MARIADB["user"])  # fmt: skip
        limits = SourceLimits(statement_timeout_s=1)
        engine = open_source_engine(spec, limits)
        seen: list[int] = []
        real_connect = engine.raw_connection

        def watched_connect():  # type: ignore[no-untyped-def]
            raw = real_connect()
            seen.append(int(raw.driver_connection.thread_id()))
            return raw

        engine.raw_connection = watched_connect  # type: ignore[method-assign]
        started = time.monotonic()
        slow = ValidatedQuery(
            sql=f"SELECT count(*) FROM `{database}`.t a, `{database}`.t b, `{database}`.t c",
            tables=[f"{database}.t"], limit_added=False, sources=((database, "t"),),
        )  # fmt: skip
        with pytest.raises(DBAPIError):
            execute_validated(engine, slow, max_rows=5, limits=limits)
        assert time.monotonic() - started < 10
        engine.dispose()
    # The statement's connection is gone from the server, not just marked killed.
    assert seen and all(_processlist_of(thread) == 0 for thread in seen)


def test_mariadb_locate_on_long_strings_is_refused_before_it_runs() -> None:
    ddl = ["CREATE TABLE docs (id INT PRIMARY KEY, body LONGTEXT)", "INSERT INTO docs VALUES (1, REPEAT('a', 1000))"]
    with machine_mariadb_database(ddl) as database:
        spec = DataSourceSpec(dialect=Dialect.mariadb, host=MACHINE_MARIADB["host"], port=MACHINE_MARIADB["port"],
                              database=database, username=MACHINE_MARIADB["user"])  # fmt: skip
        _all_refused_as_too_costly(
            spec,
            [
                "SELECT LOCATE(REPEAT('a', 16000000), REPEAT('a', 16000000)) FROM docs",
                "SELECT LOCATE(CONCAT(body, 'b'), body) FROM docs",
                "SELECT INSTR(body, body) FROM docs",
                "SELECT POSITION(body IN body) FROM docs",
            ],
        )
