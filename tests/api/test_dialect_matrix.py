"""Every route that reaches a tenant's database, for every dialect the API accepts: sqlite, postgresql, mysql and
mariadb (the last two on the machine's MariaDB server, registered as either). One matrix, the same checks on each:
connection checks, registration with `check`, the catalog the source yields, ask (offline planner and LLM), column
lineage, the event stream, golden questions, analytics and the optimization report with the source's EXPLAIN."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.tenants.data_sources import DataSourceSpec
from tests.helpers import ADMIN_TOKEN
from tests.llm import ScriptedLlm, scripted_llm
from tests.sources import demo_source

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
DIALECTS = ["sqlite", "postgresql", "mysql", "mariadb"]
CATALOG = ("database_schema", "semantic_model", "schema_vector_index")


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


@pytest.fixture(params=DIALECTS)
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, DataSourceSpec]]:
    with demo_source(request.param, "demo-shop", tmp_path) as spec:
        yield request.param, spec


def _body(spec: DataSourceSpec) -> dict[str, object]:
    fields = {"dialect": spec.dialect.value, "host": spec.host, "port": spec.port, "database": spec.database,
              "username": spec.username, "password": spec.password, "path": spec.path}  # fmt: skip
    return {k: v for k, v in fields.items() if v is not None}


def _materialize(settings: Settings, project_id: str, *, job: str | None = None) -> None:
    """What the project's run does, in this process: the catalog assets, or one job."""
    from dagster import materialize

    instance = open_instance(settings.resolved_dagster_home)
    try:
        if job:
            assert defs.resolve_job_def(job).execute_in_process(partition_key=project_id, instance=instance).success
        else:
            assets = [defs.get_assets_def(k) for k in CATALOG]
            assert materialize(assets, partition_key=project_id, instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
    finally:
        instance.dispose()


@pytest.fixture
def clients(clean_platform: ApiRuntime, llm_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    """The API without an LLM (the offline planner answers) and with the scripted one."""
    ScriptedLlm.reset()
    update = {"llm_base_url": llm_url, "llm_model": "m", "llm_api_key": SecretStr("sk-x"), "ask_max_tries": 1}
    with_llm = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
    with TestClient(create_app(runtime=clean_platform)) as planner, TestClient(create_app(runtime=with_llm)) as llm:
        yield planner, llm


def test_every_tenant_route_works_on_every_dialect(
    source: tuple[str, DataSourceSpec],
    clients: tuple[TestClient, TestClient],
    settings: Settings,
    clean_platform: ApiRuntime,
) -> None:
    dialect, spec = source
    api, llm_api = clients
    project = f"matrix-{dialect}"
    checked = api.post("/v1/data-sources/check", json=_body(spec), headers=ADMIN).json()
    assert checked["ok"] and checked["tables"] == 6, checked
    registered = api.post("/v1/projects", json={"id": project, "name": project, "data_source": _body(spec),
                                                "check": True}, headers=ADMIN)  # fmt: skip
    assert registered.status_code == 201, registered.text
    assert api.post(f"/v1/projects/{project}/data-source/check", headers=ADMIN).json()["ok"]
    patched = api.patch(f"/v1/projects/{project}", json={"data_source": _body(spec), "check": True}, headers=ADMIN)
    assert patched.status_code == 200, patched.text

    _materialize(settings, project)
    # The run's asset states as the project's event stream replays them (a short stream that ends by itself).
    short = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(
        update={"events_stream_max_s": 1.0, "events_heartbeat_s": 0.5}))  # fmt: skip
    with TestClient(create_app(runtime=short)) as streaming:
        replay = streaming.get(f"/v1/projects/{project}/events", headers={**ADMIN, "Last-Event-ID": "0"})
    assert replay.status_code == 200 and replay.headers["content-type"].startswith("text/event-stream")
    states = [json.loads(line[5:]) for line in replay.text.splitlines() if line.startswith("data:")]
    assert {(s["asset"], s["status"]) for s in states if "asset" in s} >= {(a, "materialized") for a in CATALOG}
    schema = api.get(f"/v1/projects/{project}/schema", headers=ADMIN).json()
    assert sorted(t["name"] for t in schema["snapshot"]["tables"]) == [
        "categories", "customers", "order_items", "orders", "product_reviews", "products"]  # fmt: skip
    versions = api.get(f"/v1/projects/{project}/schema/versions", headers=ADMIN).json()["items"]
    assert versions[0]["version"] == schema["version"] and versions[0]["tables"] == 6
    model = api.get(f"/v1/projects/{project}/semantic-model", headers=ADMIN).json()["model"]
    assert any(r["from_entity"].endswith("orders") and r["to_entity"].endswith("customers")
               for r in model["relationships"])  # fmt: skip
    hits = api.post(f"/v1/projects/{project}/search", json={"query": "star ratings of products"}, headers=ADMIN)
    assert hits.status_code == 200 and any("product_reviews" in h["key"] for h in hits.json()["results"][:3])

    # The offline planner reads the source's category values and runs its SQL there.
    count = api.post(f"/v1/projects/{project}/ask", json={"question": "How many orders are there?"}, headers=ADMIN)
    assert count.status_code == 200, count.text
    assert count.json()["rows"] == [[1500]] and count.json()["answered_by"] == "offline_planner"
    cancelled = api.post(f"/v1/projects/{project}/ask",
                         json={"question": "How many orders were cancelled or refunded?"}, headers=ADMIN)  # fmt: skip
    assert cancelled.status_code == 200 and 0 < cancelled.json()["rows"][0][0] < 1500
    # The tenant teaches its own words (a table synonym, a value synonym, a metric in the dialect's SQL); the
    # planner answers in them, with the same number.
    orders = next(e["name"] for e in model["entities"] if e["table"] == "orders")
    layer = api.get(f"/v1/projects/{project}/semantic-layer", headers=ADMIN)
    curated = {"tables": {orders: {"synonyms": ["purchases"], "columns": {"status": {"value_synonyms": {
        "voided": "cancelled"}}}}}, "metrics": [{"name": "paid revenue", "table": orders,
        "expression": "SUM(total_amount)", "filters": ["status = 'paid'"]}]}  # fmt: skip
    put = api.put(f"/v1/projects/{project}/semantic-layer", json=curated,
                  headers={**ADMIN, "If-Match": layer.json()["etag"]})  # fmt: skip
    assert put.status_code == 200 and put.json()["version"] == 1, put.text
    voided = api.post(f"/v1/projects/{project}/ask", json={"question": "How many purchases were voided?"},
                      headers=ADMIN)  # fmt: skip
    direct = api.post(f"/v1/projects/{project}/ask", json={"question": "How many orders were cancelled?"},
                      headers=ADMIN)  # fmt: skip
    assert voided.status_code == 200, voided.text
    assert voided.json()["rows"] == direct.json()["rows"] and voided.json()["explanation"]["unaccounted"] == []
    # An LLM's answer in the dialect's own SQL.
    ScriptedLlm.by_question["revenue per status"] = (
        "SELECT status, SUM(total_amount) AS revenue FROM orders GROUP BY status ORDER BY revenue DESC"
    )
    revenue = llm_api.post(f"/v1/projects/{project}/ask", json={"question": "revenue per status"}, headers=ADMIN)
    assert revenue.status_code == 200, revenue.text
    assert len(revenue.json()["rows"]) == 5 and revenue.json()["column_types"][1] in ("decimal", "number")
    # Each answer's column lineage, resolved in the dialect's own SQL against the source's own schema names.
    impact = api.get(f"/v1/projects/{project}/lineage/impact?column={orders}.total_amount", headers=ADMIN)
    assert impact.status_code == 200, impact.text
    assert [(q["question"], q["uses"]) for q in impact.json()["questions"]] == [
        ("revenue per status", ["aggregated", "ordered", "projected"])]  # fmt: skip
    graph = api.get(f"/v1/projects/{project}/lineage?table={orders}", headers=ADMIN).json()
    assert {n["label"] for n in graph["nodes"] if n["kind"] == "question"} >= {"revenue per status"}

    question = {"question": "How many orders are there?", "expected_sql": "SELECT COUNT(*) FROM orders"}
    golden = api.post(f"/v1/projects/{project}/golden-questions", json=question, headers=ADMIN)
    assert golden.status_code == 201, golden.text
    _materialize(settings, project, job="analytics_refresh")
    runs = api.get(f"/v1/projects/{project}/golden-questions", headers=ADMIN).json()
    assert runs["accuracy_runs"][0]["accuracy"] == 1.0
    assert api.get(f"/v1/projects/{project}/analytics", headers=ADMIN).json()["summary"]["questions"] == 5
    report = api.get(f"/v1/projects/{project}/optimizations", headers=ADMIN).json()
    explained = report["report"]["slowest_queries"]  # the source's EXPLAIN of the slowest logged queries
    assert explained and all("error" not in e for e in explained), explained

    # A conversation: each follow-up refines the previous answer in the dialect's own SQL, and runs there.
    thread = api.post(f"/v1/projects/{project}/threads", json={}, headers=ADMIN).json()["id"]
    asked = ("How many orders are there per status?", "only 2025", "excluding cancelled", "top 2")
    turns = [api.post(f"/v1/projects/{project}/threads/{thread}/ask", json={"question": q}, headers=ADMIN).json()
             for q in asked]  # fmt: skip
    per_status, in_2025, kept, top = ({r[0]: r[1] for r in t["rows"]} for t in turns)
    assert sum(per_status.values()) == 1500 and 0 < sum(in_2025.values()) < 1500, turns[1]
    assert "cancelled" not in kept and kept == {k: v for k, v in in_2025.items() if k != "cancelled"}
    assert list(top.values()) == sorted(kept.values(), reverse=True)[:2]
    assert [t["changes"] != [] for t in turns] == [False, True, True, True]
