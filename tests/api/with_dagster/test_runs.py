"""Runs through the API against a real Dagster webserver and daemon: launch, list, read, cancel, fairness."""

import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hugdata.api.runtime import ApiRuntime
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.webhooks.outbox import WebhookEvent
from tests.api.with_dagster.conftest import DagsterStack
from tests.helpers import ADMIN_TOKEN, WEBHOOK_SECRET, wait_until
from tests.webhooks.receiver import webhook_receiver

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def api(dagster_api: TestClient) -> TestClient:
    return dagster_api


def _register(api: TestClient, project_id: str, data_source: dict, webhook_url: str | None = None) -> dict[str, str]:
    body = {
        "id": project_id,
        "name": project_id,
        "tier": "enterprise",
        "data_source": data_source,
        "webhook_url": webhook_url,
    }
    assert api.post("/v1/projects", json=body, headers=ADMIN).status_code == 201
    token = api.post(f"/v1/projects/{project_id}/keys", json={}, headers=ADMIN).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _status(api: TestClient, run_id: str) -> str:
    return str(api.get(f"/v1/runs/{run_id}", headers=ADMIN).json()["status"])


def _sqlite(tmp_path: Path, index: int = 0) -> dict:
    return {"dialect": "sqlite", "path": str(build_demo_database(DEMO_TENANTS[index], tmp_path))}


def test_new_project_runs_by_itself_and_becomes_searchable(api: TestClient, tmp_path: Path) -> None:
    with webhook_receiver(WEBHOOK_SECRET) as receiver:
        key = _register(api, "auto-shop", _sqlite(tmp_path), webhook_url=receiver.url)
        _check_first_run(api, key)
        # Laravel is told: started and succeeded, signed, with the run's project and ID.
        events = wait_until(
            lambda: {e["status"]: e for e in receiver.events} if len(receiver.events) >= 2 else None,
            what="the started and succeeded webhooks",
        )
    run_id = api.get("/v1/projects/auto-shop/runs", headers=key).json()["items"][-1]["run_id"]
    assert set(events) == {"started", "succeeded"}  # type: ignore[arg-type]
    assert all(e["project_id"] == "auto-shop" and e["run_id"] == run_id for e in events.values())  # type: ignore[union-attr]
    assert events["succeeded"]["event_id"] == f"{run_id}:succeeded"  # type: ignore[index]
    assert receiver.bad_signatures == 0
    _check_curated_words_are_searchable_after_the_refresh_a_write_starts(api, key)


def _check_curated_words_are_searchable_after_the_refresh_a_write_starts(api: TestClient, key: dict[str, str]) -> None:
    url = "/v1/projects/auto-shop/semantic-layer"
    etag = api.get(url, headers=key).json()["etag"]
    layer = {"tables": {"main.product_reviews": {"synonyms": ["testimonials"]}}}
    written = api.put(url, json=layer, headers={**key, "If-Match": etag})
    assert written.status_code == 200, written.text
    refresh = written.json()["search_refresh_run_id"]
    assert refresh is not None
    wait_until(lambda: _status(api, refresh) == "SUCCESS", what="the search refresh the write started")
    hits = api.post("/v1/projects/auto-shop/search", json={"query": "testimonials", "k": 3}, headers=key).json()
    assert hits["results"][0]["key"] == "table:main.product_reviews", hits
    # Writing the same document again changes nothing and starts nothing.
    again = api.put(url, json=layer, headers={**key, "If-Match": written.json()["etag"]})
    assert again.json()["version"] == 1 and again.json()["search_refresh_run_id"] is None


def _check_first_run(api: TestClient, key: dict[str, str]) -> None:
    runs = wait_until(
        lambda: [
            r for r in api.get("/v1/projects/auto-shop/runs", headers=key).json()["items"] if r["status"] == "SUCCESS"
        ],
        what="the onboarding run to succeed",
    )
    run = runs[0]  # type: ignore[index]
    assert run["project_id"] == "auto-shop" and run["tier"] == "enterprise" and run["job"] == "schema_sync"
    # A job's run lists what it ran, and each step with its outcome and times.
    catalog = ["database_schema", "semantic_model", "schema_vector_index"]
    assert run["assets"] == catalog and [(s["asset"], s["status"]) for s in run["steps"]] == [
        (a, "SUCCESS") for a in catalog
    ]
    assert all(s["started_at"] <= s["ended_at"] for s in run["steps"])
    hits = api.post("/v1/projects/auto-shop/search", json={"query": "customers", "k": 3}, headers=key).json()
    assert hits["results"]
    assets = api.get("/v1/projects/auto-shop/assets", headers=key).json()
    assert [a["asset"] for a in assets][:3] == ["database_schema", "semantic_model", "schema_vector_index"]
    assert all(a["status"] == "materialized" and a["last_run_id"] == run["run_id"] for a in assets[:3])
    assert {a["status"] for a in assets[3:]} == {"never"}  # the analytics assets, not run yet
    assert assets[2]["metadata"]["embedded"] > 0


def test_materialization_runs_the_selection_with_its_upstreams(api: TestClient, tmp_path: Path) -> None:
    key = _register(api, "pick-shop", _sqlite(tmp_path))
    response = api.post("/v1/projects/pick-shop/materializations", json={"assets": ["semantic_model"]}, headers=key)
    assert response.status_code == 202, response.text
    run = response.json()
    assert run["assets"] == ["database_schema", "semantic_model"]
    assert run["project_id"] == "pick-shop" and run["tier"] == "enterprise"
    wait_until(lambda: _status(api, run["run_id"]) == "SUCCESS", what="the requested run to succeed")
    assert (
        api.post("/v1/projects/pick-shop/materializations", json={"assets": ["nope"]}, headers=key).status_code == 422
    )


def test_a_project_key_never_sees_another_projects_runs(api: TestClient, tmp_path: Path) -> None:
    key_a = _register(api, "tenant-a", _sqlite(tmp_path, 0))
    key_b = _register(api, "tenant-b", _sqlite(tmp_path, 2))
    run_a = api.post("/v1/projects/tenant-a/materializations", json={}, headers=key_a).json()["run_id"]
    assert api.get(f"/v1/runs/{run_a}", headers=key_a).status_code == 200
    assert api.get(f"/v1/runs/{run_a}", headers=key_b).status_code == 404
    assert api.post(f"/v1/runs/{run_a}/cancel", headers=key_b).status_code == 404
    assert api.get("/v1/projects/tenant-a/runs", headers=key_b).status_code == 404
    own = api.get("/v1/projects/tenant-b/runs", headers=key_b).json()["items"]
    assert all(r["project_id"] == "tenant-b" for r in own)


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a tenant database that hangs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


def test_second_run_of_a_project_waits_while_another_projects_run_starts(
    api: TestClient, tmp_path: Path, black_hole: int
) -> None:
    _register(
        api,
        "slow",
        {
            "dialect": "postgresql",
            "host": "127.0.0.1",
            "port": black_hole,
            "database": "x",
            "username": "u",
            "password": "p",
        },
    )
    first = wait_until(
        lambda: [
            r
            for r in api.get("/v1/projects/slow/runs", headers=ADMIN).json()["items"]
            if r["status"] in ("STARTING", "STARTED")
        ],
        what="the slow project's first run to start",
    )
    second = api.post("/v1/projects/slow/materializations", json={}, headers=ADMIN).json()["run_id"]

    _register(api, "quick", _sqlite(tmp_path))
    quick = wait_until(
        lambda: [
            r
            for r in api.get("/v1/projects/quick/runs", headers=ADMIN).json()["items"]
            if r["status"] in ("STARTED", "SUCCESS")
        ],
        what="the other project's run to start",
    )
    assert quick
    # The other project's run went ahead; this project's second run is still held by the per-project limit.
    assert _status(api, second) == "QUEUED"
    assert _status(api, first[0]["run_id"]) in ("STARTING", "STARTED")  # type: ignore[index]

    assert [a["status"] for a in api.get("/v1/projects/slow/assets", headers=ADMIN).json()] == ["never"] * 7
    cancelled = api.post(f"/v1/runs/{second}/cancel", headers=ADMIN)
    assert cancelled.status_code == 202
    wait_until(lambda: _status(api, second) == "CANCELED", what="the queued run to be canceled")
    api.post(f"/v1/runs/{first[0]['run_id']}/cancel", headers=ADMIN)  # type: ignore[index]
    finished = api.post(f"/v1/runs/{second}/cancel", headers=ADMIN)
    assert finished.status_code == 409


def test_backfill_of_three_projects_reaches_three_of_three(api: TestClient, tmp_path: Path) -> None:
    keys = {}
    for index, project_id in enumerate(["bf-shop", "bf-billing", "bf-hr"]):
        keys[project_id] = _register(api, project_id, _sqlite(tmp_path, index))
    response = api.post("/v1/backfills", json={"project_ids": ["bf-shop", "bf-billing", "bf-hr"]}, headers=ADMIN)
    assert response.status_code == 202, response.text
    backfill = response.json()
    assert backfill["total"] == 3 and sorted(backfill["project_ids"]) == ["bf-billing", "bf-hr", "bf-shop"]
    final = wait_until(
        lambda: (lambda b: b if b["done"] == 3 else None)(
            api.get(f"/v1/backfills/{backfill['backfill_id']}", headers=ADMIN).json()
        ),
        timeout_s=240,
        what="the backfill to finish all three projects",
    )
    assert final["failed"] == 0  # type: ignore[index]
    # Each project lists its onboarding run (batched with the others or not) and its run of the backfill, each
    # readable with its key and listing the project's own steps.
    catalog = [("database_schema", "SUCCESS"), ("semantic_model", "SUCCESS"), ("schema_vector_index", "SUCCESS")]
    for project_id, key in keys.items():
        runs = api.get(f"/v1/projects/{project_id}/runs", headers=key).json()["items"]
        done = [r for r in runs if r["status"] == "SUCCESS"]
        assert len(done) >= 2, runs
        for run in done:
            read = api.get(f"/v1/runs/{run['run_id']}", headers=key).json()
            assert read["project_id"] == project_id and read["status"] == "SUCCESS"
            assert [(s["asset"], s["status"]) for s in read["steps"]] == catalog, read
    # a project key cannot read a backfill that spans other projects; its own backfills it can
    assert api.get(f"/v1/backfills/{backfill['backfill_id']}", headers=keys["bf-hr"]).status_code == 404
    own = api.post("/v1/projects/bf-hr/backfills", json={"assets": ["database_schema"]}, headers=keys["bf-hr"])
    assert own.status_code == 202 and own.json()["project_ids"] == ["bf-hr"]
    assert api.get(f"/v1/backfills/{own.json()['backfill_id']}", headers=keys["bf-hr"]).status_code == 200
    assert api.get(f"/v1/backfills/{own.json()['backfill_id']}", headers=keys["bf-shop"]).status_code == 404
    assert api.post("/v1/backfills", json={"project_ids": ["nope"]}, headers=ADMIN).status_code == 404
    assert api.post("/v1/backfills", json={}, headers=keys["bf-hr"]).status_code == 403


def test_a_daemon_killed_mid_run_loses_no_webhook_event(
    api: TestClient, dagster_stack: DagsterStack, runtime: ApiRuntime, tmp_path: Path
) -> None:
    with webhook_receiver(WEBHOOK_SECRET) as receiver:
        key = _register(api, "restart-shop", _sqlite(tmp_path), webhook_url=receiver.url)
        started = wait_until(
            lambda: [
                r
                for r in api.get("/v1/projects/restart-shop/runs", headers=key).json()["items"]
                if r["status"] == "STARTED"  # its worker runs; while STARTING the daemon is still launching it
            ],
            what="the onboarding run's worker to start",
        )
        run_id = started[0]["run_id"]  # type: ignore[index]
        # Only the daemon process dies: its code server lets the run worker finish, with nobody watching.
        dagster_stack.daemon.send_signal(signal.SIGKILL)
        dagster_stack.daemon.wait(10)
        wait_until(lambda: _status(api, run_id) == "SUCCESS", what="the run to finish while the daemon is down")
        with runtime.sessions() as session:
            pending = session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == f"{run_id}:succeeded"))
            assert pending is None  # nobody could have seen it yet

        dagster_stack.daemon = dagster_stack.start_daemon()
        # The run status sensors resume from their stored cursors and catch up with what happened meanwhile.
        events = wait_until(
            lambda: (
                {e["status"]: e for e in receiver.events if e["run_id"] == run_id}
                if {"started", "succeeded"} <= {e["status"] for e in receiver.events if e["run_id"] == run_id}
                else None
            ),
            timeout_s=120,
            what="the started and succeeded webhooks after the daemon restart",
        )
    assert events["succeeded"]["event_id"] == f"{run_id}:succeeded"  # type: ignore[index]
    assert sum(e["status"] == "succeeded" for e in receiver.events) == 1
    assert receiver.bad_signatures == 0


def test_a_run_cancelled_while_starting_is_accepted_and_stopped_once_it_has_started(
    api: TestClient, tmp_path: Path, black_hole: int
) -> None:
    # The source hangs, so a started run stays running until it is cancelled.
    source = {"dialect": "postgresql", "host": "127.0.0.1", "port": black_hole, "database": "x", "username": "u"}
    key = _register(api, "starting", source)
    run_id = wait_until(
        lambda: (api.get("/v1/projects/starting/runs", headers=key).json()["items"] or [{}])[0].get("run_id")
    )
    caught = None
    for _ in range(3):
        status = wait_until(lambda: (s := _status(api, run_id)) != "QUEUED" and s, timeout_s=120, what="a launch")  # noqa: B023
        if status == "STARTING":
            caught = api.post(f"/v1/runs/{run_id}/cancel", headers=key)
            if caught.json().get("cancel_requested"):
                break
        # Too late to catch the start: stop this run and try again with a new one.
        api.post(f"/v1/runs/{run_id}/cancel", headers=ADMIN)
        wait_until(lambda: _status(api, run_id) in ("CANCELED", "FAILURE"), what="the run to stop")  # noqa: B023
        run_id = api.post("/v1/projects/starting/materializations", json={}, headers=key).json()["run_id"]
        caught = None
    assert caught is not None, "never saw the run while it was STARTING"
    assert caught.status_code == 202 and caught.json()["cancel_requested"] is True
    assert wait_until(lambda: _status(api, run_id) == "CANCELED", timeout_s=90, what="the starting run to be cancelled")
