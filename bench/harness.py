"""Shared pieces of the benchmarks: a fresh platform, a served API, percentiles and the JSON report."""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from pydantic import SecretStr

from hugdata.config import Settings
from hugdata.embedded_pg import start_embedded_postgres
from hugdata.migrations import upgrade_all

RESULTS = Path(__file__).resolve().parent.parent / ".bench-results"


@dataclass
class BenchPlatform:
    settings: Settings
    env: dict[str, str]
    admin_headers: dict[str, str]


@contextmanager
def fresh_platform(*, shared_buffers: str | None = None) -> Iterator[BenchPlatform]:
    """A new embedded Postgres, migrated, in a temporary state folder."""
    with tempfile.TemporaryDirectory(prefix="hugdata-bench-") as tmp:
        pg = start_embedded_postgres(Path(tmp) / "pgdata", shared_buffers=shared_buffers)
        token = "bench-admin-" + os.urandom(16).hex()
        env = {
            "HUGDATA_STATE_DIR": str(Path(tmp) / "state"),
            "HUGDATA_DATABASE_URL": pg.url("hugdata"),
            "HUGDATA_DAGSTER_DATABASE_URL": pg.url("dagster", driver="psycopg2"),
            "HUGDATA_ADMIN_TOKEN": token,
            # A line per request would cost the API what the benchmarks measure (and fill the console).
            "HUGDATA_LOG_LEVEL": "warning",
            "HUGDATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            # Benchmarks measure the real path; `bench ask` measures answer memory on its own.
            "HUGDATA_ANSWER_CACHE_TTL": "0",
            # Load comes from a few project keys at rates far above a tenant's quota; `bench quotas` measures them.
            "HUGDATA_QUOTA_SEARCH_PER_MINUTE": '{"free": 100000000, "standard": 100000000, "enterprise": 100000000}',
            "HUGDATA_QUOTA_ASK_PER_MINUTE": '{"free": 100000000, "standard": 100000000, "enterprise": 100000000}',
        }
        settings = Settings(
            state_dir=Path(env["HUGDATA_STATE_DIR"]),
            database_url=SecretStr(env["HUGDATA_DATABASE_URL"]),
            dagster_database_url=SecretStr(env["HUGDATA_DAGSTER_DATABASE_URL"]),
            admin_token=SecretStr(token),
            encryption_keys=SecretStr(env["HUGDATA_ENCRYPTION_KEYS"]),
            quota_search_per_minute=json.loads(env["HUGDATA_QUOTA_SEARCH_PER_MINUTE"]),
            quota_ask_per_minute=json.loads(env["HUGDATA_QUOTA_ASK_PER_MINUTE"]),
        )
        upgrade_all(settings)
        try:
            yield BenchPlatform(settings, env, {"Authorization": f"Bearer {token}"})
        finally:
            pg.stop()


def _wait_until_answering(url: str, proc: subprocess.Popen[bytes], *, timeout_s: float, what: str) -> None:
    """Until ``url`` answers 200; RuntimeError if ``proc`` exits first or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.3)


@contextmanager
def served_api(bench: BenchPlatform, *, workers: int = 1) -> Iterator[str]:
    """The API in its own uvicorn process, as deployed; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [
        str(Path(sys.executable).parent / "uvicorn"),
        "hugdata.api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(argv, env={**os.environ, **bench.env})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(f"{url}/readyz", proc, timeout_s=60, what="the API")
        yield url
    finally:
        proc.terminate()
        proc.wait(60)


@contextmanager
def dagster_webserver(bench: BenchPlatform) -> Iterator[str]:
    """The Dagster webserver over the platform's code location; APIs served afterwards reach its GraphQL."""
    from hugdata.devstack import kill_group, write_workspace

    home = bench.settings.resolved_dagster_home
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port),
            "-w", str(write_workspace(home))]  # fmt: skip
    proc = subprocess.Popen(argv, env={**os.environ, **bench.env, "DAGSTER_HOME": str(home)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(f"{url}/server_info", proc, timeout_s=180, what="the Dagster webserver")
        bench.env["HUGDATA_DAGSTER_GRAPHQL_URL"] = f"{url}/graphql"
        yield url
    finally:
        bench.env.pop("HUGDATA_DAGSTER_GRAPHQL_URL", None)
        kill_group(proc.pid)
        proc.wait(60)


def psycopg_dsn(sqlalchemy_url: str) -> str:
    """A SQLAlchemy psycopg URL as a plain libpq URL."""
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://")


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the inclusive method."""
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1] if len(samples) > 1 else samples[0]


def write_report(name: str, report: dict[str, object]) -> Path:
    """Write ``report`` with machine facts to .bench-results/<name>.json and print it."""
    RESULTS.mkdir(exist_ok=True)
    report = {"benchmark": name, "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, **report}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return path
