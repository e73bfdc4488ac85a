"""Ask quality and latency through the API. Demo tenants: execution accuracy of the configured answerer (the LLM
when HUGDATA_LLM_BASE_URL is set, else the offline planner) over hugdata.demo.ask_set, ask p50/p95. Public
schemas (`bench.ask_public`): the oracle's match rate and the offline planner's precision and coverage.
`BENCH_ASK=public` or `BENCH_ASK=demo` runs one part."""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from dagster import materialize

from bench.ask_public import public_ask_report
from bench.harness import BenchPlatform, fresh_platform, percentile, served_api, write_report
from hugdata.config import get_settings
from hugdata.demo.ask_set import ASK_SET, HELD_OUT
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.query.compare import is_ordered, results_match

CATALOG = ("database_schema", "semantic_model", "schema_vector_index")


def main() -> None:
    part = os.environ.get("BENCH_ASK", "both")
    report: dict[str, object] = {}
    if part in ("both", "demo"):
        report["demo"] = _demo_report()
    if part in ("both", "public"):
        report["public"] = public_ask_report()
    write_report("ask", report)


def _demo_report() -> dict[str, object]:
    llm = os.environ.get("HUGDATA_LLM_BASE_URL")
    with fresh_platform() as bench, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(bench.env)
        get_settings.cache_clear()
        instance = open_instance(bench.settings.resolved_dagster_home)
        paths: dict[str, Path] = {}
        with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=120) as http:
            for tenant in DEMO_TENANTS:
                path = build_demo_database(tenant, Path(tmp))
                paths[tenant.project_id] = path
                body = {
                    "id": tenant.project_id,
                    "name": tenant.name,
                    "data_source": {"dialect": "sqlite", "path": str(path)},
                }
                assert http.post("/v1/projects", json=body).status_code == 201
                assets = [defs.get_assets_def(k) for k in CATALOG]
                assert materialize(
                    assets, partition_key=tenant.project_id, instance=instance, resources=defs.resources
                ).success  # type: ignore[arg-type]
            http.post("/v1/projects/demo-shop/ask", json={"question": "How many orders?"})  # warm-up
            outcomes: dict[str, list[str]] = {"correct": [], "wrong": [], "not_answered": []}
            latencies: list[float] = []
            for pair in ASK_SET + HELD_OUT:
                started = time.perf_counter()
                response = http.post(
                    f"/v1/projects/{pair.project_id}/ask", json={"question": pair.question, "max_rows": 1000}
                )
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    outcomes["not_answered"].append(pair.question)
                    continue
                with sqlite3.connect(paths[pair.project_id]) as db:
                    expected = db.execute(pair.sql).fetchall()
                right = results_match(expected, response.json()["rows"], ordered=is_ordered(pair.sql, "sqlite"))
                outcomes["correct" if right else "wrong"].append(pair.question)
            memory = _memory_latency(bench)
        instance.dispose()
    total = len(ASK_SET) + len(HELD_OUT)
    return {
        "answered_by": "llm" if llm else "offline_planner",
        "llm_base_url": llm,
        "pairs": total,
        "execution_accuracy": round(len(outcomes["correct"]) / total, 3),
        "outcomes": {k: len(v) for k, v in outcomes.items()},
        "not_correct": outcomes["wrong"] + outcomes["not_answered"],
        "ask_latency_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(percentile(latencies, 95), 1),
        },
        "answer_memory": memory,
    }


def _memory_latency(bench: BenchPlatform) -> dict[str, object]:
    """Each demo question asked twice through an API with answer memory on: the repeat's latency over loopback
    (client-side) and the server's own lookup time from its Server-Timing header (target p50 <= 5 ms)."""
    bench.env["HUGDATA_ANSWER_CACHE_TTL"] = "600"
    try:
        with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=120) as http:
            repeats, server, cached = [], [], 0
            for pair in ASK_SET + HELD_OUT:
                body = {"question": pair.question, "max_rows": 1000}
                if http.post(f"/v1/projects/{pair.project_id}/ask", json=body).status_code != 200:
                    continue
                started = time.perf_counter()
                again = http.post(f"/v1/projects/{pair.project_id}/ask", json=body)
                repeats.append((time.perf_counter() - started) * 1000)
                cached += again.json().get("cached") is True
                timing = again.headers.get("server-timing", "")
                if timing.startswith("memory;dur="):
                    server.append(float(timing.split("=", 1)[1]))
    finally:
        bench.env["HUGDATA_ANSWER_CACHE_TTL"] = "0"
    return {
        "repeats": len(repeats),
        "answered_from_memory": cached,
        "repeat_latency_ms": {"p50": round(statistics.median(repeats), 2), "p95": round(percentile(repeats, 95), 2)},
        "server_memory_lookup_ms": {
            "p50": round(statistics.median(server), 2) if server else None,
            "p95": round(percentile(server, 95), 2) if server else None,
        },
    }
