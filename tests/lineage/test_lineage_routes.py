"""GET /v1/projects/{id}/lineage and /lineage/impact: the graph from source columns to saved questions and analytics,
stable node IDs, the part connected to one table or column, clear errors, and only the caller's own project."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from tests.helpers import ADMIN_TOKEN, catalogued_shop

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _key(client: TestClient, project_id: str) -> dict[str, str]:
    token = client.post(f"/v1/projects/{project_id}/keys", json={}, headers=ADMIN).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_graph_runs_from_columns_through_the_model_and_documents_to_questions_and_assets(
    client: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / "a", "lineage-a")
    asked = client.post("/v1/projects/lineage-a/ask", json={"question": "How many orders are there?"}, headers=ADMIN)
    assert asked.status_code == 200, asked.text
    golden = {"question": "Total revenue", "expected_sql": "SELECT SUM(total_amount) FROM main.orders"}
    assert client.post("/v1/projects/lineage-a/golden-questions", json=golden, headers=ADMIN).status_code == 201

    whole = client.get("/v1/projects/lineage-a/lineage", headers=ADMIN).json()
    nodes = {n["id"]: n for n in whole["nodes"]}
    edges = {(e["source"], e["target"]): e for e in whole["edges"]}
    assert (
        nodes["table:main.orders"]["kind"] == "table" and nodes["column:main.orders.total_amount"]["kind"] == "column"
    )
    assert ("table:main.orders", "column:main.orders.total_amount") in edges
    assert ("column:main.orders.total_amount", "entity:main.orders") in edges
    assert (
        "column:main.orders.customer_id",
        next(k for k in nodes if k.startswith("relationship:main.orders(")),
    ) in edges
    assert ("column:main.orders.total_amount", "document:column:main.orders.total_amount") in edges
    [question] = [n for n in whole["nodes"] if n["kind"] == "question"]
    [golden_node] = [n for n in whole["nodes"] if n["kind"] == "golden_question"]
    assert question["label"] == "How many orders are there?" and golden_node["label"] == "Total revenue"
    assert edges[("column:main.orders.total_amount", golden_node["id"])]["uses"] == ["aggregated", "projected"]
    assert ("table:main.orders", question["id"]) in edges  # COUNT(*) reads the table as a whole
    assert (question["id"], "asset:usage_analytics") in edges and (golden_node["id"], "asset:model_accuracy") in edges
    assert client.get("/v1/projects/lineage-a/lineage", headers=ADMIN).json() == whole  # the same IDs every call

    # One column: only what is downstream of it.
    part = client.get("/v1/projects/lineage-a/lineage?column=main.orders.total_amount", headers=ADMIN).json()
    ids = {n["id"] for n in part["nodes"]}
    assert {"column:main.orders.total_amount", golden_node["id"], "asset:model_accuracy"} <= ids
    assert question["id"] not in ids and "table:main.customers" not in ids and len(ids) < len(nodes)
    by_table = client.get("/v1/projects/lineage-a/lineage?table=main.customers", headers=ADMIN).json()
    assert all(n["id"] not in (question["id"], golden_node["id"]) for n in by_table["nodes"])
    assert any(n["id"] == "column:main.customers.email" for n in by_table["nodes"])


def test_unknown_or_malformed_targets_are_clear_4xx(
    client: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "lineage-b")
    missing = client.get("/v1/projects/lineage-b/lineage/impact?column=main.orders.nope", headers=ADMIN)
    assert missing.status_code == 404 and "main.orders.nope" in missing.json()["detail"]
    malformed = client.get("/v1/projects/lineage-b/lineage/impact?column=orders", headers=ADMIN)
    assert malformed.status_code == 422 and "column" in malformed.text
    no_table = client.get("/v1/projects/lineage-b/lineage?table=main.nothing", headers=ADMIN)
    assert no_table.status_code == 404 and "main.nothing" in no_table.json()["detail"]


def test_a_project_sees_only_its_own_questions_even_on_identical_schemas(
    client: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    for project_id in ("lineage-c", "lineage-d"):
        catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / project_id, project_id)
    keys = {p: _key(client, p) for p in ("lineage-c", "lineage-d")}
    body = {"question": "Secret revenue of C", "expected_sql": "SELECT SUM(total_amount) FROM main.orders"}
    assert (
        client.post("/v1/projects/lineage-c/golden-questions", json=body, headers=keys["lineage-c"]).status_code == 201
    )
    own = client.get("/v1/projects/lineage-d/lineage/impact?column=main.orders.total_amount", headers=keys["lineage-d"])
    assert own.status_code == 200 and own.json()["golden_questions"] == []
    assert "Secret revenue" not in client.get("/v1/projects/lineage-d/lineage", headers=keys["lineage-d"]).text
    foreign = client.get("/v1/projects/lineage-c/lineage", headers=keys["lineage-d"])
    assert foreign.status_code == 404 and "Secret" not in foreign.text
