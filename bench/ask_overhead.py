"""What an ask costs over its own SQL (issue 34): planner questions asked through the served API, each paired with its
SQL run on the same SQLite source over an open connection, in one run, on two tenants: the demo shop (6 tables) and a
generated 68-table one with 200 rows a table.

`python -m bench ask_overhead` writes .bench-results/ask_overhead.json: ask, SQL and overhead p50/p95 (targets 10 and
20 ms), the medians of the ask's own Server-Timing parts, and the machine's load. `BENCH_ASK_ROUNDS` (default 100)
rounds of every question.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from dagster import DagsterInstance, materialize

from bench.catalog import build_wide_source
from bench.harness import fresh_platform, percentile, served_api, write_report
from hugdata.config import get_settings
from hugdata.demo.ask_set import ASK_SET
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance

CATALOG = ("database_schema", "semantic_model", "schema_vector_index")
ROUNDS = int(os.environ.get("BENCH_ASK_ROUNDS", "100"))
QUESTIONS = 10
TARGET_P50_MS, TARGET_P95_MS = 10.0, 20.0


def _sql_ms(db: sqlite3.Connection, sql: str) -> float:
    started = time.perf_counter()
    db.execute(sql).fetchall()
    return (time.perf_counter() - started) * 1000


def _timing(header: str) -> dict[str, float]:
    return {name: float(ms) for name, ms in (part.split(";dur=") for part in header.split(", ") if ";dur=" in part)}


def _wide_questions(path: Path) -> list[str]:
    """Questions over the generated wide tenant, a different table for each, rotating through four shapes."""
    with sqlite3.connect(path) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
        measures = {
            t: [c[1] for c in db.execute(f'PRAGMA table_info("{t}")') if c[2].startswith("NUMERIC")] for t in tables
        }
    shapes = (
        lambda t, m: f"How many {t} are there?",
        lambda t, m: f"How many {t} per status?",
        lambda t, m: f"What is the total {m} of {t}?",
        lambda t, m: f"Average {m} of {t} per status",
    )
    # From the far end of the schema too: the later tables are the ones a long model makes the planner look through.
    picked = tables[::3]
    return [shapes[i % len(shapes)](t.replace("_", " "), measures[t][0]) for i, t in enumerate(picked)]


def _catalogued(http: httpx.Client, instance: DagsterInstance, project_id: str, path: Path) -> None:
    body = {"id": project_id, "name": project_id, "data_source": {"dialect": "sqlite", "path": str(path)}}
    assert http.post("/v1/projects", json=body).status_code == 201
    assets = [defs.get_assets_def(k) for k in CATALOG]
    result = materialize(assets, partition_key=project_id, instance=instance, resources=defs.resources)  # type: ignore[arg-type]
    assert result.success


def _measure(http: httpx.Client, project_id: str, path: Path, questions: list[str]) -> dict[str, object]:
    """Every answered question (up to QUESTIONS) asked ROUNDS times, each paired with its SQL on the source."""
    ask_url = f"/v1/projects/{project_id}/ask"
    answered: list[tuple[str, str]] = []
    for question in questions:
        response = http.post(ask_url, json={"question": question, "fresh": True})
        if response.status_code == 200:
            answered.append((question, response.json()["sql"]))
        if len(answered) == QUESTIONS:
            break
    asks, sqls, overheads = [], [], []
    parts: dict[str, list[float]] = {}
    with sqlite3.connect(path) as db:
        for _ in range(ROUNDS):
            for question, sql in answered:
                started = time.perf_counter()
                response = http.post(ask_url, json={"question": question, "fresh": True})
                ask_ms = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.text
                sql_ms = _sql_ms(db, sql)
                asks.append(ask_ms)
                sqls.append(sql_ms)
                overheads.append(ask_ms - sql_ms)
                for name, ms in _timing(response.headers.get("server-timing", "")).items():
                    parts.setdefault(name, []).append(ms)

    def summary(samples: list[float]) -> dict[str, float]:
        return {"p50": round(statistics.median(samples), 2), "p95": round(percentile(samples, 95), 2)}

    overhead = summary(overheads)
    return {
        "questions": len(answered),
        "ask_ms": summary(asks),
        "sql_ms": summary(sqls),
        "overhead_ms": overhead,
        "ask_over_sql_p50_ratio": round(statistics.median(asks) / max(statistics.median(sqls), 1e-6), 1),
        "server_timing_p50_ms": {name: round(statistics.median(v), 2) for name, v in parts.items()},
        "met": overhead["p50"] <= TARGET_P50_MS and overhead["p95"] <= TARGET_P95_MS,
    }


def main() -> None:
    shop = DEMO_TENANTS[0]
    load_before = os.getloadavg()
    report: dict[str, object] = {}
    with fresh_platform() as bench, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(bench.env)
        get_settings.cache_clear()
        instance = open_instance(bench.settings.resolved_dagster_home)
        shop_path = build_demo_database(shop, Path(tmp))
        wide_path = Path(tmp) / "wide.sqlite"
        build_wide_source(wide_path, tables=68, rows=200)
        with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=60) as http:
            _catalogued(http, instance, shop.project_id, shop_path)
            _catalogued(http, instance, "wide-68", wide_path)
            shop_questions = [i.question for i in ASK_SET if i.project_id == shop.project_id]
            report["demo_shop"] = _measure(http, shop.project_id, shop_path, shop_questions)
            report["wide_68_tables"] = _measure(http, "wide-68", wide_path, _wide_questions(wide_path))
        instance.dispose()
    write_report(
        "ask_overhead",
        {
            **report,
            "rounds": ROUNDS,
            "target_ms": {"p50": TARGET_P50_MS, "p95": TARGET_P95_MS},
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
    )
