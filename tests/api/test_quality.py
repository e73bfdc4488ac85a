"""Golden questions, the model_accuracy asset and the query optimization report, through the API and Dagster."""

import shutil
import sqlite3
from pathlib import Path

import pytest
from dagster import AssetKey
from fastapi.testclient import TestClient
from sqlalchemy import select

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.query.log import QueryLogEntry
from hugdata.tenants.asset_states import project_asset_states
from tests.helpers import ADMIN_TOKEN, catalogued_shop, register

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
GOLDEN = [
    # Right answers the offline planner gives.
    (
        "How many orders were cancelled or refunded?",
        "SELECT COUNT(*) FROM orders WHERE status IN ('cancelled', 'refunded')",
    ),
    ("How many customers per country?", "SELECT country_code, COUNT(*) FROM customers GROUP BY country_code"),
    # The tenant means paid orders only; the planner counts all of them.
    ("How many orders do we have?", "SELECT COUNT(*) FROM orders WHERE status = 'paid'"),
    # Beyond the planner: it declines.
    (
        "Which customers have never ordered?",
        "SELECT email FROM customers WHERE id NOT IN (SELECT customer_id FROM orders)",
    ),
]


@pytest.fixture
def shop(clean_platform: ApiRuntime, settings: Settings, tmp_path: Path) -> Path:
    return catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "quality-shop")


def _refresh(settings: Settings) -> list[dict]:
    """Run analytics_refresh for the shop; the model_accuracy materialization's metadata."""
    instance = open_instance(settings.resolved_dagster_home)
    try:
        result = defs.resolve_job_def("analytics_refresh").execute_in_process(
            partition_key="quality-shop", instance=instance
        )
        assert result.success
        return [
            {k: v.value for k, v in m.metadata.items()}
            for m in result.asset_materializations_for_node("model_accuracy")
        ]
    finally:
        instance.dispose()


def test_golden_questions_are_checked_on_entry(client: TestClient, shop: Path, clean_platform: ApiRuntime) -> None:
    url = "/v1/projects/quality-shop/golden-questions"
    ok = client.post(
        url, json={"question": "How many orders?", "expected_sql": "SELECT COUNT(*) FROM orders"}, headers=ADMIN
    )
    assert ok.status_code == 201 and ok.json()["id"] > 0
    again = client.post(
        url, json={"question": "How many orders?", "expected_sql": "SELECT 1 FROM orders"}, headers=ADMIN
    )
    assert again.status_code == 409
    for sql, reason in [
        ("DROP TABLE orders", "only SELECT"),
        ("SELECT nope FROM orders", "unknown column"),
        ("SELECT * FROM pragma_table_info('orders')", "pragma_table_info() is not allowed"),
        ("WITH orders AS (SELECT * FROM sqlite_master) SELECT * FROM orders", "hides a table"),
    ]:
        refused = client.post(url, json={"question": f"q {sql}", "expected_sql": sql}, headers=ADMIN)
        assert refused.status_code == 422 and reason in refused.json()["detail"]
    register(clean_platform, "other")
    token = client.post("/v1/projects/other/keys", json={}, headers=ADMIN).json()["token"]
    stranger = {"Authorization": f"Bearer {token}"}
    assert client.get(url, headers=stranger).status_code == 404
    assert client.delete(f"{url}/{ok.json()['id']}", headers=stranger).status_code == 404
    assert client.delete(f"{url}/{ok.json()['id']}", headers=ADMIN).status_code == 204
    assert client.get(url, headers=ADMIN).json()["items"] == []


def test_model_accuracy_scores_golden_answers_over_time(
    client: TestClient, shop: Path, clean_platform: ApiRuntime, settings: Settings
) -> None:
    url = "/v1/projects/quality-shop/golden-questions"
    for question, sql in GOLDEN:
        assert client.post(url, json={"question": question, "expected_sql": sql}, headers=ADMIN).status_code == 201
    [metadata] = _refresh(settings)
    assert metadata["accuracy"] == 0.5 and metadata["correct"] == 2 and metadata["golden_questions"] == 4
    assert metadata["answered_by"] == "offline_planner"
    body = client.get(url, headers=ADMIN).json()
    [run] = body["accuracy_runs"]
    outcomes = {r["question"]: r["outcome"] for r in run["results"]}
    assert outcomes == {
        GOLDEN[0][0]: "correct",
        GOLDEN[1][0]: "correct",
        GOLDEN[2][0]: "wrong",
        GOLDEN[3][0]: "not_answered",
    }
    # Golden asks are evaluation, not usage: the query log stays empty.
    with clean_platform.sessions() as session:
        assert session.scalars(select(QueryLogEntry)).all() == []
        states = {s.asset: s for s in project_asset_states(session, "quality-shop")}
    assert states["model_accuracy"].status == "materialized"

    # Fix the reference to what the tenant really wants: the next run is more accurate, and the history shows both.
    wrong_id = next(g["id"] for g in body["items"] if g["question"] == GOLDEN[2][0])
    client.delete(f"{url}/{wrong_id}", headers=ADMIN)
    client.post(url, json={"question": GOLDEN[2][0], "expected_sql": "SELECT COUNT(*) FROM orders"}, headers=ADMIN)
    [metadata] = _refresh(settings)
    assert metadata["accuracy"] == 0.75 and metadata["accuracy_history"] == [0.5, 0.75]
    assert [r["accuracy"] for r in client.get(url, headers=ADMIN).json()["accuracy_runs"]] == [0.75, 0.5]


def test_optimization_report_suggests_indexes_for_frequent_unindexed_columns(
    client: TestClient, shop: Path, settings: Settings, tmp_path: Path
) -> None:
    assert client.get("/v1/projects/quality-shop/optimizations", headers=ADMIN).status_code == 409
    questions = [
        "How many orders have status shipped?",
        "How many orders have status paid?",
        "How many orders have status pending?",
        "Number of orders per month",
        "Top 10 customers by total amount spent on orders",
    ]
    for question in questions:
        response = client.post("/v1/projects/quality-shop/ask", json={"question": question}, headers=ADMIN)
        assert response.status_code == 200, response.text
    _refresh(settings)
    report = client.get("/v1/projects/quality-shop/optimizations", headers=ADMIN).json()["report"]
    suggestions = {(s["table"], s["column"]): s for s in report["index_suggestions"]}
    top = report["index_suggestions"][0]
    assert (top["table"], top["column"]) == ("main.orders", "status") and top["queries"] == 3
    assert top["statement"] == "CREATE INDEX main.ix_orders_status ON orders (status)"
    # Already indexed (ix_orders_customer_id) or a primary key: never suggested.
    assert ("main.orders", "customer_id") not in suggestions and ("main.customers", "id") not in suggestions
    assert ("main.orders", "ordered_at") in suggestions
    assert report["queries_analysed"] == len(questions)
    slowest = report["slowest_queries"]
    assert len(slowest) == len(questions)
    scans = {q["sql"]: q["full_scans"] for q in slowest}
    assert all(found == ["orders"] for sql, found in scans.items() if "status =" in sql)
    # The join reads orders through ix_orders_customer_id: only customers is scanned.
    assert next(found for sql, found in scans.items() if "JOIN" in sql) == ["customers"]
    # The suggestion is real SQL for the tenant's database: applied to a copy, the planner uses the index.
    copy = tmp_path / "copy.sqlite"
    shutil.copy(shop, copy)
    with sqlite3.connect(copy) as db:
        db.execute(top["statement"])
        plan = db.execute("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM orders WHERE status = 'paid'").fetchall()
    assert any("ix_orders_status" in str(row[-1]) for row in plan)
    with sqlite3.connect(shop) as db:  # the tenant's own database was never changed
        assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_orders_status'").fetchone() == (0,)
    assert AssetKey("query_optimization_report") in defs.get_repository_def().asset_graph.get_all_asset_keys()
