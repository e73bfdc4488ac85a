"""P3 (issue 4): onboarding tenants end to end through the real daemon: registration -> sensor -> run -> indexed.

Reports wall time, runs per minute, Dagster's per-run start-up, and an extrapolation to 1,000 tenants
(target < 10 min). BENCH_ONBOARD_TENANTS sets how many (the issue asks for 200).
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
from dagster import DagsterRunStatus, RunsFilter

from bench.harness import fresh_platform, psycopg_dsn, served_api, write_report
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.devstack import kill_group, start_code_server, write_workspace
from hugdata.platform.batches import BATCH_TAG
from hugdata.platform.instance import open_instance

TENANTS = int(os.environ.get("BENCH_ONBOARD_TENANTS", "200"))


def main() -> None:
    with fresh_platform() as bench, tempfile.TemporaryDirectory() as tmp:
        source = build_demo_database(DEMO_TENANTS[0], Path(tmp))
        home = bench.settings.resolved_dagster_home
        env = {**os.environ, **bench.env, "DAGSTER_HOME": str(home), "HUGDATA_SCHEDULES_ENABLED": "false"}
        code_server, code_server_port = start_code_server(env, subprocess.DEVNULL)
        workspace = write_workspace(home, code_server_port)
        bin_dir = Path(sys.executable).parent
        daemon = subprocess.Popen(
            [str(bin_dir / "dagster-daemon"), "run", "-w", str(workspace)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        webserver = subprocess.Popen(
            [str(bin_dir / "dagster-webserver"), "-p", "0", "-w", str(workspace)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        instance = open_instance(home)
        try:
            time.sleep(8)  # the daemon loads the code location before its first sensor tick
            with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=30) as http:
                started = time.perf_counter()
                for i in range(TENANTS):
                    body = {
                        "id": f"onboard-{i:04d}",
                        "name": f"Tenant {i}",
                        "data_source": {"dialect": "sqlite", "path": str(source)},
                    }
                    assert http.post("/v1/projects", json=body).status_code == 201
                registered_s = time.perf_counter() - started
                deadline = time.monotonic() + 3600
                # Done when every project's last step has an outcome (batches make runs fewer than projects).
                with psycopg.connect(psycopg_dsn(bench.env["HUGDATA_DATABASE_URL"]), autocommit=True) as db:
                    while time.monotonic() < deadline:
                        outcome = dict(
                            db.execute(
                                "SELECT status, count(*) FROM asset_states WHERE asset = 'schema_vector_index' "
                                "GROUP BY status"
                            ).fetchall()
                        )
                        done, failed = outcome.get("materialized", 0), outcome.get("failed", 0)
                        if done + failed >= TENANTS:
                            break
                        time.sleep(1)
                wall = time.perf_counter() - started
            runs = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE]))
            batch_runs = sum(1 for run in runs if BATCH_TAG in run.tags)
            startup, duration = [], []
            for run in runs:
                stats = instance.get_run_stats(run.run_id)
                record = instance.get_run_record_by_id(run.run_id)
                if stats.start_time and stats.end_time and record and record.create_timestamp:
                    startup.append(stats.start_time - record.create_timestamp.timestamp())
                    duration.append(stats.end_time - stats.start_time)
        finally:
            for proc in (daemon, webserver, code_server):
                os.killpg(proc.pid, signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(60)
                kill_group(proc.pid)
            instance.dispose()
    write_report(
        "onboarding",
        {
            "tenants": TENANTS,
            "projects_materialized": done,
            "projects_failed": failed,
            "runs": len(runs),
            "batch_runs": batch_runs,
            "share_embeddings": os.environ.get("HUGDATA_SHARE_EMBEDDINGS", "true"),
            "onboarding_batch_size": int(os.environ.get("HUGDATA_ONBOARDING_BATCH_SIZE", "50")),
            "registration_s": round(registered_s, 1),
            "wall_s": round(wall, 1),
            "projects_per_min": round(TENANTS / wall * 60, 1),
            "run_created_to_started_median_s": round(statistics.median(startup), 2) if startup else None,
            "run_started_to_ended_median_s": round(statistics.median(duration), 2) if duration else None,
            "extrapolated_1000_tenants_min": round(wall * 1000 / TENANTS / 60, 1),
            "target": {"1000_tenants_min_below": 10},
        },
    )
