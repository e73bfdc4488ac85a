"""One noisy tenant against a quiet one, through a served API: the quiet tenant's ask, search and readiness latency
(p50/p99) alone, then while the noisy tenant keeps 40 slow asks (an LLM that takes seconds) coming; the ratio of the
two p99s is the measure (target <= 2). `BENCH_ISOLATION_ROUNDS` sets the samples per route (default 60)."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from dagster import materialize

from bench.harness import fresh_platform, percentile, served_api, write_report
from hugdata.config import get_settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from tests.llm import ScriptedLlm, scripted_llm

CATALOG = ("database_schema", "semantic_model", "schema_vector_index")
NOISY_DELAY_S = 3.0
FLOODERS = 40


def _measure(http: httpx.Client, rounds: int) -> dict[str, list[float]]:
    calls = {
        "ask": lambda: http.post("/v1/projects/quiet/ask", json={"question": "quiet question"}),
        "search": lambda: http.post("/v1/projects/quiet/search", json={"query": "orders by customer"}),
        "readyz": lambda: http.get("/readyz"),
    }
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            response = call()
            samples[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return samples


def _summary(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {
        name: {"p50_ms": round(percentile(v, 50), 2), "p99_ms": round(percentile(v, 99), 2)}
        for name, v in samples.items()
    }


def main() -> None:
    rounds = int(os.environ.get("BENCH_ISOLATION_ROUNDS", "60"))
    with fresh_platform() as bench, tempfile.TemporaryDirectory() as tmp, scripted_llm() as llm:
        ScriptedLlm.by_question = {"noisy question": "SELECT COUNT(*) FROM orders", "quiet question": "SELECT 1"}
        ScriptedLlm.delays = {"noisy question": NOISY_DELAY_S}
        bench.env.update({"HUGDATA_LLM_BASE_URL": llm, "HUGDATA_LLM_MODEL": "m", "HUGDATA_ASK_MAX_TRIES": "1"})
        os.environ.update(bench.env)
        get_settings.cache_clear()
        instance = open_instance(bench.settings.resolved_dagster_home)
        with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=60) as http:
            for project_id in ("noisy", "quiet"):
                path = build_demo_database(DEMO_TENANTS[0], Path(tmp) / project_id)
                body = {"id": project_id, "name": project_id, "data_source": {"dialect": "sqlite", "path": str(path)}}
                assert http.post("/v1/projects", json=body).status_code == 201
                assets = [defs.get_assets_def(k) for k in CATALOG]
                assert materialize(
                    assets, partition_key=project_id, instance=instance, resources=defs.resources
                ).success  # type: ignore[arg-type]
            _measure(http, 5)  # warm-up
            quiet = _measure(http, rounds)
            stop = threading.Event()
            outcomes: Counter[int] = Counter()

            def flood() -> None:
                with httpx.Client(base_url=url, headers=bench.admin_headers, timeout=60) as own:
                    while not stop.is_set():
                        answer = own.post("/v1/projects/noisy/ask", json={"question": "noisy question"})
                        outcomes[answer.status_code] += 1
                        if answer.status_code == 429:
                            stop.wait(float(answer.headers.get("Retry-After", "1")) / 4)

            flooders = [threading.Thread(target=flood, daemon=True) for _ in range(FLOODERS)]
            for thread in flooders:
                thread.start()
            time.sleep(1)
            load_during = os.getloadavg()[0]
            noisy = _measure(http, rounds)
            stop.set()
            for thread in flooders:
                thread.join(NOISY_DELAY_S + 30)
        instance.dispose()
    quiet_summary, noisy_summary = _summary(quiet), _summary(noisy)
    write_report(
        "isolation",
        {
            "rounds_per_route": rounds,
            "noisy_tenant": {"concurrent_clients": FLOODERS, "llm_delay_s": NOISY_DELAY_S, "answers": dict(outcomes)},
            "quiet_tenant_alone": quiet_summary,
            "quiet_tenant_during_flood": noisy_summary,
            "p99_ratio": {
                name: round(noisy_summary[name]["p99_ms"] / quiet_summary[name]["p99_ms"], 2) for name in quiet
            },
            "target": "p99 ratio <= 2 for ask and search; readiness unaffected",
            "load_average_1m_during_flood": round(load_during, 2),
        },
    )
