"""A failure explains itself through the API: runs, assets and ask carry the cause; a missing database is not
retried; runs launched by backfills are the project's runs (listed, and removed at offboarding); backfill counts
agree with their status; analytics can be started on demand."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterEventType
from fastapi.testclient import TestClient

from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.instance import open_instance
from tests.helpers import ADMIN_TOKEN, CANARY_PASSWORD, wait_until
from tests.sources import MACHINE_PG

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def api(dagster_api: TestClient) -> TestClient:
    return dagster_api


def _register(api: TestClient, project_id: str, data_source: dict, tier: str = "standard") -> None:
    body = {"id": project_id, "name": project_id, "tier": tier, "data_source": data_source}
    assert api.post("/v1/projects", json=body, headers=ADMIN).status_code == 201


def _finished_run(api: TestClient, project_id: str) -> dict:
    return wait_until(  # type: ignore[return-value]
        lambda: next(
            (
                r
                for r in api.get(f"/v1/projects/{project_id}/runs", headers=ADMIN).json()["items"]
                if r["status"] in ("SUCCESS", "FAILURE") and (r["status"] == "SUCCESS" or r["failure"])
            ),
            None,
        ),  # fmt: skip
        what=f"{project_id}'s run to finish",
    )


def test_a_failed_run_says_why_in_runs_assets_and_ask_and_a_missing_database_is_not_retried(
    api: TestClient, settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-shop.sqlite"
    _register(api, "why-sqlite", {"dialect": "sqlite", "path": str(missing)}, tier="free")
    pg = {"dialect": "postgresql", "host": MACHINE_PG["host"], "port": MACHINE_PG["port"],
          "database": "hd_does_not_exist", "username": MACHINE_PG["user"], "password": CANARY_PASSWORD}  # fmt: skip
    _register(api, "why-postgres", pg, tier="enterprise")
    expected = {
        "why-sqlite": f"cannot read its sqlite database at {missing}: the database does not exist",
        "why-postgres": "cannot read its postgresql database at 127.0.0.1:5432/hd_does_not_exist: the database "
        "does not exist",
    }
    instance = open_instance(settings.resolved_dagster_home)
    try:
        for project_id, cause in expected.items():
            run = _finished_run(api, project_id)
            assert run["status"] == "FAILURE" and cause in run["failure"]["cause"], run
            assert CANARY_PASSWORD not in str(run)
            one = api.get(f"/v1/runs/{run['run_id']}", headers=ADMIN).json()
            assert cause in one["failure"]["cause"] and one["failure"]["failed_at"]
            # The run-failure sensor records the cause on the asset state within a tick or two.
            assets = wait_until(
                lambda pid=project_id: (lambda a: a if a[0]["status"] == "failed" else None)(
                    api.get(f"/v1/projects/{pid}/assets", headers=ADMIN).json()
                ),
                what="the failed asset state",
            )
            assert cause in assets[0]["failure_cause"]  # type: ignore[index]
            asked = api.post(f"/v1/projects/{project_id}/ask", json={"question": "how many orders?"}, headers=ADMIN)
            assert asked.status_code == 409
            assert f"its run {run['run_id']} failed at" in asked.json()["detail"] and cause in asked.json()["detail"]
            # Classified by the driver's code as permanent: one attempt, no retries.
            retries = instance.get_records_for_run(run["run_id"], of_type=DagsterEventType.STEP_UP_FOR_RETRY)
            assert retries.records == []
    finally:
        instance.dispose()


def test_backfill_runs_are_the_projects_and_a_failing_project_counts_as_failed(api: TestClient, tmp_path: Path) -> None:
    _register(api, "bf-own", {"dialect": "sqlite", "path": str(build_demo_database(DEMO_TENANTS[2], tmp_path))})
    _register(api, "bf-bad", {"dialect": "sqlite", "path": str(tmp_path / "missing.db")}, tier="enterprise")
    assert _finished_run(api, "bf-own")["status"] == "SUCCESS"
    assert _finished_run(api, "bf-bad")["status"] == "FAILURE"
    body = {"project_ids": ["bf-own", "bf-bad"], "assets": ["database_schema"]}
    launched = api.post("/v1/backfills", json=body, headers=ADMIN).json()
    final = wait_until(
        lambda: (lambda b: b if b["in_progress"] == 0 else None)(
            api.get(f"/v1/backfills/{launched['backfill_id']}", headers=ADMIN).json()
        ),
        timeout_s=180,
        what="the backfill's projects to finish",
    )
    # Status and counts agree: one project done, the other failed, nothing left in progress.
    assert (final["total"], final["done"], final["failed"]) == (2, 1, 1), final  # type: ignore[index]
    # The backfill daemon's runs carry only the partition tag, yet they are the project's runs.
    runs = api.get("/v1/projects/bf-own/runs", headers=ADMIN).json()["items"]
    backfill_runs = [r for r in runs if r["assets"] == ["database_schema"]]
    assert len(runs) == 2 and len(backfill_runs) == 1 and backfill_runs[0]["project_id"] == "bf-own"
    deleted = api.delete("/v1/projects/bf-own", headers=ADMIN).json()
    assert deleted["runs_deleted"] == 2
    assert api.get(f"/v1/runs/{backfill_runs[0]['run_id']}", headers=ADMIN).status_code == 404


def test_analytics_can_be_started_on_demand(api: TestClient, tmp_path: Path) -> None:
    _register(api, "an-now", {"dialect": "sqlite", "path": str(build_demo_database(DEMO_TENANTS[0], tmp_path))})
    assert _finished_run(api, "an-now")["status"] == "SUCCESS"
    assert api.get("/v1/projects/an-now/analytics", headers=ADMIN).status_code == 409
    mixed = api.post("/v1/projects/an-now/materializations", json={"assets": ["usage_analytics", "semantic_model"]},
                     headers=ADMIN)  # fmt: skip
    assert mixed.status_code == 422 and "one group per request" in mixed.json()["detail"]
    run = api.post("/v1/projects/an-now/materializations",
                   json={"assets": ["usage_analytics", "query_optimization_report"]}, headers=ADMIN)  # fmt: skip
    assert run.status_code == 202 and run.json()["job"] == "analytics_refresh"
    wait_until(lambda: api.get(f"/v1/runs/{run.json()['run_id']}", headers=ADMIN).json()["status"] == "SUCCESS",
               what="the analytics run")  # fmt: skip
    assert api.get("/v1/projects/an-now/analytics", headers=ADMIN).status_code == 200
    assert api.get("/v1/projects/an-now/optimizations", headers=ADMIN).status_code == 200
