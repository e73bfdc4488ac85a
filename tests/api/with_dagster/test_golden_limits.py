"""Golden questions run under an ask's limits, in a real run: a reference query that never ends is stopped when its
run is cancelled, the run says CANCELED within seconds, its step is not run again by the retry policy, and no query
process is left burning."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from dagster import DagsterEventType
from fastapi.testclient import TestClient

from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.instance import open_instance
from tests.helpers import ADMIN_TOKEN, wait_until

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# Valid, read-only and endless: SQLite counts an unbounded recursion until something stops it.
ENDLESS = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) AS n FROM r"


def _status(api: TestClient, run_id: str) -> str:
    return str(api.get(f"/v1/runs/{run_id}", headers=ADMIN).json()["status"])


def _busy_query_processes() -> list[int]:
    """SQLite worker processes of this machine that are running (burning CPU) right now."""
    busy = []
    for proc in Path("/proc").iterdir():
        try:
            worker = b"hugdata.query.sqlite_worker" in (proc / "cmdline").read_bytes()
            if worker and (proc / "stat").read_text().split(") ", 1)[1].startswith("R"):
                busy.append(int(proc.name))
        except (OSError, IndexError):
            continue
    return busy


def test_a_cancelled_accuracy_run_stops_its_endless_golden_question_and_is_not_retried(
    dagster_api: TestClient, settings: Settings, tmp_path: Path
) -> None:
    api = dagster_api
    shop = build_demo_database(DEMO_TENANTS[0], tmp_path)
    body = {"id": "golden-stall", "name": "golden-stall", "data_source": {"dialect": "sqlite", "path": str(shop)}}
    assert api.post("/v1/projects", json=body, headers=ADMIN).status_code == 201
    wait_until(
        lambda: any(r["status"] == "SUCCESS" for r in api.get("/v1/projects/golden-stall/runs", headers=ADMIN)
                    .json()["items"]),
        what="the catalog run",
    )  # fmt: skip
    golden = {"question": "How many numbers are there?", "expected_sql": ENDLESS}
    assert api.post("/v1/projects/golden-stall/golden-questions", json=golden, headers=ADMIN).status_code == 201
    run = api.post("/v1/projects/golden-stall/materializations", json={"assets": ["model_accuracy"]}, headers=ADMIN)
    assert run.status_code == 202, run.text
    run_id = run.json()["run_id"]
    instance = open_instance(settings.resolved_dagster_home)
    try:

        def accuracy_started() -> bool:
            starts = instance.get_records_for_run(run_id, of_type=DagsterEventType.STEP_START).records
            return any(r.event_log_entry.step_key == "model_accuracy" for r in starts)

        wait_until(accuracy_started, timeout_s=180, what="the model_accuracy step to start")
        time.sleep(2)  # inside the endless reference query now
        assert _status(api, run_id) == "STARTED"
        cancelled_at = time.monotonic()
        assert api.post(f"/v1/runs/{run_id}/cancel", headers=ADMIN).status_code == 202
        try:
            wait_until(lambda: _status(api, run_id) == "CANCELED", timeout_s=60, what="the run to be cancelled")
        except BaseException:
            for record in instance.get_records_for_run(run_id).records:  # what the run did instead, for the log
                entry = record.event_log_entry
                print(entry.dagster_event_type, entry.step_key, (entry.user_message or "")[:300])
            raise
        assert time.monotonic() - cancelled_at < 20  # not the 30 s statement limit, nor minutes of a stuck step
        time.sleep(3)  # a retry would have been scheduled by now
        assert _status(api, run_id) == "CANCELED"
        for kind in (DagsterEventType.STEP_UP_FOR_RETRY, DagsterEventType.STEP_RESTARTED):
            assert instance.get_records_for_run(run_id, of_type=kind).records == []
        starts = instance.get_records_for_run(run_id, of_type=DagsterEventType.STEP_START).records
        assert [r.event_log_entry.step_key for r in starts].count("model_accuracy") == 1
    finally:
        instance.dispose()
    wait_until(lambda: not _busy_query_processes(), timeout_s=10, what="no query process left running")
