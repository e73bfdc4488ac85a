"""Engine and sessions for the platform's own `hugdata` database, and where its URLs come from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Connection, Engine, create_engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from hugdata.config import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class PlatformDatabases:
    """Where the platform keeps its two databases."""

    hugdata_url: str
    dagster_url: str


def resolve_platform_databases(settings: Settings) -> PlatformDatabases:
    """Configured URLs, or the embedded Postgres under the state folder (started if needed) for missing ones."""
    hugdata_url = settings.database_url.get_secret_value() if settings.database_url else None
    dagster_url = settings.dagster_database_url.get_secret_value() if settings.dagster_database_url else None
    if hugdata_url is None or dagster_url is None:
        from hugdata.embedded_pg import embedded_postgres_for

        pg = embedded_postgres_for(settings)
        hugdata_url = hugdata_url or pg.url("hugdata")
        dagster_url = dagster_url or pg.url("dagster", driver="psycopg2")
    return PlatformDatabases(hugdata_url=hugdata_url, dagster_url=dagster_url)


def make_engine(url: str, *, pool_size: int = 10, connect_timeout_s: int = 5) -> Engine:
    """An engine for the `hugdata` database with bounded pools and connect timeouts."""
    sa_url = make_url(url)
    if sa_url.drivername in ("postgresql", "postgres"):
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    return create_engine(
        sa_url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={"connect_timeout": connect_timeout_s},
    )


def make_read_engine(
    url: str,
    *,
    pool_size: int = 10,
    connect_timeout_s: int = 5,
    role: str | None = None,
    server_settings: dict[str, str] | None = None,
) -> Engine:
    """An engine for single-statement reads on hot paths: each read is one round trip to the server.

    Autocommit means no BEGIN and no ROLLBACK around the statement, and there is no pre-ping; a connection that broke
    while idle fails its read, is dropped from the pool, and ``read_retrying`` runs the read once more. With ``role``
    every connection acts as that role from the start (row-level security for tenant-scoped reads);
    ``server_settings`` are set the same way on every connection.
    """
    connect_args: dict[str, object] = {"connect_timeout": connect_timeout_s}
    options = {**({"role": role} if role is not None else {}), **(server_settings or {})}
    if options:
        connect_args["options"] = " ".join(f"-c {name}={value}" for name, value in options.items())
    sa_url = make_url(url)
    if sa_url.drivername in ("postgresql", "postgres"):
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    return create_engine(
        sa_url,
        isolation_level="AUTOCOMMIT",
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_timeout=10,
        pool_recycle=1800,
        connect_args=connect_args,
    )


def read_retrying(engine: Engine, read: Callable[[Connection], T]) -> T:
    """``read(connection)``, tried once more on a fresh connection if the first one turned out to be broken.

    A broken connection usually means the server restarted, and then every pooled connection is broken: the pool is
    replaced before the retry, or the retry would only take the next dead one.
    """
    try:
        with engine.connect() as connection:
            return read(connection)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    engine.dispose(close=False)  # connections still checked out finish on the old pool, which then goes away
    with engine.connect() as connection:
        return read(connection)


@contextmanager
def pipelined(connection: Connection) -> Iterator[Any]:
    """The psycopg connection under ``connection`` in pipeline mode: statements queued inside the block reach the
    server together, one round trip, and their cursors are read after it. A connection that turns out broken is
    dropped from the pool and reported the way SQLAlchemy reports one, so ``read_retrying`` tries again."""
    # Here, not at the top: a run worker imports this module at start-up and must not load the tracing SDK.
    from opentelemetry.trace import SpanKind

    from hugdata.observability.tracing import span

    raw = connection.connection.driver_connection
    # Statements sent this way pass SQLAlchemy's hooks by: the round trip is one span of its own.
    attributes = {"db.system": "postgresql", "db.operation": "PIPELINE"}
    try:
        with span("db PIPELINE", kind=SpanKind.CLIENT, attributes=attributes), raw.pipeline():
            yield raw
    except psycopg.OperationalError as exc:
        connection.invalidate(exc)
        raise DBAPIError.instance("(pipeline)", None, exc, psycopg.Error, connection_invalidated=True) from exc


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
