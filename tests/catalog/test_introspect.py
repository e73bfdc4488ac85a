"""Schema ingestion across SQLite, PostgreSQL and MariaDB into one dialect-neutral form."""

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hugdata.catalog.introspect import introspect_schema
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import open_source_engine
from tests.sources import MACHINE_MARIADB, MACHINE_PG, machine_mariadb_database, machine_postgres_database

SQLITE_DDL = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, country_code CHAR(2) DEFAULT 'US',
                        handle VARCHAR(30) UNIQUE);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    total NUMERIC(10, 2),
    ordered_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_orders_ordered_at ON orders (ordered_at);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
INSERT INTO customers (id, email) VALUES (1, 'a@x'), (2, 'b@x');
"""


def _sqlite(tmp_path: Path) -> DataSourceSpec:
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(SQLITE_DDL)
    return DataSourceSpec(dialect=Dialect.sqlite, path=str(path))


def test_sqlite_schema_has_keys_constraints_indexes_views_and_counts(tmp_path: Path) -> None:
    snapshot = introspect_schema(open_source_engine(_sqlite(tmp_path)), dialect="sqlite")
    assert [t.qualified_name for t in snapshot.tables] == ["main.big_orders", "main.customers", "main.orders"]
    customers, orders = snapshot.table("main.customers"), snapshot.table("main.orders")
    assert customers is not None and orders is not None
    assert snapshot.table("main.big_orders").kind == "view"  # type: ignore[union-attr]
    assert customers.primary_key == ["id"] and customers.row_estimate == 2
    assert ["email"] in customers.unique_constraints
    # inline UNIQUE after a type with a length: SQLAlchemy's reader alone misses it
    assert ["handle"] in customers.unique_constraints
    assert customers.column("country_code").default == "'US'"  # type: ignore[union-attr]
    assert orders.foreign_keys[0].columns == ["customer_id"]
    assert orders.foreign_keys[0].referred_table == "customers"
    assert [ix.columns for ix in orders.indexes] == [["ordered_at"]]
    assert {c.name: c.type for c in orders.columns} == {
        "id": "integer",
        "customer_id": "integer",
        "total": "numeric",
        "ordered_at": "timestamp",
    }
    assert orders.column("customer_id").nullable is False  # type: ignore[union-attr]


def test_sqlite_source_is_opened_read_only(tmp_path: Path) -> None:
    engine = open_source_engine(_sqlite(tmp_path))
    with engine.connect() as conn, pytest.raises(DBAPIError, match="readonly"):
        conn.execute(text("INSERT INTO customers (id, email) VALUES (9, 'z@x')"))


PG_DDL = """
CREATE SCHEMA sales;
CREATE SCHEMA scratch;
CREATE TABLE sales.customers (id bigint PRIMARY KEY, email text NOT NULL);
COMMENT ON TABLE sales.customers IS 'People who buy';
COMMENT ON COLUMN sales.customers.email IS 'Login e-mail';
CREATE TABLE sales.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES sales.customers (id),
                           amount numeric(12, 2), created_at timestamptz DEFAULT now(), meta jsonb);
CREATE TABLE public.audit (id serial PRIMARY KEY, note text);
CREATE TABLE scratch.tmp (x int);
INSERT INTO sales.customers SELECT g, 'c' || g || '@x' FROM generate_series(1, 50) g;
"""


def _pg_spec(database: str) -> DataSourceSpec:
    return DataSourceSpec(
        dialect=Dialect.postgresql,
        host=MACHINE_PG["host"],
        port=MACHINE_PG["port"],
        database=database,
        username=MACHINE_PG["user"],
        password="unused-with-trust",
    )


def test_postgres_reads_every_non_system_schema_with_comments_and_estimates() -> None:
    with machine_postgres_database(PG_DDL) as database:
        snapshot = introspect_schema(open_source_engine(_pg_spec(database)), dialect="postgresql")
    names = [t.qualified_name for t in snapshot.tables]
    assert names == ["public.audit", "sales.customers", "sales.orders", "scratch.tmp"]
    customers = snapshot.table("sales.customers")
    assert customers is not None and customers.comment == "People who buy"
    assert customers.column("email").comment == "Login e-mail"  # type: ignore[union-attr]
    assert customers.row_estimate == 50
    orders = snapshot.table("sales.orders")
    assert orders is not None and orders.foreign_keys[0].referred_schema == "sales"
    assert {c.name: c.type for c in orders.columns}["meta"] == "json"


def test_postgres_schema_include_and_exclude_patterns() -> None:
    with machine_postgres_database(PG_DDL) as database:
        engine = open_source_engine(_pg_spec(database))
        only_sales = introspect_schema(engine, dialect="postgresql", include=["sal*"])
        no_scratch = introspect_schema(engine, dialect="postgresql", exclude=["scratch"])
    assert {t.schema_name for t in only_sales.tables} == {"sales"}
    assert {t.schema_name for t in no_scratch.tables} == {"public", "sales"}


def test_postgres_source_is_read_only() -> None:
    with machine_postgres_database(PG_DDL) as database:
        engine = open_source_engine(_pg_spec(database))
        with engine.connect() as conn, pytest.raises(DBAPIError, match="read-only"):
            conn.execute(text("INSERT INTO public.audit (note) VALUES ('x')"))
        engine.dispose()


MARIADB_DDL = [
    "CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(200) NOT NULL UNIQUE) COMMENT='buyers'",
    "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2), "
    "placed_on DATE, is_gift BOOLEAN, FOREIGN KEY (customer_id) REFERENCES customers (id))",
    "INSERT INTO customers VALUES (1, 'a@x'), (2, 'b@x'), (3, 'c@x')",
]


def _maria_spec(database: str, *, username: str = "root", password: str | None = None) -> DataSourceSpec:
    return DataSourceSpec(
        dialect=Dialect.mariadb,
        host=MACHINE_MARIADB["host"],
        port=MACHINE_MARIADB["port"],
        database=database,
        username=username,
        password=password,
    )


def test_mariadb_reads_the_registered_database_only() -> None:
    with machine_mariadb_database(MARIADB_DDL) as database:
        snapshot = introspect_schema(open_source_engine(_maria_spec(database)), dialect="mariadb")
    assert [t.qualified_name for t in snapshot.tables] == [f"{database}.customers", f"{database}.orders"]
    orders = snapshot.table(f"{database}.orders")
    assert orders is not None
    assert orders.foreign_keys[0].referred_table == "customers"
    assert orders.foreign_keys[0].referred_schema == database
    assert {c.name: c.type for c in orders.columns} == {
        "id": "integer",
        "customer_id": "integer",
        "total": "numeric",
        "placed_on": "date",
        "is_gift": "boolean",
    }
    assert snapshot.table(f"{database}.customers").comment == "buyers"  # type: ignore[union-attr]


def test_mariadb_session_is_read_only_even_for_a_user_allowed_to_write() -> None:
    with machine_mariadb_database(MARIADB_DDL, user_password="pw-0f-reader") as database:
        engine = open_source_engine(_maria_spec(database, username=database, password="pw-0f-reader"))
        with engine.connect() as conn, pytest.raises(DBAPIError, match="READ ONLY"):
            conn.execute(text("INSERT INTO customers VALUES (9, 'z@x')"))


def test_a_foreign_key_into_the_default_schema_keeps_that_schema() -> None:
    """PostgreSQL leaves out the schema of a referred table the search path finds (public): the key still points
    there, never at a table of the child's own schema that does not exist."""
    ddl = (
        "CREATE TABLE public.departments (id INT PRIMARY KEY, name TEXT);"
        "CREATE SCHEMA hr; CREATE TABLE hr.employees (id INT PRIMARY KEY, department_id INT "
        "REFERENCES public.departments (id));"
        "CREATE SCHEMA pay; CREATE TABLE pay.departments (id INT PRIMARY KEY);"
        "CREATE TABLE hr.payslips (id INT PRIMARY KEY, department_id INT REFERENCES pay.departments (id))"
    )
    with machine_postgres_database(ddl) as database:
        spec = DataSourceSpec(dialect=Dialect.postgresql, host=MACHINE_PG["host"], port=MACHINE_PG["port"],
                              database=database, username=MACHINE_PG["user"])  # fmt: skip
        engine = open_source_engine(spec)
        snapshot = introspect_schema(engine, dialect="postgresql")
        engine.dispose()
    keys = {t.qualified_name: t.foreign_keys for t in snapshot.tables}
    [to_public] = keys["hr.employees"]
    assert (to_public.referred_schema, to_public.referred_table) == ("public", "departments")
    [to_pay] = keys["hr.payslips"]
    assert (to_pay.referred_schema, to_pay.referred_table) == ("pay", "departments")
