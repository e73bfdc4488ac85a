"""Canaries outside a tenant's model, put next to a demo source: anything that reads one has escaped the model.

Every canary value starts with `tests.query.hostile_sql.CANARY`. PostgreSQL gets a schema "PUBLIC", a schema named
with the Kelvin sign (Python lowercases it to the model's "kiosk"), a schema outside the model with a table and a
child table of the model's customers, a materialized view public.invoices shadowing kiosk.invoices on the default
search path, a sequence, and standard_conforming_strings off for the database. MariaDB gets the model's database name
in capitals (another database under lower_case_table_names=0). After the sync, PostgreSQL and MariaDB get a table
"Customers" and SQLite a table hd_canary.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pymysql
import pytest

from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from tests.query.hostile_sql import CANARY, KELVIN_KIOSK
from tests.sources import MACHINE_MARIADB, MACHINE_PG

_PG_CANARIES = f"""
CREATE SCHEMA kiosk;
CREATE TABLE kiosk.invoices (id INT PRIMARY KEY, amount NUMERIC NOT NULL);
INSERT INTO kiosk.invoices VALUES (1, 10.5), (2, 20);
CREATE SCHEMA "PUBLIC";
CREATE TABLE "PUBLIC".customers (id INT, email TEXT);
INSERT INTO "PUBLIC".customers VALUES (1, '{CANARY}schema');
CREATE SCHEMA "{KELVIN_KIOSK}";
CREATE TABLE "{KELVIN_KIOSK}".invoices (id INT, amount TEXT);
INSERT INTO "{KELVIN_KIOSK}".invoices VALUES (1, '{CANARY}kelvin');
CREATE SCHEMA hd_secret;
CREATE TABLE hd_secret.tokens (secret TEXT);
INSERT INTO hd_secret.tokens VALUES ('{CANARY}token');
CREATE TABLE hd_secret.customers_child () INHERITS (public.customers);
INSERT INTO hd_secret.customers_child SELECT * FROM public.customers ORDER BY id LIMIT 1;
UPDATE hd_secret.customers_child SET id = -1, email = '{CANARY}child';
CREATE MATERIALIZED VIEW public.invoices AS SELECT id, '{CANARY}matview'::text AS amount FROM kiosk.invoices;
CREATE SEQUENCE public.hd_canary_seq START 424242;
"""
_PG_READS = [
    'SELECT count(*) FROM "PUBLIC".customers',
    f'SELECT count(*) FROM "{KELVIN_KIOSK}".invoices',
    f"SELECT count(*) FROM public.customers WHERE email LIKE '{CANARY}%'",  # the child's row, through the parent
    f"SELECT count(*) FROM invoices WHERE amount LIKE '{CANARY}%'",  # the matview first on the default path
    'SELECT count(*) FROM public."Customers"',
]


@contextmanager
def canaries(spec: DataSourceSpec) -> Iterator[DataSourceSpec]:
    """``spec``'s source with the canaries that must exist before its catalog is built; yields the spec to register
    (for PostgreSQL, limited to the model's schemas public and kiosk)."""
    if spec.dialect is Dialect.postgresql:
        with psycopg.connect(**MACHINE_PG, dbname=spec.database, autocommit=True) as conn:
            conn.execute(_PG_CANARIES)
            conn.execute(f'ALTER DATABASE "{spec.database}" SET standard_conforming_strings = off')
        yield dataclasses.replace(spec, options={"schemas_include": ["public", "kiosk"]})
        return
    if spec.dialect in (Dialect.mysql, Dialect.mariadb):
        other = str(spec.database).upper()
        with pymysql.connect(**MACHINE_MARIADB, autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT @@lower_case_table_names")
            if cursor.fetchone()[0] != 0:
                pytest.skip("MariaDB folds table names here (lower_case_table_names != 0): run it with the default 0")
            cursor.execute(f"CREATE DATABASE `{other}`")
            try:
                cursor.execute(f"CREATE TABLE `{other}`.customers (id INT, email TEXT)")
                cursor.execute(f"INSERT INTO `{other}`.customers VALUES (1, '{CANARY}database')")
                yield spec
            finally:
                cursor.execute(f"DROP DATABASE IF EXISTS `{other}`")
        return
    yield spec


def late_canaries(spec: DataSourceSpec) -> None:
    """Canaries created after the catalog was built: tables the model cannot list."""
    if spec.dialect is Dialect.postgresql:
        with psycopg.connect(**MACHINE_PG, dbname=spec.database, autocommit=True) as conn:
            conn.execute('CREATE TABLE public."Customers" (id INT, email TEXT)')
            conn.execute(f"INSERT INTO public.\"Customers\" VALUES (1, '{CANARY}late-table')")
    elif spec.dialect in (Dialect.mysql, Dialect.mariadb):
        connection = pymysql.connect(**MACHINE_MARIADB, database=spec.database, autocommit=True)
        with connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE `Customers` (id INT, email TEXT)")
            cursor.execute(f"INSERT INTO `Customers` VALUES (1, '{CANARY}late-table')")
    elif spec.dialect is Dialect.sqlite:
        with sqlite3.connect(str(spec.path)) as db:
            db.execute("CREATE TABLE hd_canary (secret TEXT)")
            db.execute("INSERT INTO hd_canary VALUES (?)", (f"{CANARY}late-table",))


def canary_reads(spec: DataSourceSpec) -> int:
    """How many canary rows the source's owner can read with plain SQL (every canary, when they are in place)."""
    if spec.dialect is Dialect.postgresql:
        with psycopg.connect(**MACHINE_PG, dbname=spec.database, autocommit=True) as conn:
            return sum(int(conn.execute(sql).fetchone()[0]) for sql in _PG_READS)
    if spec.dialect in (Dialect.mysql, Dialect.mariadb):
        with pymysql.connect(**MACHINE_MARIADB, database=spec.database) as conn, conn.cursor() as cursor:
            found = 0
            other = str(spec.database).upper()
            for sql in (f"SELECT count(*) FROM `{other}`.customers", "SELECT count(*) FROM Customers"):
                cursor.execute(sql)
                found += int(cursor.fetchone()[0])
            return found
    with sqlite3.connect(str(spec.path)) as db:
        return int(db.execute("SELECT count(*) FROM hd_canary").fetchone()[0])
