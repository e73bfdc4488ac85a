"""How long a new tenant waits (issue 34): registration through the API until its first ask is answered, against
Dagster materializing the same three catalog assets in a fresh process, measured in one run for a 6-table tenant
(the demo shop) and a generated 68-table one (each tenant, anchors too, with table names of its own).

`python -m bench onboarding_latency` writes .bench-results/onboarding_latency.json: per shape, the seconds to
answerable (`BENCH_ONBOARD_REPEATS`, default 3, tenants each; median), the in-process anchor, their ratio (target
<= 1.2 for the wide shape, <= 3 s for the small one) and the machine's load.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from dagster import DagsterInstance

from bench.catalog import build_wide_source
from bench.harness import fresh_platform, served_api, write_report
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.devstack import kill_group, start_code_server, write_workspace
from hugdata.platform.instance import open_instance

REPEATS = int(os.environ.get("BENCH_ONBOARD_REPEATS", "3"))
QUESTION = "How many rows are there?"
# Run in a fresh process: what Dagster itself takes to materialize the catalog of a registered project.
ANCHOR = """
import sys, time
from dagster import materialize
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
instance = open_instance(sys.argv[2])
assets = [defs.get_assets_def(k) for k in ("database_schema", "semantic_model", "schema_vector_index")]
started = time.perf_counter()
assert materialize(assets, partition_key=sys.argv[1], instance=instance, resources=defs.resources).success
print(time.perf_counter() - started)
"""


def _own_copy(source: Path, folder: Path, name: str) -> Path:
    """``source`` copied with every table renamed ``<name>_<table>``. The search index copies the vector of a text any
    project has embedded before, so without this the timed tenants would reuse the anchor's vectors and skip the work
    the anchor did; a new tenant's schema is its own."""
    path = folder / f"{name}.sqlite"
    shutil.copyfile(source, path)
    with sqlite3.connect(path) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:  # SQLite rewrites the references and views that name a renamed table
            db.execute(f'ALTER TABLE "{table}" RENAME TO "{name}_{table}"')
    return path


def _register(http: httpx.Client, project_id: str, path: Path) -> None:
    body = {"id": project_id, "name": project_id, "data_source": {"dialect": "sqlite", "path": str(path)}}
    response = http.post("/v1/projects", json=body)
    assert response.status_code == 201, response.text


def _answerable(http: httpx.Client, project_id: str, timeout_s: float = 300) -> float:
    """Seconds from now until the project's whole catalog is there: its vector index is materialized, an ask is
    answered (not declined for a missing model) and search finds documents. The waiting polls the cheap asset
    status, not ask and search themselves, whose embedding would take the CPU the run is measured on."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        states = http.get(f"/v1/projects/{project_id}/assets").json()
        if any(s["asset"] == "schema_vector_index" and s["status"] == "materialized" for s in states):
            asked = http.post(f"/v1/projects/{project_id}/ask", json={"question": QUESTION, "execute": False})
            search = http.post(f"/v1/projects/{project_id}/search", json={"query": QUESTION, "k": 1})
            # 422: declined by the planner, but the catalog is there.
            if asked.status_code in (200, 422) and search.status_code == 200 and search.json()["results"]:
                return time.perf_counter() - started
        time.sleep(0.1)
    raise RuntimeError(f"{project_id} was not answerable within {timeout_s:.0f} s")


def _timeline(instance: DagsterInstance, project_id: str, registered: float) -> dict[str, float]:
    """Seconds from registration to each event of the run that catalogued ``project_id``: where a tenant waits."""
    offset = time.time() - time.perf_counter()  # event timestamps are wall-clock seconds
    run = next(
        r
        for r in instance.get_runs()
        if project_id in str(r.tags.get("dagster/partition", ""))
        or project_id in str(r.tags.get("dagster/asset_partition_range_start", ""))
        or project_id in str(r.tags.get("dagster/asset_partition_range_end", ""))
    )
    record = instance.get_run_record_by_id(run.run_id)
    moments = {"run_created": record.create_timestamp.timestamp()} if record is not None else {}
    for entry in instance.all_logs(run.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        name = event.event_type_value.lower() + (f":{event.step_key}" if event.step_key else "")
        if name.startswith(("run_", "step_start", "step_success", "pipeline_")):
            moments.setdefault(name, entry.timestamp)
    return {name: round(at - offset - registered, 2) for name, at in moments.items()}


def _settled(instance: DagsterInstance, runs: int, timeout_s: float = 180) -> None:
    """Until the instance holds at least ``runs`` runs and every one of them has finished."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = instance.get_runs()
        if len(found) >= runs and all(r.is_finished for r in found):
            return
        time.sleep(0.5)
    raise RuntimeError(f"the anchors' onboarding runs did not finish within {timeout_s:.0f} s")


def main() -> None:
    load_before = os.getloadavg()
    with fresh_platform() as bench, tempfile.TemporaryDirectory() as tmp:
        sources = {"small_6_tables": build_demo_database(DEMO_TENANTS[0], Path(tmp))}
        wide = Path(tmp) / "wide.sqlite"
        build_wide_source(wide, tables=68)
        sources["wide_68_tables"] = wide
        home = bench.settings.resolved_dagster_home
        env = {**os.environ, **bench.env, "DAGSTER_HOME": str(home), "HUGDATA_SCHEDULES_ENABLED": "false"}
        report: dict[str, object] = {}
        with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=60) as http:
            anchors = {}
            for shape, path in sources.items():
                # Registered before the daemon runs: nothing but the anchor materializes it.
                _register(http, f"anchor-{shape.split('_')[0]}", _own_copy(path, Path(tmp), f"anchor_{shape}"))
                done = subprocess.run(
                    [sys.executable, "-c", ANCHOR, f"anchor-{shape.split('_')[0]}", str(home)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                anchors[shape] = float(done.stdout.strip().splitlines()[-1])
            instance = open_instance(home)
            code_server, port = start_code_server(env, subprocess.DEVNULL)
            workspace = write_workspace(home, port)
            daemon = subprocess.Popen(
                [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(workspace)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                time.sleep(5)  # the daemon loads the code location
                # Its sensor sees the anchors' partitions too: their runs end before anything is timed.
                _settled(instance, runs=len(anchors) + 1)  # one onboarding batch for both, or one run each
                for shape, path in sources.items():
                    waits = []
                    for i in range(REPEATS):
                        project_id = f"{shape.split('_')[0]}-{i}"
                        started = time.perf_counter()
                        _register(http, project_id, _own_copy(path, Path(tmp), project_id.replace("-", "_")))
                        registered = time.perf_counter() - started
                        waits.append(registered + _answerable(http, project_id))
                    median = statistics.median(waits)
                    timeline = _timeline(instance, project_id, started)
                    report[shape] = {
                        "register_to_answerable_s": [round(w, 2) for w in waits],
                        "median_s": round(median, 2),
                        "in_process_materialize_s": round(anchors[shape], 2),
                        "ratio": round(median / anchors[shape], 2),
                        "last_tenant_timeline_s": timeline,
                    }
            finally:
                kill_group(daemon.pid)
                kill_group(code_server.pid)
                instance.dispose()
    write_report(
        "onboarding_latency",
        {
            **report,
            "targets": {"wide_ratio_at_most": 1.2, "small_seconds_at_most": 3.0},
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
    )
