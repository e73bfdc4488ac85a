"""Catalog routes: a project's schema, semantic model and semantic search, each visible to that project only."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import materialize
from fastapi.testclient import TestClient

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.tenants.asset_states import record_failed
from tests.conftest import truncate_platform
from tests.helpers import ADMIN_TOKEN

ASSETS = [defs.get_assets_def(k) for k in ("database_schema", "semantic_model", "schema_vector_index")]


@pytest.fixture(scope="module")
def catalog_api(runtime: ApiRuntime, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """demo-shop and demo-hr registered through the API and materialized once for this module; a key for each."""
    truncate_platform(runtime)
    instance = open_instance(settings.resolved_dagster_home)
    folder = tmp_path_factory.mktemp("catalog-sources")
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    keys = {}
    with TestClient(create_app(runtime=runtime)) as client:
        for tenant in DEMO_TENANTS[::2]:
            path = build_demo_database(tenant, folder)
            body = {
                "id": tenant.project_id,
                "name": tenant.name,
                "data_source": {"dialect": "sqlite", "path": str(path)},
            }
            assert client.post("/v1/projects", json=body, headers=admin).status_code == 201
            result = materialize(ASSETS, partition_key=tenant.project_id, instance=instance, resources=defs.resources)  # type: ignore[arg-type]
            assert result.success
            token = client.post(f"/v1/projects/{tenant.project_id}/keys", json={}, headers=admin).json()["token"]
            keys[tenant.project_id] = {"Authorization": f"Bearer {token}"}
        yield client, keys
    truncate_platform(runtime)


@pytest.fixture
def client(catalog_api: tuple) -> TestClient:
    return catalog_api[0]


@pytest.fixture
def two_catalogs(catalog_api: tuple) -> dict[str, dict]:
    return catalog_api[1]


def test_schema_route_returns_latest_version(client: TestClient, two_catalogs: dict) -> None:
    body = client.get("/v1/projects/demo-shop/schema", headers=two_catalogs["demo-shop"]).json()
    assert body["version"] == 1 and len(body["fingerprint"]) == 64
    assert {t["name"] for t in body["snapshot"]["tables"]} >= {"orders", "customers", "order_items"}


def test_semantic_model_route(client: TestClient, two_catalogs: dict) -> None:
    body = client.get("/v1/projects/demo-hr/semantic-model", headers=two_catalogs["demo-hr"]).json()
    entities = {e["table"] for e in body["model"]["entities"]}
    assert entities == {"departments", "employees", "job_titles", "salaries", "time_off_requests"}
    assert any(
        r["source"] == "inferred" and r["from_columns"] == ["head_employee_id"] for r in body["model"]["relationships"]
    )


def test_search_ranks_the_relevant_table_first(client: TestClient, two_catalogs: dict) -> None:
    response = client.post(
        "/v1/projects/demo-shop/search",
        json={"query": "star ratings customers gave products", "k": 5, "kinds": ["table"]},
        headers=two_catalogs["demo-shop"],
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results[0]["title"] == "product_reviews table"
    assert all(r["kind"] == "table" for r in results)
    assert results == sorted(results, key=lambda r: -r["score"])


def test_search_lists_tables_and_columns_before_metric_documents_unless_metrics_are_asked_for(
    client: TestClient, two_catalogs: dict
) -> None:
    def search(body: dict) -> list[dict]:
        response = client.post("/v1/projects/demo-shop/search", json=body, headers=two_catalogs["demo-shop"])
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    # "total order amount" is nearest to the revenue metric's own document; the tables and columns still come first.
    results = search({"query": "total order amount revenue per month", "k": 100})
    kinds = [r["kind"] for r in results]
    assert "metric" in kinds and "table" in kinds
    assert kinds.index("metric") > max(i for i, k in enumerate(kinds) if k != "metric")
    metrics = search({"query": "total order amount revenue per month", "k": 3, "kinds": ["metric"]})
    assert metrics and all(r["kind"] == "metric" for r in metrics)
    assert metrics == sorted(metrics, key=lambda r: -r["score"])


def test_search_reports_quota_embedding_and_database_time_in_server_timing(
    client: TestClient, two_catalogs: dict
) -> None:
    response = client.post("/v1/projects/demo-shop/search", json={"query": "orders"}, headers=two_catalogs["demo-shop"])
    assert response.status_code == 200, response.text
    timings = {
        name.strip(): float(duration.removeprefix("dur="))
        for name, duration in (entry.split(";") for entry in response.headers["server-timing"].split(","))
    }
    # A project key's search also counts against its quota: that check's time is reported too.
    assert set(timings) == {"quota", "embed", "db"}
    assert all(ms > 0 for ms in timings.values())


def test_search_only_sees_the_callers_project(client: TestClient, two_catalogs: dict, admin: dict) -> None:
    hr_query = {"query": "employee salaries and departments", "k": 50}
    shop_hits = client.post("/v1/projects/demo-shop/search", json=hr_query, headers=two_catalogs["demo-shop"])
    assert all(
        "main.salaries" not in r["tables"] and "main.employees" not in r["tables"] for r in shop_hits.json()["results"]
    )
    foreign = client.post("/v1/projects/demo-hr/search", json=hr_query, headers=two_catalogs["demo-shop"])
    assert foreign.status_code == 404
    for path in ("schema", "semantic-model"):
        assert client.get(f"/v1/projects/demo-hr/{path}", headers=two_catalogs["demo-shop"]).status_code == 404


@pytest.mark.parametrize(
    "body",
    [{"query": ""}, {"query": "x", "k": 0}, {"query": "x", "k": 1000}, {"query": "x", "kinds": ["tables"]}, {"k": 3}],
)
def test_bad_search_requests_are_422(client: TestClient, two_catalogs: dict, body: dict) -> None:
    response = client.post("/v1/projects/demo-shop/search", json=body, headers=two_catalogs["demo-shop"])
    assert response.status_code == 422 and response.json()["detail"]


def test_catalog_of_an_unmaterialized_project_is_409(client: TestClient, admin: dict, tmp_path: Path) -> None:
    body = {"id": "fresh", "name": "Fresh", "data_source": {"dialect": "sqlite", "path": str(tmp_path / "f.db")}}
    client.post("/v1/projects", json=body, headers=admin)
    response = client.get("/v1/projects/fresh/schema", headers=admin)
    assert response.status_code == 409 and "first run" in response.json()["detail"]


def test_admin_search_of_a_missing_project_is_404(client: TestClient, admin: dict) -> None:
    response = client.post("/v1/projects/no-such-project/search", json={"query": "x"}, headers=admin)
    assert response.status_code == 404


def test_search_of_a_project_never_indexed_says_why_as_ask_does(
    client: TestClient, admin: dict, tmp_path: Path, clean_platform: ApiRuntime
) -> None:
    body = {"id": "empty-one", "name": "E", "data_source": {"dialect": "sqlite", "path": str(tmp_path / "e.db")}}
    client.post("/v1/projects", json=body, headers=admin)
    response = client.post("/v1/projects/empty-one/search", json={"query": "x"}, headers=admin)
    assert response.status_code == 409 and "first run has not finished" in response.json()["detail"]
    # The catalog's run failed (what the run-failure sensor records): search and ask both name the run and its cause.
    with clean_platform.sessions() as session:
        record_failed(session, project_id="empty-one", assets=["database_schema"], run_id="run-7",
                      cause="unable to open database file")  # fmt: skip
        session.commit()
    searched = client.post("/v1/projects/empty-one/search", json={"query": "x"}, headers=admin).json()["detail"]
    asked = client.post("/v1/projects/empty-one/ask", json={"question": "how many?"}, headers=admin).json()["detail"]
    assert "its run run-7 failed at" in searched and "its run run-7 failed at" in asked
    assert searched.split(": ", 2)[-1] == asked.split(": ", 2)[-1]  # the same cause
