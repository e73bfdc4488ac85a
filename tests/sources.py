"""Real tenant source databases for tests: SQLite files, and the machine's PostgreSQL and MariaDB when they run."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pymysql
import pytest
from sqlalchemy import URL, Engine, create_engine

from hugdata.catalog.semantic import SemanticModel
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
def machine_postgres_database(ddl: str, *, analyze: bool = True) -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL (127.0.0.1:5432, trust auth) holding ``ddl``; dropped after.
    ``analyze=False`` leaves it without statistics, as a freshly restored database is."""
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
                if analyze:
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
    with copied_source(dialect, build_demo_database(tenant, folder)) as spec:
        yield spec


@contextmanager
def copied_source(dialect: str, path: Path) -> Iterator[DataSourceSpec]:
    """The SQLite database at ``path`` as a data source of ``dialect``: the file itself, or a temporary copy on the
    machine's PostgreSQL or MariaDB, dropped afterwards."""
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


_PG_FINGERPRINT = [
    # catalogs: every relation, role, large object and extension
    "SELECT md5(string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text, ',' "
    "ORDER BY n.nspname, c.relname)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace",
    "SELECT md5(string_agg(rolname || rolsuper::text || rolcanlogin::text, ',' ORDER BY rolname)) FROM pg_roles",
    "SELECT count(*) FROM pg_largeobject_metadata",
    "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension",
    # statistics and sequences: a reset, a write or a nextval() shows here
    "SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()",
    "SELECT string_agg(relname || ':' || n_tup_ins || ':' || n_tup_upd || ':' || n_tup_del || ':' || analyze_count, "
    "',' ORDER BY relname) FROM pg_stat_user_tables",
    "SELECT string_agg(sequencename || ':' || coalesce(last_value, 0), ',' ORDER BY sequencename) FROM pg_sequences",
    # sessions' side effects: advisory locks, notifications
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'",
]
_MARIADB_FINGERPRINT = [
    "SELECT md5(group_concat(concat(table_schema, '.', table_name, ':', table_type) ORDER BY table_schema, "
    "table_name)) FROM information_schema.tables",
    "SELECT md5(group_concat(concat(user, '@', host) ORDER BY user, host)) FROM mysql.user",
    "SELECT IS_USED_LOCK('hd')",
    "SELECT concat(@@global.read_only, @@global.max_statement_time, @@global.general_log)",
]


def source_fingerprint(spec: DataSourceSpec, tables: list[str]) -> dict[str, object]:
    """What a query that changed anything would change: the rows of ``tables``, the server's catalogs, statistics,
    sequences, locks, and files (/tmp/hd_* on this machine, the SQLite file and its folder)."""
    files = sorted(str(p) for p in Path("/tmp").glob("hd_*"))
    if spec.dialect is Dialect.sqlite:
        path = Path(spec.path or "")
        return {
            "files": files,
            "folder": sorted(p.name for p in path.parent.iterdir()),
            "bytes": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    if spec.dialect is Dialect.postgresql:
        with psycopg.connect(**MACHINE_PG, dbname=spec.database, autocommit=True) as conn:
            conn.execute("SELECT pg_stat_clear_snapshot()")
            server = [conn.execute(q).fetchone()[0] for q in _PG_FINGERPRINT]
            rows = {
                t: conn.execute(
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {t} t"
                ).fetchone()[0]
                for t in tables
            }
        return {"files": files, "server": server, "rows": rows}
    with pymysql.connect(**MACHINE_MARIADB, database=spec.database, autocommit=True) as conn, conn.cursor() as cur:
        server = []
        for query in _MARIADB_FINGERPRINT:
            cur.execute(query)
            server.append(cur.fetchone()[0])
        cur.execute(f"CHECKSUM TABLE {', '.join(tables)}")
        rows = {name: checksum for name, checksum in cur.fetchall()}
    return {"files": files, "server": server, "rows": rows}


def sqlite_catalog(path: Path, script: str) -> tuple[Engine, SemanticModel]:
    """A SQLite file at ``path`` made by ``script``, its read-only source engine, and the model its catalog infers."""
    from hugdata.catalog.introspect import introspect_schema
    from hugdata.catalog.semantic import build_semantic_model
    from hugdata.tenants.source_engines import open_source_engine

    with sqlite3.connect(path) as db:
        db.executescript(script)
    engine = open_source_engine(DataSourceSpec(dialect=Dialect.sqlite, path=str(path)))
    return engine, build_semantic_model(introspect_schema(engine, dialect="sqlite"))


def profiled_model(path: Path, dialect: str = "sqlite") -> SemanticModel:
    """The model the catalog infers, values profiled as the pipeline does, for the SQLite file at ``path`` copied
    onto ``dialect``."""
    from hugdata.catalog.introspect import introspect_schema
    from hugdata.catalog.profiling import profile_source
    from hugdata.catalog.semantic import build_semantic_model
    from hugdata.tenants.source_engines import open_source_engine

    with copied_source(dialect, path) as spec:
        engine = open_source_engine(spec)
        try:
            return build_semantic_model(profile_source(engine, introspect_schema(engine, dialect=spec.dialect.value)))
        finally:
            engine.dispose()
