"""Column lineage at size: a project with 500 tables and 10,000 logged questions. Reports how long parsing the log
into lineage takes per 1,000 queries, and the latency of /lineage (whole graph, one table, one column) and of
/lineage/impact through the served API.

BENCH_LINEAGE_TABLES (default 500), BENCH_LINEAGE_QUESTIONS (default 10000), BENCH_LINEAGE_CALLS (default 40).
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from dagster import materialize
from sqlalchemy import insert

from bench.harness import fresh_platform, percentile, served_api, write_report
from hugdata.api.runtime import build_runtime
from hugdata.catalog.store import latest_semantic_model
from hugdata.config import get_settings
from hugdata.lineage.store import catch_up
from hugdata.platform.instance import open_instance
from hugdata.query.log import QueryLogEntry
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect, Tier
from hugdata.tenants.registry import register_project

TABLES = int(os.environ.get("BENCH_LINEAGE_TABLES", "500"))
QUESTIONS = int(os.environ.get("BENCH_LINEAGE_QUESTIONS", "10000"))
CALLS = int(os.environ.get("BENCH_LINEAGE_CALLS", "40"))
PROJECT = "lineage-bench"


def _wide_source(path: Path) -> None:
    """TABLES tables of 8 columns, each with a key to the table before it."""
    with sqlite3.connect(path) as db:
        for t in range(TABLES):
            parent = f", t{t - 1}_id INTEGER REFERENCES t{t - 1}(id)" if t else ""
            db.execute(
                f"CREATE TABLE t{t} (id INTEGER PRIMARY KEY, name TEXT, status TEXT, amount NUMERIC, "
                f"created_at TIMESTAMP, region TEXT{parent})"
            )


def _logged_sql(rng: random.Random) -> str:
    t = rng.randrange(1, TABLES)
    shapes = [
        f"SELECT status, SUM(amount) AS total FROM t{t} GROUP BY status ORDER BY total DESC",
        f"SELECT a.name, COUNT(*) FROM t{t} a JOIN t{t - 1} b ON b.id = a.t{t - 1}_id WHERE b.region = 'EU' "
        "GROUP BY a.name",
        f"WITH recent AS (SELECT * FROM t{t} WHERE created_at > '2025-01-01') SELECT region, AVG(amount) "
        "FROM recent GROUP BY region",
        f"SELECT name FROM t{t} WHERE id IN (SELECT t{t - 1}_id FROM t{t} WHERE amount > 10)",
        f"SELECT COUNT(*) FROM t{t}",
    ]
    return rng.choice(shapes)


def _latencies(http: httpx.Client, path: str, headers: dict[str, str]) -> dict[str, float]:
    took = []
    for _ in range(CALLS):
        started = time.perf_counter()
        response = http.get(path, headers=headers)
        took.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return {"p50_ms": round(statistics.median(took), 1), "p95_ms": round(percentile(took, 95), 1),
            "bytes": len(response.content)}  # fmt: skip


def main() -> None:
    with fresh_platform() as bench, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(bench.env)
        get_settings.cache_clear()
        from hugdata.platform.definitions import defs  # after the settings point at this platform

        runtime = build_runtime(get_settings())
        source = Path(tmp) / "wide.sqlite"
        _wide_source(source)
        with runtime.sessions() as session:
            register_project(session, partitions=runtime.partitions, vault=runtime.vault, project_id=PROJECT,
                             name=PROJECT, tier=Tier.standard, webhook_url=None,
                             data_source=DataSourceSpec(dialect=Dialect.sqlite, path=str(source)))  # fmt: skip
        started = time.perf_counter()
        assets = [defs.get_assets_def(k) for k in ("database_schema", "semantic_model", "schema_vector_index")]
        instance = open_instance(get_settings().resolved_dagster_home)
        try:
            assert materialize(assets, partition_key=PROJECT, instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
        finally:
            instance.dispose()
        catalog_s = time.perf_counter() - started
        rng = random.Random(7)
        with runtime.sessions() as session:
            session.execute(
                insert(QueryLogEntry),
                [{"project_id": PROJECT, "question": f"question {i}", "sql": _logged_sql(rng), "valid": True,
                  "executed": True, "rows": 1, "latency_ms": 10, "tokens": 0, "tries": 1} for i in range(QUESTIONS)],
            )  # fmt: skip
            session.commit()
            version, model = latest_semantic_model(session, PROJECT)  # type: ignore[misc]
            started = time.perf_counter()
            parsed = catch_up(session, project_id=PROJECT, dialect=Dialect.sqlite, model=model,
                              schema_version=version, limit=QUESTIONS)  # fmt: skip
            session.commit()
            extraction_s = time.perf_counter() - started
        table, column = f"main.t{TABLES // 2}", f"main.t{TABLES // 2}.amount"
        with served_api(bench) as url, httpx.Client(base_url=url, timeout=120) as http:
            headers = bench.admin_headers
            http.get(f"/v1/projects/{PROJECT}/lineage", headers=headers).raise_for_status()  # warm
            report = {
                "tables": TABLES,
                "logged_questions": QUESTIONS,
                "load_average_at_start": os.getloadavg(),
                "catalog_s": round(catalog_s, 1),
                "lineage_parsed": parsed,
                "extraction_s_per_1000_queries": round(extraction_s / max(parsed, 1) * 1000, 2),
                "lineage_whole_graph": _latencies(http, f"/v1/projects/{PROJECT}/lineage", headers),
                "lineage_one_table": _latencies(http, f"/v1/projects/{PROJECT}/lineage?table={table}", headers),
                "lineage_one_column": _latencies(http, f"/v1/projects/{PROJECT}/lineage?column={column}", headers),
                "impact_one_column": _latencies(
                    http, f"/v1/projects/{PROJECT}/lineage/impact?column={column}", headers
                ),  # fmt: skip
            }
        runtime.close()
        write_report("lineage", report)
