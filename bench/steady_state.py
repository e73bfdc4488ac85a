"""Issue 16: one full night at N tenants through the real daemon, and what storage does over several nights.

Tenants are small SQLite sources registered through the registry; the onboarding sensor gives each its first
catalog (reported apart). Then, as one night: 1% of the sources change their schema and 5% disappear; a full
round of the schema-change sensor runs in-process (probes/s); every one of the 36 nightly slots is evaluated back
to back and its batch runs submitted; the hourly analytics refresh for the 10% that asked questions too. Runs
launch through the daemon's queue; webhooks go through the API's dispatcher to a local receiver.

Reports wall time, runs created (batches vs single-project retries), launches/s, per-project cost, webhook lag
(status change -> receipt) p50/p95/max, lost and duplicated events, the Dagster database's size after night 1 and
after the last night with retention (window scaled to one night: after every night, the first included, the runs
from before it are purged, keeping each partition's latest materialization), and daemon / code-server / run-worker
CPU seconds.

BENCH_TENANTS (default 10000), BENCH_NIGHTS (default 7), BENCH_BATCH_SIZE (default: the setting's 50).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import psycopg
from dagster import DagsterRunStatus, RunsFilter, build_schedule_context, build_sensor_context
from dagster_graphql import DagsterGraphQLClient
from psycopg.conninfo import make_conninfo

from bench.harness import fresh_platform, percentile, psycopg_dsn, served_api, write_report
from hugdata.api.dagster_runs import CODE_LOCATION
from hugdata.api.runtime import build_runtime
from hugdata.config import get_settings
from hugdata.devstack import kill_group, start_code_server, write_workspace
from hugdata.platform.instance import PARTITION_TAG, open_instance
from hugdata.platform.resources import PlatformDatabaseResource, TenantDatabaseResource
from hugdata.platform.retention import purge_old_runs
from hugdata.platform.schedules import NIGHTLY_SLOTS, build_hourly_analytics_refresh, build_nightly_schema_sync
from hugdata.platform.schema_probes import schema_change_sensor
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect, Tier
from hugdata.tenants.registry import register_project

TENANTS = int(os.environ.get("BENCH_TENANTS", "10000"))
NIGHTS = int(os.environ.get("BENCH_NIGHTS", "7"))
CHANGED, FAILING, ASKING = 0.01, 0.05, 0.10
UNFINISHED = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


class Receiver:
    """A local webhook receiver that records when each event arrived."""

    def __init__(self) -> None:
        self.received: list[tuple[float, dict[str, Any]]] = []
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    outer.received.append((time.time(), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _tiny_source(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);"
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),"
            " total NUMERIC, created_at TIMESTAMP);"
            + "".join(f"INSERT INTO customers VALUES ({i}, 'c{i}', 'NL');" for i in range(20))
            + "".join(f"INSERT INTO orders VALUES ({i}, {i % 20}, {i * 3.5}, '2026-01-01');" for i in range(40))
        )


def _tree_cpu(proc: psutil.Process) -> float:
    """CPU seconds of a process and of everything it started, alive or reaped (run workers come and go, so a
    night's figure is the difference of these totals)."""
    own = proc.cpu_times()
    total = own.user + own.system + own.children_user + own.children_system
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


def _cpu(daemon: psutil.Process, code_server: psutil.Process) -> dict[str, float]:
    """CPU seconds of the daemon and of the standing code server with the run workers it forked."""
    return {"daemon": _tree_cpu(daemon), "code_servers_and_run_workers": _tree_cpu(code_server)}


def _wait_idle(instance: Any, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while instance.get_runs_count(RunsFilter(statuses=UNFINISHED)) and time.monotonic() < deadline:
        time.sleep(2)


def _wait_night_done(instance: Any, failing: list[str], since: datetime, deadline_s: float) -> None:
    """Until every run has finished and every failing project has had its single-project re-run: the failure sensor
    requests those after its batch ends, so an idle moment between the two is not the night's end."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        _wait_idle(instance, deadline - time.monotonic())
        runs = instance.get_run_records(RunsFilter(created_after=since))
        rerun = {r.dagster_run.tags.get(PARTITION_TAG) for r in runs if not r.dagster_run.job_name.endswith("_batch")}
        if set(failing) <= rerun and not instance.get_runs_count(RunsFilter(statuses=UNFINISHED)):
            return
        time.sleep(5)


def _timeline(start: datetime, submitted_at: datetime, batches: list[Any], retries: list[Any]) -> dict[str, Any]:
    """Seconds from the night's start to its milestones: where the wall time goes besides CPU."""

    def at(timestamps: list[float], pick: Any) -> float | None:
        return round(pick(timestamps) - start.timestamp(), 1) if timestamps else None

    return {
        "all_submitted": round((submitted_at - start).total_seconds(), 1),
        "last_batch_ended": at([r.end_time for r in batches if r.end_time], max),
        "first_rerun_created": at([r.create_timestamp.timestamp() for r in retries], min),
        "last_rerun_created": at([r.create_timestamp.timestamp() for r in retries], max),
        "last_rerun_ended": at([r.end_time for r in retries if r.end_time], max),
    }


def _dagster_bytes(dsn: str) -> int:
    with psycopg.connect(dsn) as db:
        return int(db.execute("SELECT pg_database_size('dagster')").fetchone()[0])


def _run_seconds(batches: list[Any], retries: list[Any]) -> dict[str, float | None]:
    """Median queue wait (created -> started) and run time (started -> ended) of batches and of single-project runs:
    where a night's wall time goes."""

    def median(values: list[float]) -> float | None:
        return round(statistics.median(values), 1) if values else None

    out: dict[str, float | None] = {}
    for kind, records in (("batch", batches), ("single_project", retries)):
        done = [r for r in records if r.start_time and r.end_time]
        out[f"{kind}_queued"] = median([r.start_time - r.create_timestamp.timestamp() for r in done])
        out[f"{kind}_running"] = median([r.end_time - r.start_time for r in done])
    return out


def _retention(instance: Any, dsn: str, night_started: datetime) -> dict[str, Any]:
    """The retention job and tick retention with their windows scaled to one night, then the database's size once
    the space of deleted rows is reusable (VACUUM here does what autovacuum does over a day)."""
    purged = purge_old_runs(instance, older_than=night_started)
    # Tick retention scaled the same way: the daemon purges sensor and schedule ticks after their retention days, and
    # a compressed night would otherwise keep a day's worth of ticks from minutes of wall time.
    for state in instance.all_instigator_state():
        instance.purge_ticks(state.instigator_origin_id, state.selector_id, before=night_started.timestamp())
    with psycopg.connect(make_conninfo(dsn, dbname="dagster"), autocommit=True) as db:
        db.execute("VACUUM")
        largest = db.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC LIMIT 6"
        ).fetchall()
    return {
        "runs_deleted": purged.deleted,
        "dagster_bytes": _dagster_bytes(dsn),
        "largest_tables": {name: int(size) for name, size in largest},
    }


def _submit(client: DagsterGraphQLClient, requests: list[Any], job: str) -> int:
    for request in requests:
        client.submit_job_execution(request.job_name or job, repository_location_name=CODE_LOCATION, tags=request.tags)
    return len(requests)


def _night(moment: datetime, client: DagsterGraphQLClient, resources: dict[str, Any]) -> int:
    """Submit every nightly slot's batches back to back, then the hourly refresh; returns the runs submitted."""
    nightly, hourly = build_nightly_schema_sync(), build_hourly_analytics_refresh()
    submitted = 0
    for slot in range(NIGHTLY_SLOTS):
        at = moment + timedelta(minutes=10 * slot)
        with build_schedule_context(scheduled_execution_time=at, resources=resources) as context:
            submitted += _submit(client, list(nightly.evaluate_tick(context).run_requests or []), nightly.job_name)
    with build_schedule_context(
        scheduled_execution_time=moment + timedelta(hours=6, minutes=15), resources=resources
    ) as context:
        submitted += _submit(client, list(hourly.evaluate_tick(context).run_requests or []), hourly.job_name)
    return submitted


def _probe_round(instance: Any, resources: dict[str, Any], client: DagsterGraphQLClient) -> dict[str, float]:
    """The schema-change sensor's ticks until it has gone round every tenant once; its runs are submitted."""
    started, cursor, probed, runs = time.perf_counter(), None, 0, 0
    while True:
        with build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
            result = schema_change_sensor(context)
        runs += _submit(client, list(result.run_requests), "schema_sync_batch")
        if not result.cursor:
            break
        probed += 1
        cursor = result.cursor
    elapsed = time.perf_counter() - started
    return {"seconds": round(elapsed, 1), "ticks": probed, "runs": runs}


def main() -> None:  # noqa: PLR0915 (one scenario, read top to bottom)
    with fresh_platform() as bench, tempfile.TemporaryDirectory() as tmp:
        receiver = Receiver()
        env = {**bench.env, "HUGDATA_WEBHOOK_SECRET": "bench-secret", "HUGDATA_SCHEDULES_ENABLED": "false"}
        if os.environ.get("BENCH_BATCH_SIZE"):
            env["HUGDATA_AUTOMATION_BATCH_SIZE"] = os.environ["BENCH_BATCH_SIZE"]
        os.environ.update(env)
        get_settings.cache_clear()
        settings = get_settings()
        home = settings.resolved_dagster_home
        runtime = build_runtime(settings)
        template = Path(tmp) / "template.sqlite"
        _tiny_source(template)
        ids = [f"t{i:06d}" for i in range(TENANTS)]
        paths = {p: Path(tmp) / f"{p}.sqlite" for p in ids}
        for project_id in ids:
            shutil.copy(template, paths[project_id])
        registered = time.perf_counter()
        with runtime.sessions() as session:
            for project_id in ids:
                register_project(
                    session,
                    partitions=runtime.partitions,
                    vault=runtime.vault,
                    project_id=project_id,
                    name=project_id,
                    tier=Tier.standard,
                    webhook_url=receiver.url,
                    data_source=DataSourceSpec(dialect=Dialect.sqlite, path=str(paths[project_id])),
                )
        registered = time.perf_counter() - registered

        proc_env = {**os.environ, "DAGSTER_HOME": str(home)}
        code_server, code_server_port = start_code_server(proc_env, subprocess.DEVNULL)
        workspace = write_workspace(home, code_server_port)
        bin_dir = Path(sys.executable).parent
        daemon = subprocess.Popen(
            [str(bin_dir / "dagster-daemon"), "run", "-w", str(workspace)],
            env=proc_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        webserver = subprocess.Popen(
            [str(bin_dir / "dagster-webserver"), "-p", str(port), "-w", str(workspace)],
            env=proc_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        instance = open_instance(home)
        resources = {"platform_db": PlatformDatabaseResource(), "tenant_db": TenantDatabaseResource()}
        dsn = psycopg_dsn(env["HUGDATA_DATABASE_URL"])
        try:
            with served_api(bench) as _url:
                onboard_started = time.perf_counter()
                with psycopg.connect(dsn, autocommit=True) as db:  # every project's first catalog has an outcome
                    while (
                        db.execute("SELECT count(*) FROM asset_states WHERE asset = 'schema_vector_index'").fetchone()[
                            0
                        ]
                        < TENANTS
                    ):
                        time.sleep(2)
                _wait_idle(instance, 6 * 3600)
                onboarding_s = time.perf_counter() - onboard_started
                client = DagsterGraphQLClient("127.0.0.1", port_number=port)
                baseline = _probe_round(instance, resources, client)  # first fingerprints; no runs

                changed, failing = ids[: int(TENANTS * CHANGED)], ids[-int(TENANTS * FAILING) :]
                for project_id in changed:
                    with sqlite3.connect(paths[project_id]) as db:
                        db.execute("ALTER TABLE orders ADD COLUMN shipped_at TIMESTAMP")
                for project_id in failing:
                    paths[project_id].unlink()
                asking = ids[:: int(1 / ASKING)]
                with psycopg.connect(dsn, autocommit=True) as db:
                    db.execute("DELETE FROM webhook_outbox")
                    for project_id in asking:
                        db.execute(
                            "INSERT INTO query_log (project_id, question, sql, valid, executed, rows, latency_ms,"
                            " tokens, tries, created_at) VALUES (%s, 'how many orders?', 'SELECT COUNT(*) FROM"
                            " orders', true, true, 1, 12, 0, 1, %s)",
                            (project_id, datetime(2026, 12, 2, 5, 30, tzinfo=UTC)),
                        )
                receiver.received.clear()
                night_started_at = datetime.now(UTC)
                cpu_before = _cpu(psutil.Process(daemon.pid), psutil.Process(code_server.pid))
                started = time.perf_counter()
                detection = _probe_round(instance, resources, client)
                submitted = detection["runs"] + _night(datetime(2026, 12, 2, tzinfo=UTC), client, resources)
                submitted_at = datetime.now(UTC)
                _wait_night_done(instance, failing, night_started_at, 3 * 3600)
                wall = time.perf_counter() - started
                cpu_after = _cpu(psutil.Process(daemon.pid), psutil.Process(code_server.pid))
                drained = time.monotonic() + 300
                with psycopg.connect(dsn, autocommit=True) as db:
                    while (
                        time.monotonic() < drained
                        and db.execute("SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NULL").fetchone()[0]
                    ):
                        time.sleep(1)
                    outbox = {row[0] for row in db.execute("SELECT event_id FROM webhook_outbox")}
                    states = dict(
                        db.execute(
                            "SELECT project_id, status || ':' || coalesce(failure_cause, '') FROM asset_states"
                            " WHERE asset = 'schema_vector_index'"
                        ).fetchall()
                    )
                runs = instance.get_run_records(RunsFilter(created_after=night_started_at))
                batches = [r for r in runs if r.dagster_run.job_name.endswith("_batch")]
                retries = [r for r in runs if not r.dagster_run.job_name.endswith("_batch")]
                starts = sorted(r.start_time for r in runs if r.start_time)
                received_ids = [payload["event_id"] for _, payload in receiver.received]
                lags = [at - payload["occurred_at"] for at, payload in receiver.received if payload.get("occurred_at")]
                failing_reported = sum(states.get(p, "").startswith("failed:") and p in states[p] for p in failing)
                synced = sum(states.get(p, "").startswith("materialized") for p in ids if p not in failing)
                # Retention runs every day, the first night included: it takes the onboarding runs, whose
                # materializations the night has superseded.
                nights = [{"night": 1, "wall_s": round(wall, 1), **_retention(instance, dsn, night_started_at)}]
                size_one = nights[0]["dagster_bytes"]
                for night in range(2, NIGHTS + 1):
                    this_start, t0 = datetime.now(UTC), time.perf_counter()
                    _night(datetime(2026, 12, 1 + night, tzinfo=UTC), client, resources)
                    _wait_night_done(instance, failing, this_start, 3 * 3600)
                    night_wall = round(time.perf_counter() - t0, 1)
                    nights.append({"night": night, "wall_s": night_wall, **_retention(instance, dsn, this_start)})
        finally:
            for proc in (daemon, webserver, code_server):
                proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(30)
                kill_group(proc.pid)
            instance.dispose()
            runtime.close()
        report: dict[str, object] = {
            "tenants": TENANTS,
            "batch_size": settings.automation_batch_size,
            "load_average_at_end": os.getloadavg(),
            "registration_s": round(registered, 1),
            "onboarding_s": round(onboarding_s, 1),
            "probe_round_baseline": baseline,
            "night": {
                "wall_s": round(wall, 1),
                "target_wall_s_at_10k": 1800,
                "runs_submitted": submitted,
                "runs_created": len(runs),
                "batch_runs": len(batches),
                "single_project_retries": len(retries),
                "failing_without_rerun": len(set(failing) - {r.dagster_run.tags.get(PARTITION_TAG) for r in retries}),
                "launches_per_s": round(len(starts) / max(starts[-1] - starts[0], 1e-3), 2) if starts else None,
                "per_project_s": round(wall / TENANTS, 4),
                "run_seconds_p50": _run_seconds(batches, retries),
                "timeline_s": _timeline(night_started_at, submitted_at, batches, retries),
                "schema_change_round": {**detection, "probes_per_s": round(TENANTS / max(detection["seconds"], 1e-3))},
                "cpu_s": {k: round(cpu_after[k] - cpu_before[k], 1) for k in cpu_after},
            },
            "webhooks": {
                "outbox_events": len(outbox),
                "received": len(received_ids),
                "lost": len(outbox - set(received_ids)),
                "duplicated": len(received_ids) - len(set(received_ids)),
                "lag_s_p50": round(statistics.median(lags), 2) if lags else None,
                "lag_s_p95": round(percentile(lags, 95), 2) if lags else None,
                "lag_s_max": round(max(lags), 2) if lags else None,
            },
            "isolation": {
                "failing_sources": len(failing),
                "failing_reported_with_own_cause": failing_reported,
                "others": TENANTS - len(failing),
                "others_synced": synced,
            },
            "storage": {
                "nights": nights,
                "retention_window": "one night (scaled from HUGDATA_RUN_RETENTION_DAYS)",
                "last_over_first": round(nights[-1]["dagster_bytes"] / size_one, 3),
            },
        }
        write_report("steady_state", report)
