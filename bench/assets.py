"""P6 (issue 4): GET /v1/projects/{id}/assets p95 with 100,000 registered projects; target < 50 ms."""

from __future__ import annotations

import os
import random
import statistics
import time

import httpx
import psycopg

from bench.harness import fresh_platform, percentile, served_api, write_report
from hugdata.api.routes.runs import TENANT_ASSET_NAMES
from hugdata.config import Settings
from hugdata.platform.instance import open_instance
from hugdata.platform.jobs import SCHEMA_SYNC_ASSET_NAMES
from hugdata.platform.partitions import DagsterPartitionStore

PROJECTS = int(os.environ.get("BENCH_ASSETS_PROJECTS", "100000"))
REQUESTS = 500


def preload(dsn: str, settings: Settings) -> float:
    """PROJECTS projects with data sources, partitions and a state row per asset (COPY, batched partitions)."""
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy("COPY projects (id, name, tier, status) FROM STDIN") as copy:
            for i in range(PROJECTS):
                copy.write_row((f"p{i:06d}", f"Project {i}", "standard", "active"))
        with cur.copy("COPY data_sources (project_id, dialect, path) FROM STDIN") as copy:
            for i in range(PROJECTS):
                copy.write_row((f"p{i:06d}", "sqlite", f"/data/p{i:06d}.sqlite"))
        with cur.copy(
            "COPY asset_states (project_id, asset, status, last_run_id, last_materialized_at, metadata) FROM STDIN"
        ) as copy:
            for i in range(PROJECTS):
                for asset in SCHEMA_SYNC_ASSET_NAMES:
                    copy.write_row(
                        (
                            f"p{i:06d}",
                            asset,
                            "materialized",
                            f"run-{i}",
                            "2026-11-26 00:00:00+00",
                            '{"schema_version": 1}',
                        )
                    )
        conn.commit()
        conn.execute("ANALYZE")
    instance = open_instance(settings.resolved_dagster_home)
    partitions = DagsterPartitionStore(instance)
    ids = [f"p{i:06d}" for i in range(PROJECTS)]
    for start in range(0, PROJECTS, 2000):
        partitions.add(ids[start : start + 2000])
    instance.dispose()
    return time.perf_counter() - started


def main() -> None:
    rng = random.Random(5)
    with fresh_platform() as bench:
        load_s = preload(
            bench.env["HUGDATA_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://"), bench.settings
        )
        with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=30) as http:
            for _ in range(50):
                http.get(f"/v1/projects/p{rng.randrange(PROJECTS):06d}/assets")
            latencies = []
            for _ in range(REQUESTS):
                project = f"p{rng.randrange(PROJECTS):06d}"
                started = time.perf_counter()
                response = http.get(f"/v1/projects/{project}/assets")
                latencies.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200 and len(response.json()) == len(TENANT_ASSET_NAMES)
    write_report(
        "assets",
        {
            "projects": PROJECTS,
            "load_s": round(load_s, 1),
            "requests": REQUESTS,
            "p50_ms": round(statistics.median(latencies), 2),
            "p95_ms": round(percentile(latencies, 95), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "target": {"p95_ms_below": 50},
        },
    )
