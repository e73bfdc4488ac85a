"""The public schemas on a PostgreSQL or MySQL/MariaDB server: persistent copies of their SQLite builds.

A copy is made once per server (database ``hugdata_eval_<schema>``) and reused while its tables hold the same row
counts as the SQLite build. Servers are named by environment (``HUGDATA_EVAL_PG``, ``HUGDATA_EVAL_MARIADB`` as
``host:port:user``); the defaults are this project's test machines' (127.0.0.1, trust / root without password).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import URL, Engine, Index, MetaData, create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from hugdata.catalog.relationships import is_key_like
from hugdata.demo.servers import copy_sqlite_database
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect

_DEFAULTS = {Dialect.postgresql: "127.0.0.1:5432:postgres", Dialect.mariadb: "127.0.0.1:3306:root"}
# On PostgreSQL the Lahman databank is spread over three schemas, as a warehouse keeps reference data, season
# statistics and honours apart; the database's search path finds them all for unqualified reference SQL.
PG_SCHEMAS: dict[str, dict[str, tuple[str, ...]]] = {
    "lahman": {
        "core": ("people", "teams", "teamsfranchises", "teamshalf", "parks", "schools", "homegames", "seriespost"),
        "awards": ("allstarfull", "awardsmanagers", "awardsplayers", "awardssharemanagers", "awardsshareplayers",
                   "halloffame"),
        "stats": ("appearances", "batting", "battingpost", "collegeplaying", "fielding", "fieldingof",
                  "fieldingofsplit", "fieldingpost", "managers", "managershalf", "pitching", "pitchingpost",
                  "salaries"),
    },
}  # fmt: skip
_ENV = {Dialect.postgresql: "HUGDATA_EVAL_PG", Dialect.mariadb: "HUGDATA_EVAL_MARIADB"}
_DRIVERS = {Dialect.postgresql: "postgresql+psycopg", Dialect.mariadb: "mysql+pymysql"}
_ADMIN_DATABASE = {Dialect.postgresql: "postgres", Dialect.mariadb: None}


def _server(dialect: Dialect) -> tuple[str, int, str]:
    host, port, user = os.environ.get(_ENV[dialect], _DEFAULTS[dialect]).split(":")
    return host, int(port), user


def _engine(dialect: Dialect, database: str | None) -> Engine:
    host, port, user = _server(dialect)
    url = URL.create(_DRIVERS[dialect], username=user, host=host, port=port, database=database)
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


def server_reachable(dialect: Dialect) -> bool:
    """Whether the evaluation server for ``dialect`` answers."""
    engine = _engine(dialect, _ADMIN_DATABASE[dialect])
    try:
        with engine.connect():
            return True
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _row_counts_sqlite(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names if n != "sqlite_sequence"}


def _row_counts(engine: Engine, schemas: Sequence[str | None] = (None,)) -> dict[str, int]:
    with engine.connect() as conn:
        quote = conn.dialect.identifier_preparer.quote
        inspector = inspect(conn)
        return {
            f"{s}.{n}" if s else n: int(
                conn.execute(text(f"SELECT count(*) FROM {quote(s) + '.' if s else ''}{quote(n)}")).scalar_one()
            )
            for s in schemas
            for n in inspector.get_table_names(schema=s)
        }


def _spread_over_schemas(engine: Engine, database: str, placement: dict[str, tuple[str, ...]]) -> None:
    """Move the copied tables from ``public`` into their schemas and put every schema on the search path."""
    with engine.connect() as conn:
        for schema, tables in placement.items():
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            for name in tables:
                conn.execute(text(f'ALTER TABLE public."{name}" SET SCHEMA "{schema}"'))
        path = ", ".join(f'"{s}"' for s in placement)
        conn.execute(text(f'ALTER DATABASE "{database}" SET search_path TO {path}, public'))


def _index_key_columns(engine: Engine, schema: str | None = None) -> None:
    """An index on every key-like column, as a production database has on its keys even where it declares no
    foreign key (TPC-DS declares none): without them MariaDB joins two fact-sized tables row by row."""
    metadata = MetaData(schema=schema)
    metadata.reflect(engine)
    for table in metadata.tables.values():
        indexed = {c.name for ix in table.indexes for c in ix.columns} | {c.name for c in table.primary_key}
        for column in table.columns:
            if is_key_like(column.name) and column.name not in indexed:
                Index(f"ix_{table.name}_{column.name}"[:60], column).create(engine)


def server_copy(name: str, path: Path, dialect: Dialect) -> DataSourceSpec:
    """A data source for the copy of public schema ``name`` (built at ``path``) on the ``dialect`` server."""
    server = Dialect.mariadb if dialect in (Dialect.mysql, Dialect.mariadb) else dialect
    database = f"hugdata_eval_{name}"
    admin = _engine(server, _ADMIN_DATABASE[server])
    quote = admin.dialect.identifier_preparer.quote
    try:
        with admin.connect() as conn:
            exists = (
                database in inspect(conn).get_schema_names()
                if server is not Dialect.postgresql
                else bool(conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}).first())
            )
        target = _engine(server, database)
        placement = PG_SCHEMAS.get(name, {}) if server is Dialect.postgresql else {}
        schemas: list[str | None] = [*placement, "public"] if placement else [None]
        try:
            home = {t: schema for schema, tables in placement.items() for t in tables}
            expected = {
                f"{home.get(n, 'public')}.{n}" if placement else n: c for n, c in _row_counts_sqlite(path).items()
            }
            if not exists or _row_counts(target, schemas) != expected:
                target.dispose()
                with admin.connect() as conn:
                    suffix = " WITH (FORCE)" if server is Dialect.postgresql else ""
                    conn.execute(text(f"DROP DATABASE IF EXISTS {quote(database)}{suffix}"))
                    conn.execute(text(f"CREATE DATABASE {quote(database)}"))
                # Not analyzed afterwards, like a freshly restored database: row counts come from the fallback.
                copy_sqlite_database(path, target)
                if placement:
                    _spread_over_schemas(target, database, placement)
                    target.dispose()  # new sessions take the database's search path
            for schema in schemas:
                _index_key_columns(target, schema)
        finally:
            target.dispose()
    finally:
        admin.dispose()
    host, port, user = _server(server)
    return DataSourceSpec(dialect=dialect, host=host, port=port, database=database, username=user)
