"""Issue 18: the dashboard's speed in a real Chromium, for a project with BENCH_DASHBOARD_TABLES tables (500) and
BENCH_DASHBOARD_RUNS runs (10,000) behind the real API and Dagster webserver.

- Overview and Runs: milliseconds from navigation start (the browser's performance.now()) until their data is on
  the page, over BENCH_DASHBOARD_LOADS full loads each; target 1,000 ms.
- Live events: an asset state written to the platform database, until an open Overview shows it (a
  MutationObserver's timestamp), BENCH_DASHBOARD_EVENTS times; target p95 1,000 ms.
- The first route's JavaScript, gzipped; target 300 kB.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
from dagster import DagsterRun, DagsterRunStatus, materialize

from bench.harness import dagster_webserver, fresh_platform, percentile, psycopg_dsn, served_api, write_report
from hugdata.config import get_settings
from hugdata.platform.definitions import defs
from hugdata.platform.instance import PARTITION_TAG, PROJECT_TAG, open_instance
from hugdata.webapp.build import DIST_DIR, build_dashboard

TABLES = int(os.environ.get("BENCH_DASHBOARD_TABLES", "500"))
RUNS = int(os.environ.get("BENCH_DASHBOARD_RUNS", "10000"))
LOADS = int(os.environ.get("BENCH_DASHBOARD_LOADS", "10"))
EVENTS = int(os.environ.get("BENCH_DASHBOARD_EVENTS", "20"))
PROJECT = "big-tenant"
CATALOG = ("database_schema", "semantic_model", "schema_vector_index")


def _source(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        for t in range(TABLES):
            refers = f", parent_id INTEGER REFERENCES table_{t - 1:03d}(id)" if t else ""
            db.execute(f"CREATE TABLE table_{t:03d} (id INTEGER PRIMARY KEY, name TEXT, amount NUMERIC, "
                       f"created_at TIMESTAMP{refers})")  # fmt: skip
    return path


def _runs(instance: object) -> float:
    started = time.perf_counter()
    tags = {PARTITION_TAG: PROJECT, PROJECT_TAG: PROJECT}
    for _ in range(RUNS):
        instance.add_run(  # type: ignore[attr-defined]
            DagsterRun(job_name="schema_sync", run_id=str(uuid.uuid4()), status=DagsterRunStatus.SUCCESS, tags=tags)
        )
    return time.perf_counter() - started


def _first_route_kb() -> float:
    index = (DIST_DIR / "index.html").read_text()
    names = re.findall(r'(?:src|href)="/app/assets/([^"]+\.js)"', index)
    return round(sum(len(gzip.compress((DIST_DIR / "assets" / n).read_bytes())) for n in names) / 1000, 1)


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("bench dashboard needs Chromium: apt-get install chromium")
    build_dashboard(say=lambda _: None)
    with fresh_platform() as bench, tempfile.TemporaryDirectory() as tmp, dagster_webserver(bench):
        os.environ.update(bench.env)
        get_settings.cache_clear()
        instance = open_instance(bench.settings.resolved_dagster_home)
        with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=120) as http:
            body = {"id": PROJECT, "name": "Big tenant",
                    "data_source": {"dialect": "sqlite", "path": str(_source(Path(tmp) / "big.sqlite"))}}  # fmt: skip
            assert http.post("/v1/projects", json=body).status_code == 201
            catalog_started = time.perf_counter()
            assets = [defs.get_assets_def(k) for k in CATALOG]
            assert materialize(assets, partition_key=PROJECT, instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
            catalog_s = time.perf_counter() - catalog_started
            runs_s = _runs(instance)
            tables = len(http.get(f"/v1/projects/{PROJECT}/schema").json()["snapshot"]["tables"])
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
                page.add_init_script(_FIRST_DATA)
                issued = urlsplit(http.post(f"/v1/projects/{PROJECT}/dashboard-links").json()["url"])
                page.goto(f"{url}{issued.path}?{issued.query}")  # this API listens on a port of its own
                page.wait_for_selector("tr[data-asset]")
                timings = {
                    "overview": _loads(page, f"{url}/app/projects/{PROJECT}", "tr[data-asset]"),
                    "runs": _loads(page, f"{url}/app/projects/{PROJECT}/runs", "tr[data-run]"),
                }
                lags = _event_lags(
                    page, f"{url}/app/projects/{PROJECT}", psycopg_dsn(bench.env["HUGDATA_DATABASE_URL"])
                )
                browser.close()
        instance.dispose()
    write_report(
        "dashboard",
        {
            "tables": tables,
            "runs": RUNS,
            "setup_s": {"catalog": round(catalog_s, 1), "runs": round(runs_s, 1)},
            "load_average_at_end": os.getloadavg(),
            "data_on_page_ms": {
                name: {"p50": round(statistics.median(v), 1), "max": round(max(v), 1), "loads": len(v)}
                for name, v in timings.items()
            },
            "event_to_page_ms": {
                "p50": round(statistics.median(lags), 1),
                "p95": round(percentile(lags, 95), 1),
                "max": round(max(lags), 1),
                "events": len(lags),
            },  # fmt: skip
            "first_route_js_kb_gzip": _first_route_kb(),
            "targets": {"data_on_page_ms": 1000, "event_to_page_p95_ms": 1000, "first_route_js_kb_gzip": 300},
        },
    )


# Set before the app's own scripts on every load: when each page's first row of data entered the DOM.
_FIRST_DATA = """window.__firstData = {};
new MutationObserver(() => { for (const sel of ['tr[data-asset]', 'tr[data-run]'])
  if (!(sel in window.__firstData) && document.querySelector(sel)) window.__firstData[sel] = performance.now(); })
  .observe(document, {subtree: true, childList: true});"""


def _loads(page: object, target: str, selector: str) -> list[float]:
    """Each a full load: from the browser's navigation start until the first row of data is in the DOM."""
    found = []
    for _ in range(LOADS):
        page.goto(target, wait_until="commit")  # type: ignore[attr-defined]
        page.wait_for_selector(selector, timeout=30_000)  # type: ignore[attr-defined]
        found.append(float(page.evaluate(f"window.__firstData[{selector!r}]")))  # type: ignore[attr-defined]
    return found


def _event_lags(page: object, target: str, dsn: str) -> list[float]:
    """Milliseconds from a committed asset-state change to the Overview showing it (one clock: this machine's)."""
    page.goto(target)  # type: ignore[attr-defined]
    page.wait_for_selector('tr[data-asset="semantic_model"] .status')  # type: ignore[attr-defined]
    page.wait_for_selector(".live.live")  # type: ignore[attr-defined]
    page.evaluate(  # type: ignore[attr-defined]
        """() => { window.__changes = [];
          new MutationObserver(() => { const s = document.querySelector('tr[data-asset="semantic_model"] .status');
            if (s) window.__changes.push([s.textContent, Date.now()]); })
            .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
    )
    lags = []
    with psycopg.connect(dsn, autocommit=True) as db:
        for i in range(EVENTS):
            status = "failed" if i % 2 == 0 else "materialized"
            written = time.time() * 1000
            db.execute("UPDATE asset_states SET status = %s, updated_at = now() WHERE project_id = %s AND asset = %s",
                       (status, PROJECT, "semantic_model"))  # fmt: skip
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                seen = [t for text, t in page.evaluate("window.__changes") if text == status and t >= written]  # type: ignore[attr-defined]
                if seen:
                    lags.append(seen[0] - written)
                    break
                time.sleep(0.02)
            else:
                lags.append(10_000.0)  # not shown within 10 s: counted as such, not left out
            time.sleep(0.3)
    return lags
