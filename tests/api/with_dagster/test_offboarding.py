"""DELETE /v1/projects/{id}: runs stopped, Dagster history wiped, every row gone, other tenants untouched, audited."""

from pathlib import Path

import pytest
from dagster import AssetKey, AssetRecordsFilter
from fastapi.testclient import TestClient
from sqlalchemy import text

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.instance import open_instance
from hugdata.platform.jobs import ANALYTICS_ASSET_NAMES, SCHEMA_SYNC_ASSET_NAMES
from tests.helpers import ADMIN_TOKEN, wait_until

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LEAVING, STAYING = "leaving-tenant-7q", "staying-tenant-3k"


@pytest.fixture
def app_runtime(dagster_runtime: ApiRuntime) -> ApiRuntime:
    return dagster_runtime


@pytest.fixture
def api(dagster_api: TestClient) -> TestClient:
    return dagster_api


def _onboard(api: TestClient, runtime: ApiRuntime, project_id: str, path: Path) -> dict[str, str]:
    body = {
        "id": project_id,
        "name": f"{project_id} name",
        "data_source": {"dialect": "sqlite", "path": str(path)},
        # Nobody listens here: the project's webhook events stay pending in the outbox.
        "webhook_url": "http://127.0.0.1:9/hooks",
    }
    assert api.post("/v1/projects", json=body, headers=ADMIN).status_code == 201
    token = api.post(f"/v1/projects/{project_id}/keys", json={"name": "laravel"}, headers=ADMIN).json()["token"]
    key = {"Authorization": f"Bearer {token}"}
    wait_until(
        lambda: any(
            r["status"] == "SUCCESS" for r in api.get(f"/v1/projects/{project_id}/runs", headers=key).json()["items"]
        ),
        what=f"{project_id}'s first run",
    )
    assert api.post(
        f"/v1/projects/{project_id}/ask", json={"question": "How many orders do we have?"}, headers=key
    ).status_code in (200, 422)
    golden = {"question": "How many rows?", "expected_sql": "SELECT COUNT(*) FROM main.orders"}
    api.post(f"/v1/projects/{project_id}/golden-questions", json=golden, headers=key)

    def settled() -> bool:  # the first run's started + succeeded webhook events are in the outbox
        with runtime.engine.connect() as conn:
            count = conn.execute(
                text("SELECT count(*) FROM webhook_outbox WHERE project_id = :p"), {"p": project_id}
            ).scalar()
        return bool(count and count >= 2)

    wait_until(settled, what=f"{project_id}'s webhook events")
    return key


def _rows_mentioning(runtime: ApiRuntime, needle: str) -> dict[str, int]:
    """Every table of the hugdata database, each row read as text, searched for ``needle``."""
    found = {}
    with runtime.engine.connect() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                )
            )
            .scalars()
            .all()
        )
        assert len(tables) >= 15  # the scan covers the whole schema, not a hand-picked list
        for table in tables:
            hits = conn.execute(
                text(f'SELECT count(*) FROM "{table}" AS t WHERE t::text LIKE :n'), {"n": f"%{needle}%"}
            ).scalar()
            if hits:
                found[table] = int(hits)
    return found


def test_offboarding_purges_every_trace_and_leaves_other_tenants_alone(
    api: TestClient, app_runtime: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    key = _onboard(api, app_runtime, LEAVING, build_demo_database(DEMO_TENANTS[0], tmp_path))
    _onboard(api, app_runtime, STAYING, build_demo_database(DEMO_TENANTS[1], tmp_path))
    before_staying = _rows_mentioning(app_runtime, STAYING)
    leaving = _rows_mentioning(app_runtime, LEAVING)
    for table in ("projects", "data_sources", "api_keys", "schema_snapshots", "semantic_models", "schema_documents",
                  "query_log", "golden_questions", "asset_states", "webhook_outbox", "audit_log"):  # fmt: skip
        assert table in leaving, f"the test should start with {table} holding the project"
    # One run in flight and one queued behind it (one run per project at a time).
    launched = [
        api.post(f"/v1/projects/{LEAVING}/materializations", json={}, headers=key).json()["run_id"] for _ in range(2)
    ]

    assert api.delete(f"/v1/projects/{LEAVING}", headers=key).status_code == 403
    response = api.delete(f"/v1/projects/{LEAVING}", headers=ADMIN)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["runs_canceled"] >= 1 and report["runs_deleted"] >= 2 and report["runs_left"] == []

    assert _rows_mentioning(app_runtime, LEAVING) == {}
    assert _rows_mentioning(app_runtime, STAYING) == before_staying
    assert api.get(f"/v1/projects/{LEAVING}", headers=ADMIN).status_code == 404
    assert api.get(f"/v1/projects/{LEAVING}", headers=key).status_code == 401  # its keys went with it
    assert api.delete(f"/v1/projects/{LEAVING}", headers=ADMIN).status_code == 404

    # Dagster: no runs, no partition, no materializations of the partition.
    assert app_runtime.dagster_runs.all_project_runs(LEAVING) == []
    assert all(app_runtime.dagster_runs.run(run_id) is None for run_id in launched)
    assert not app_runtime.partitions.has(LEAVING) and app_runtime.partitions.has(STAYING)
    instance = open_instance(settings.resolved_dagster_home)
    try:
        for asset in (*SCHEMA_SYNC_ASSET_NAMES, *ANALYTICS_ASSET_NAMES):
            gone = instance.fetch_materializations(
                AssetRecordsFilter(AssetKey(asset), asset_partitions=[LEAVING]), limit=5
            )
            assert gone.records == [], asset
        kept = instance.fetch_materializations(
            AssetRecordsFilter(AssetKey("schema_vector_index"), asset_partitions=[STAYING]), limit=5
        )
        assert kept.records
    finally:
        instance.dispose()
    assert api.post(f"/v1/projects/{STAYING}/search", json={"query": "invoices", "k": 3}, headers=ADMIN).json()[
        "results"
    ]

    # The audit trail survives under the keyed ref: findable by the ID, which it no longer stores.
    audit = api.get(f"/v1/audit?project_id={LEAVING}", headers=ADMIN).json()["items"]
    assert [e["action"] for e in audit] == ["project.delete", "key.issue", "project.register"]
    assert all(e["project_id"] is None and e["actor"] == "admin" for e in audit)
    assert audit[0]["detail"]["runs_canceled"] == report["runs_canceled"]
