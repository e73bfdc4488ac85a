"""Real tenant source databases for tests: SQLite files, and the machine's PostgreSQL and MariaDB when they run."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from pathlib import Path

import psycopg
import pymysql
import pytest
from sqlalchemy import URL, create_engine

from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.demo.servers import copy_sqlite_database
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect

MACHINE_PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
MACHINE_MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


def _skip_unless(reachable: bool, what: str) -> None:
    if not reachable:
        pytest.skip(f"{what} is not running here; install and start it to run this test")


@contextmanager
def machine_postgres_database(ddl: str) -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL (127.0.0.1:5432, trust auth) holding ``ddl``; dropped after."""
    name = f"hd_test_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(**MACHINE_PG, dbname="postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        _skip_unless(False, "PostgreSQL on 127.0.0.1:5432")
        raise
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(**MACHINE_PG, dbname=name, autocommit=True) as conn:
                conn.execute(ddl)
                conn.execute("ANALYZE")
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def machine_mariadb_database(ddl_statements: list[str], *, user_password: str | None = None) -> Iterator[str]:
    """A fresh database on the machine's MariaDB (127.0.0.1:3306, root) and, if asked, a user with that password."""
    name = f"hd_test_{secrets.token_hex(4)}"
    try:
        admin = pymysql.connect(**MACHINE_MARIADB, connect_timeout=3, autocommit=True)
    except pymysql.err.OperationalError:
        _skip_unless(False, "MariaDB on 127.0.0.1:3306")
        raise
    with admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
        try:
            cursor.execute(f"USE `{name}`")
            for statement in ddl_statements:
                cursor.execute(statement)
            if user_password is not None:
                cursor.execute(f"CREATE USER '{name}'@'%%' IDENTIFIED BY %s", (user_password,))
                cursor.execute(f"CREATE USER '{name}'@'localhost' IDENTIFIED BY %s", (user_password,))
                cursor.execute(f"GRANT SELECT, INSERT ON `{name}`.* TO '{name}'@'%'")
                cursor.execute(f"GRANT SELECT, INSERT ON `{name}`.* TO '{name}'@'localhost'")
            yield name
        finally:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"DROP USER IF EXISTS '{name}'@'%'")
            cursor.execute(f"DROP USER IF EXISTS '{name}'@'localhost'")


@contextmanager
def demo_source(dialect: str, tenant_id: str, folder: Path) -> Iterator[DataSourceSpec]:
    """A demo tenant's database as a data source of ``dialect``: its SQLite file, or a copy of it on the machine's
    PostgreSQL or MariaDB (``mysql`` and ``mariadb`` both name the MariaDB server), dropped afterwards."""
    tenant = next(t for t in DEMO_TENANTS if t.project_id == tenant_id)
    path = build_demo_database(tenant, folder)
    if dialect == "sqlite":
        yield DataSourceSpec(dialect=Dialect.sqlite, path=str(path))
        return
    if dialect == "postgresql":
        with machine_postgres_database("SELECT 1") as database:
            engine = create_engine(
                URL.create(
                    "postgresql+psycopg",
                    username=MACHINE_PG["user"],
                    host=MACHINE_PG["host"],
                    port=MACHINE_PG["port"],
                    database=database,
                )
            )
            try:
                copy_sqlite_database(path, engine)
                with engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
            finally:
                engine.dispose()
            yield DataSourceSpec(
                dialect=Dialect.postgresql,
                host=MACHINE_PG["host"],
                port=MACHINE_PG["port"],
                database=database,
                username=MACHINE_PG["user"],
            )
        return
    with machine_mariadb_database([]) as database:
        engine = create_engine(
            URL.create(
                "mysql+pymysql",
                username=MACHINE_MARIADB["user"],
                host=MACHINE_MARIADB["host"],
                port=MACHINE_MARIADB["port"],
                database=database,
            )
        )
        try:
            copy_sqlite_database(path, engine)
        finally:
            engine.dispose()
        yield DataSourceSpec(
            dialect=Dialect(dialect),
            host=MACHINE_MARIADB["host"],
            port=MACHINE_MARIADB["port"],
            database=database,
            username=MACHINE_MARIADB["user"],
        )
