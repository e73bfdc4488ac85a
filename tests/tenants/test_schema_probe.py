"""The cheap schema fingerprint changes with the columns, and only with them, on PostgreSQL and MariaDB."""

import psycopg
import pymysql

from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.schema_probe import schema_fingerprint
from hugdata.tenants.source_engines import open_source_engine
from tests.sources import MACHINE_MARIADB, MACHINE_PG, machine_mariadb_database, machine_postgres_database


def test_postgres_fingerprint_follows_columns_not_rows() -> None:
    with machine_postgres_database("CREATE TABLE t (id int PRIMARY KEY)") as database:
        engine = open_source_engine(
            DataSourceSpec(
                dialect=Dialect.postgresql,
                host=MACHINE_PG["host"],
                port=MACHINE_PG["port"],
                database=database,
                username=MACHINE_PG["user"],
            )
        )
        first = schema_fingerprint(engine, "postgresql")
        with psycopg.connect(**MACHINE_PG, dbname=database, autocommit=True) as conn:
            conn.execute("INSERT INTO t VALUES (1), (2)")
            same = schema_fingerprint(engine, "postgresql")
            conn.execute("ALTER TABLE t ADD COLUMN note text")
            changed = schema_fingerprint(engine, "postgresql")
        engine.dispose()
    assert first == same != changed


def test_mariadb_fingerprint_follows_columns() -> None:
    with machine_mariadb_database(["CREATE TABLE t (id INT PRIMARY KEY)"]) as database:
        engine = open_source_engine(
            DataSourceSpec(
                dialect=Dialect.mariadb,
                host=MACHINE_MARIADB["host"],
                port=MACHINE_MARIADB["port"],
                database=database,
                username="root",
            )
        )
        first = schema_fingerprint(engine, "mariadb")
        with pymysql.connect(**MACHINE_MARIADB, database=database, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("ALTER TABLE t ADD COLUMN note TEXT")
        changed = schema_fingerprint(engine, "mariadb")
    assert first != changed
