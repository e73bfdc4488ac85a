"""The second wall: even SQL that got past the validator (forged here on purpose) runs inside the source's own
guards: PostgreSQL's read-only transaction with a search path of the built-in catalog only and lock and statement
limits, MariaDB's read-only session and statement limit."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pymysql
import pytest
from sqlalchemy.exc import DBAPIError

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.semantic import build_semantic_model
from hugdata.query.execute import execute_validated
from hugdata.query.validation import ValidatedQuery, validate_query
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import SourceLimits, open_source_engine
from hugdata.tenants.source_errors import SourceErrorKind, classify_source_error
from tests.sources import MACHINE_MARIADB, MACHINE_PG, machine_mariadb_database, machine_postgres_database

DDL = (
    "CREATE SCHEMA sales; CREATE TABLE sales.orders (id SERIAL PRIMARY KEY, total NUMERIC NOT NULL);"
    "INSERT INTO sales.orders (total) VALUES (10), (20);"
)


def _forged(sql: str, *sources: tuple[str, str]) -> ValidatedQuery:
    return ValidatedQuery(sql=sql, tables=[f"{s}.{t}" for s, t in sources], limit_added=False, sources=sources)


@pytest.fixture(scope="module")
def sales() -> Iterator[DataSourceSpec]:
    with machine_postgres_database(DDL) as database:
        yield DataSourceSpec(dialect=Dialect.postgresql, host=MACHINE_PG["host"], port=MACHINE_PG["port"],
                             database=database, username=MACHINE_PG["user"])  # fmt: skip


def test_a_forged_unqualified_name_resolves_in_no_tenant_schema(sales: DataSourceSpec) -> None:
    engine = open_source_engine(sales)
    # The search path holds only the built-in catalog: a name the validator did not qualify reaches no table.
    with pytest.raises(DBAPIError, match='relation "orders" does not exist'):
        execute_validated(engine, _forged("SELECT sum(total) FROM orders", ("sales", "orders")), max_rows=5)
    model = build_semantic_model(introspect_schema(engine, dialect="postgresql"))
    validated = validate_query("SELECT sum(total) FROM orders", dialect=Dialect.postgresql, model=model, max_rows=5)
    assert 'FROM ONLY "sales"."orders" AS orders' in validated.sql
    assert execute_validated(engine, validated, max_rows=5).rows == [[30]]
    engine.dispose()


def test_a_write_that_slipped_through_is_refused_by_the_read_only_transaction(sales: DataSourceSpec) -> None:
    engine = open_source_engine(sales)
    for sql in ("SELECT nextval('sales.orders_id_seq')", "SELECT set_config('transaction_read_only', 'off', true)"):
        with pytest.raises(DBAPIError, match="read-only transaction|read-write mode must be set before"):
            execute_validated(engine, _forged(sql, ("sales", "orders")), max_rows=5)
    engine.dispose()
    with psycopg.connect(**MACHINE_PG, dbname=sales.database) as conn:
        assert conn.execute("SELECT last_value, is_called FROM sales.orders_id_seq").fetchone() == (2, True)


def test_a_locked_table_is_given_up_on_after_the_lock_timeout(sales: DataSourceSpec) -> None:
    engine = open_source_engine(sales, SourceLimits(lock_timeout_s=1, statement_timeout_s=20))
    with psycopg.connect(**MACHINE_PG, dbname=sales.database) as holder:
        holder.execute("LOCK TABLE sales.orders IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(DBAPIError) as failed:
            execute_validated(engine, _forged("SELECT * FROM sales.orders", ("sales", "orders")), max_rows=5,
                              limits=SourceLimits(lock_timeout_s=1, statement_timeout_s=20))  # fmt: skip
        waited = time.monotonic() - started
    engine.dispose()
    assert classify_source_error(failed.value, sales).kind is SourceErrorKind.timeout
    assert waited < 10  # the lock limit, not the 20 s statement limit, ended the wait


def test_mariadb_runs_tenant_sql_in_a_read_only_session_with_a_time_limit() -> None:
    with machine_mariadb_database(["CREATE TABLE t (id INT)", "INSERT INTO t VALUES (1)"]) as database:
        spec = DataSourceSpec(dialect=Dialect.mariadb, host=MACHINE_MARIADB["host"], port=MACHINE_MARIADB["port"],
                              database=database, username=MACHINE_MARIADB["user"])  # fmt: skip
        engine = open_source_engine(spec, SourceLimits(statement_timeout_s=1))
        with pytest.raises(DBAPIError, match="READ ONLY"):
            execute_validated(engine, _forged("SELECT * FROM t FOR UPDATE", (database, "t")), max_rows=5)
        started = time.monotonic()
        with pytest.raises(DBAPIError) as slow:
            execute_validated(engine, _forged("SELECT sum(seq % 7) FROM seq_1_to_1000000000", (database, "t")),
                              max_rows=5)  # fmt: skip
        assert time.monotonic() - started < 10
        assert classify_source_error(slow.value, spec).kind is SourceErrorKind.timeout
        engine.dispose()


def test_mariadb_sessions_drop_the_sql_modes_that_change_how_sql_is_read() -> None:
    """A server whose default sql_mode reads backslashes literally and double quotes as names would read sqlglot's
    rendering differently; each session of the platform drops those flags and keeps the rest."""
    admin = pymysql.connect(**MACHINE_MARIADB, autocommit=True)
    with admin, admin.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.sql_mode")
        saved = cursor.fetchone()[0]
        cursor.execute("SET GLOBAL sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES,PIPES_AS_CONCAT,ONLY_FULL_GROUP_BY'")
        try:
            with machine_mariadb_database(["CREATE TABLE t (id INT PRIMARY KEY, s TEXT)",
                                           "INSERT INTO t VALUES (1, 'one')"]) as database:  # fmt: skip
                spec = DataSourceSpec(dialect=Dialect.mariadb, host=MACHINE_MARIADB["host"],
                                      port=MACHINE_MARIADB["port"], database=database,
                                      username=MACHINE_MARIADB["user"])  # fmt: skip
                engine = open_source_engine(spec)
                with engine.connect() as conn:
                    assert conn.exec_driver_sql("SELECT @@SESSION.sql_mode").scalar() == "ONLY_FULL_GROUP_BY"
                model = build_semantic_model(introspect_schema(engine, dialect="mysql"))
                # sqlglot reads (and writes) a backslash as an escape and double quotes as a string, as the
                # session now does: the values come back as the check saw them.
                sql = "SELECT 'a\\\\b' AS p, \"quoted\" AS q, 'it\\'s' AS r FROM t"
                validated = validate_query(sql, dialect=Dialect.mariadb, model=model, max_rows=5)
                rows = execute_validated(engine, validated, max_rows=5).rows
                engine.dispose()
        finally:
            cursor.execute("SET GLOBAL sql_mode = %s", (saved,))
    assert rows == [["a\\b", "quoted", "it's"]]
