"""The embedded platform Postgres: pgvector available, cache size adjustable."""

from pathlib import Path

import psycopg

from hugdata.embedded_pg import start_embedded_postgres


def test_shared_buffers_are_applied_with_a_restart_and_pgvector_is_installed(pg_home: Path) -> None:
    pg = start_embedded_postgres(pg_home / "pgdata", shared_buffers="64MB")
    try:
        with psycopg.connect(pg.libpq_dsn("hugdata")) as conn:
            assert conn.execute("SHOW shared_buffers").fetchone() == ("64MB",)
            assert conn.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'").fetchone()
    finally:
        pg.stop()
