"""A canary password registered for tenants is nowhere to be read: not in Dagster's run config, tags, event log,
captured logs or files, not in any table of either database, not in any API response or error message."""

import secrets
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from hugdata.config import Settings
from hugdata.db import resolve_platform_databases
from tests.helpers import ADMIN_TOKEN
from tests.sources import MACHINE_MARIADB, MACHINE_PG, machine_mariadb_database

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CANARY = "canary-" + secrets.token_hex(8)  # unique per run, so nothing left over from an earlier run can match


@pytest.fixture
def api(dagster_api: TestClient) -> TestClient:
    return dagster_api


def _runs_finished(api: TestClient, project_id: str) -> list[dict]:
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        runs = api.get(f"/v1/projects/{project_id}/runs", headers=ADMIN).json()["items"]
        if runs and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
            return runs
        time.sleep(0.5)
    pytest.fail(f"{project_id}'s runs did not finish")


def _tables_containing(url: str, needle: str) -> dict[str, int]:
    engine = create_engine(url)
    found = {}
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                 " AND table_type = 'BASE TABLE'")
        ).scalars().all()  # fmt: skip
        for table in tables:
            hits = conn.execute(
                text(f'SELECT count(*) FROM "{table}" AS t WHERE t::text LIKE :n'), {"n": f"%{needle}%"}
            )
            if count := hits.scalar():
                found[table] = count
    engine.dispose()
    return found


def test_a_canary_password_appears_nowhere(api: TestClient, settings: Settings) -> None:
    ddl = ["CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(100))", "INSERT INTO customers VALUES (1, 'a@x')"]
    with machine_mariadb_database(ddl, user_password=CANARY) as database:
        good = {"dialect": "mysql", "host": MACHINE_MARIADB["host"], "port": MACHINE_MARIADB["port"],
                "database": database, "username": database, "password": CANARY}  # fmt: skip
        # Same canary, refused by the server: its run fails, and the failure is reported everywhere.
        wrong = {"dialect": "postgresql", "host": MACHINE_PG["host"], "port": MACHINE_PG["port"],
                 "database": "postgres", "username": "no_such_user_canary", "password": CANARY}  # fmt: skip
        for project_id, source in (("canary-ok", good), ("canary-bad", wrong)):
            body = {"id": project_id, "name": project_id, "data_source": source}
            assert api.post("/v1/projects", json=body, headers=ADMIN).status_code == 201
        ok_runs, bad_runs = _runs_finished(api, "canary-ok"), _runs_finished(api, "canary-bad")
        assert ok_runs[0]["status"] == "SUCCESS" and bad_runs[0]["status"] == "FAILURE"  # the password was used

        responses = []
        for project_id in ("canary-ok", "canary-bad"):
            for path in ("", "/runs", "/assets", "/schema", "/semantic-model", "/queries", "/golden-questions"):
                responses.append(api.get(f"/v1/projects/{project_id}{path}", headers=ADMIN))
            responses.append(
                api.post(f"/v1/projects/{project_id}/ask", json={"question": "How many customers?"}, headers=ADMIN)
            )
            responses.append(api.post(f"/v1/projects/{project_id}/search", json={"query": "customers"}, headers=ADMIN))
            for run in api.get(f"/v1/projects/{project_id}/runs", headers=ADMIN).json()["items"]:
                responses.append(api.get(f"/v1/runs/{run['run_id']}", headers=ADMIN))
        responses += [api.get("/v1/projects", headers=ADMIN), api.get("/v1/audit", headers=ADMIN)]
        # A conflicting re-registration and a bad update answer with errors that name fields, not values.
        conflict = {"id": "canary-ok", "name": "other", "data_source": {**good, "password": CANARY + "x"}}
        responses.append(api.post("/v1/projects", json=conflict, headers=ADMIN))
        responses.append(
            api.patch("/v1/projects/canary-ok", json={"data_source": {**good, "port": "x"}}, headers=ADMIN)
        )
        assert {r.status_code for r in responses[-2:]} == {409, 422}
        leaking = [(r.request.url.path, r.status_code) for r in responses if CANARY in r.text]
        assert leaking == []

        assert api.get("/v1/projects/canary-ok/schema", headers=ADMIN).json()["snapshot"]["tables"]
    # Both databases whole (Dagster's runs, tags, run config, event log; the platform's every table) and every file
    # under DAGSTER_HOME (captured stdout/stderr of steps, instance files).
    databases = resolve_platform_databases(settings)
    assert _tables_containing(databases.dagster_url.replace("+psycopg2", ""), CANARY) == {}
    assert _tables_containing(databases.hugdata_url, CANARY) == {}
    home = Path(settings.resolved_dagster_home)
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any("compute_logs" in str(p) or p.suffix in (".out", ".err", ".complete") for p in files)
    assert [p for p in files if CANARY.encode() in p.read_bytes()] == []
