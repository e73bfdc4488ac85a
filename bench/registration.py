"""Registration through the partition-add API with 10,000 projects already registered.

Targets (issue 2): p99 < 25 ms and >= 300 registrations/s on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

import aiohttp
import httpx
from sqlalchemy import insert

from bench.harness import BenchPlatform, fresh_platform, percentile, served_api, write_report
from hugdata.db import make_engine
from hugdata.platform.instance import open_instance
from hugdata.platform.partitions import DagsterPartitionStore
from hugdata.tenants.models import DataSource, Dialect, Project, ProjectStatus, Tier
from hugdata.tenants.vault import CredentialVault

EXISTING = 10_000
SEQUENTIAL = 400
CONCURRENT = 2_000
CONCURRENCY = 8
ROUNDS = 3
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "2"))


def _body(project_id: str) -> dict[str, object]:
    return {
        "id": project_id,
        "name": f"Bench {project_id}",
        "tier": "standard",
        "data_source": {
            "dialect": "postgresql",
            "host": "db.internal",
            "database": "app",
            "username": "reader",
            "password": "bench-password",
        },
    }


def preload(bench: BenchPlatform, count: int) -> float:
    """Register ``count`` projects in bulk (rows and partitions alike) and return the seconds it took."""
    started = time.perf_counter()
    settings = bench.settings
    assert settings.database_url is not None
    engine = make_engine(settings.database_url.get_secret_value())
    vault = CredentialVault(settings.fernet_keys())
    ids = [f"existing-{i:06d}" for i in range(count)]
    secret = vault.encrypt("bench-password")
    with engine.begin() as conn:
        conn.execute(
            insert(Project), [{"id": i, "name": i, "tier": Tier.standard, "status": ProjectStatus.active} for i in ids]
        )
        conn.execute(
            insert(DataSource),
            [
                {
                    "project_id": i,
                    "dialect": Dialect.postgresql,
                    "host": "db",
                    "port": 5432,
                    "database": "app",
                    "username": "r",
                    "options": {},
                    "password_encrypted": secret,
                }
                for i in ids
            ],
        )
    engine.dispose()
    instance = open_instance(settings.resolved_dagster_home)
    partitions = DagsterPartitionStore(instance)
    for start in range(0, count, 1000):
        partitions.add(ids[start : start + 1000])
    assert len(partitions.keys()) == count
    instance.dispose()
    return time.perf_counter() - started


def timed_post(http: httpx.Client, body: dict[str, object]) -> float:
    started = time.perf_counter()
    response = http.post("/v1/projects", json=body)
    elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"registration failed: {response.status_code} {response.text}")
    return elapsed * 1000


async def concurrent_load(url: str, headers: dict[str, str], *, round_no: int) -> tuple[list[float], float]:
    """CONCURRENT registrations from CONCURRENCY clients on one event loop (cheap on the shared CPUs)."""
    latencies: list[float] = []
    per_client = CONCURRENT // CONCURRENCY

    async def client(session: aiohttp.ClientSession, offset: int) -> None:
        for i in range(per_client):
            started = time.perf_counter()
            async with session.post(f"{url}/v1/projects", json=_body(f"conc-{round_no}-{offset}-{i}")) as response:
                await response.read()
                if response.status != 201:
                    raise RuntimeError(f"registration failed: {response.status}")
            latencies.append((time.perf_counter() - started) * 1000)

    async with aiohttp.ClientSession(headers=headers) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session, c) for c in range(CONCURRENCY)))
        return latencies, time.perf_counter() - started


def main() -> None:
    with fresh_platform() as bench:
        preload_s = preload(bench, EXISTING)
        with served_api(bench, workers=WORKERS) as url:
            with httpx.Client(base_url=url, headers=bench.admin_headers, timeout=30) as http:
                for i in range(20):  # warm-up: connection pools, imports, caches
                    timed_post(http, _body(f"warm-{i}"))
                sequential = [timed_post(http, _body(f"seq-{i}")) for i in range(SEQUENTIAL)]

            rounds = [asyncio.run(concurrent_load(url, bench.admin_headers, round_no=r)) for r in range(ROUNDS)]

    all_latencies = [ms for latencies, _ in rounds for ms in latencies]
    write_report(
        "registration",
        {
            "existing_projects": EXISTING,
            "preload_s": round(preload_s, 2),
            "sequential": {
                "registrations": SEQUENTIAL,
                "p50_ms": round(statistics.median(sequential), 2),
                "p99_ms": round(percentile(sequential, 99), 2),
                "max_ms": round(max(sequential), 2),
            },
            "concurrent": {
                "rounds": ROUNDS,
                "registrations_per_round": CONCURRENT,
                "clients": CONCURRENCY,
                "api_workers": WORKERS,
                "registrations_per_s_median": round(statistics.median(CONCURRENT / wall for _, wall in rounds), 1),
                "registrations_per_s_rounds": [round(CONCURRENT / wall, 1) for _, wall in rounds],
                "p50_ms": round(statistics.median(all_latencies), 2),
                "p99_ms": round(percentile(all_latencies, 99), 2),
            },
            "targets": {"p99_ms_below": 25, "registrations_per_s_at_least": 300},
        },
    )
