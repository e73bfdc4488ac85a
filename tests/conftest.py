"""Shared fixtures: one real embedded Postgres (pgvector) per test session, migrated, with a real Dagster instance."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime, build_runtime
from hugdata.config import Settings, get_settings
from hugdata.embedded_pg import EmbeddedPostgres, start_embedded_postgres
from hugdata.migrations import upgrade_all
from tests.helpers import ADMIN_TOKEN, WEBHOOK_SECRET, private_folder, served


@pytest.fixture
def pg_home() -> Iterator[Path]:
    """A folder for an embedded Postgres's data, outside pytest's temporary root.

    Postgres runs as its own system user and must traverse the folder's parents; pytest resets its root to
    mode 0700 whenever a session starts, which would cut off a server started by a concurrent session.
    """
    with private_folder() as folder:
        yield folder


@pytest.fixture(scope="session")
def platform_pg() -> Iterator[EmbeddedPostgres]:
    with private_folder() as folder:
        pg = start_embedded_postgres(folder / "pgdata")
        yield pg
        pg.stop()


@pytest.fixture(scope="session")
def settings(platform_pg: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    state = tmp_path_factory.mktemp("state")
    env = {
        "HUGDATA_STATE_DIR": str(state),
        "HUGDATA_DATABASE_URL": platform_pg.url("hugdata"),
        "HUGDATA_DAGSTER_DATABASE_URL": platform_pg.url("dagster", driver="psycopg2"),
        "HUGDATA_ADMIN_TOKEN": ADMIN_TOKEN,
        "HUGDATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HUGDATA_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # Tests ask the same question again on purpose (scripted answers, retries); answer memory has its own tests.
        "HUGDATA_ANSWER_CACHE_TTL": "0",
        # Floods and fuzzing use project keys; tenant quotas have their own tests (tests/api/test_quotas.py).
        "HUGDATA_QUOTA_SEARCH_PER_MINUTE": '{"free": 1000000, "standard": 1000000, "enterprise": 1000000}',
        "HUGDATA_QUOTA_ASK_PER_MINUTE": '{"free": 1000000, "standard": 1000000, "enterprise": 1000000}',
    }
    # Dagster resources and child processes read the same environment a deployment would give them.
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    current = Settings()
    upgrade_all(current)
    yield current
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def runtime(settings: Settings) -> Iterator[ApiRuntime]:
    built = build_runtime(settings)
    yield built
    built.close()


def truncate_platform(runtime: ApiRuntime) -> None:
    """Remove every project (with all rows that reference it) and every project partition."""
    # A run the shared daemon still finishes may hold row locks on these tables; TRUNCATE then loses a deadlock
    # (the run wins) and succeeds once that run's transaction is over.
    for attempt in range(10):
        try:
            with runtime.engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '20s'"))
                conn.execute(text("TRUNCATE projects, audit_log CASCADE"))
            break
        except OperationalError:
            if attempt == 9:
                raise
            time.sleep(0.5)
    for key in sorted(runtime.partitions.keys()):
        runtime.partitions.delete(key)


@pytest.fixture
def clean_platform(runtime: ApiRuntime) -> ApiRuntime:
    """An empty registry and no project partitions."""
    truncate_platform(runtime)
    return runtime


@pytest.fixture
def client(clean_platform: ApiRuntime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=clean_platform)) as test_client:
        yield test_client


@pytest.fixture
def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class LiveServer:
    def __init__(self, url: str) -> None:
        self.url = url


@pytest.fixture
def live_api(clean_platform: ApiRuntime) -> Iterator[LiveServer]:
    """The API served by a real uvicorn on a free loopback port."""
    with served(create_app(runtime=clean_platform)) as url:
        yield LiveServer(url)


@pytest.fixture
def sqlite_source(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "tenant.sqlite"
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL)")
    return {"dialect": "sqlite", "path": str(path)}
