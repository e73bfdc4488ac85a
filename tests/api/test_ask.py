"""POST /v1/projects/{id}/ask with the real openai client against a local OpenAI-compatible server."""

import dataclasses
import hashlib
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import materialize
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.catalog.models import SchemaDocumentRow
from hugdata.config import Settings
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.query.log import QueryLogEntry
from tests.helpers import ADMIN_TOKEN, catalogued_shop, register
from tests.llm import ScriptedLlm, scripted_llm
from tests.query.test_validation import ATTACKS

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LLM_KEY = "sk-test-" + "9" * 20


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


@pytest.fixture
def shop(clean_platform: ApiRuntime, settings: Settings, tmp_path: Path) -> Path:
    return catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "ask-shop")


@pytest.fixture
def api(clean_platform: ApiRuntime, llm_url: str) -> Iterator[TestClient]:
    ScriptedLlm.reset()
    update = {"llm_base_url": llm_url, "llm_model": "sql-writer", "llm_api_key": SecretStr(LLM_KEY), "ask_max_tries": 2}
    runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
    with TestClient(create_app(runtime=runtime)) as client:
        yield client


def _log(runtime: ApiRuntime) -> list[QueryLogEntry]:
    with runtime.sessions() as session:
        return list(session.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))


def _checksum(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()


def test_a_correct_answer_runs_with_a_limit_and_a_chart(
    api: TestClient, shop: Path, clean_platform: ApiRuntime
) -> None:
    ScriptedLlm.answers = [
        "```sql\nSELECT country_code, COUNT(*) AS customers FROM main.customers GROUP BY country_code\n```"
    ]
    response = api.post("/v1/projects/ask-shop/ask", json={"question": "customers per country"}, headers=ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sql"].endswith("LIMIT 101") and body["executed"] and body["columns"] == ["country_code", "customers"]
    assert body["rows"] and body["chart"]["mark"] == "bar" and body["tries"] == 1 and body["tokens"] == 120
    # The prompt carried the tenant's own schema documents, and the key travelled only as the bearer token.
    prompt = ScriptedLlm.requests[0]["messages"][1]["content"]
    assert "customers" in prompt and "Question: customers per country" in prompt
    assert ScriptedLlm.requests[0]["model"] == "sql-writer" and ScriptedLlm.auth[0] == f"Bearer {LLM_KEY}"
    [entry] = _log(clean_platform)
    assert (entry.valid, entry.executed, entry.rows, entry.tries, entry.error_class) == (
        True,
        True,
        len(body["rows"]),
        1,
        None,
    )


def test_a_model_answer_that_leaves_words_out_is_returned_with_them_flagged(api: TestClient, shop: Path) -> None:
    ScriptedLlm.answers = ["SELECT country_code, COUNT(*) AS customers FROM main.customers GROUP BY country_code"]
    question = "How many premium customers are there per country?"
    response = api.post("/v1/projects/ask-shop/ask", json={"question": question}, headers=ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    # Not refused: the model wrote it and it runs; the word no part of its SQL answers is named for the reader.
    assert body["answered_by"] == "llm" and body["rows"] and body["explanation"]["unaccounted"] == ["premium"]


def test_a_refused_answer_goes_back_with_its_error_and_the_correction_runs(
    api: TestClient, shop: Path, clean_platform: ApiRuntime
) -> None:
    ScriptedLlm.answers = ["SELECT total FROM main.orders", "SELECT SUM(total_amount) AS revenue FROM main.orders"]
    response = api.post("/v1/projects/ask-shop/ask", json={"question": "total revenue"}, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["tries"] == 2 and response.json()["chart"]["mark"]["type"] == "text"
    retry = ScriptedLlm.requests[1]["messages"]
    assert retry[-1]["role"] == "user" and "unknown column 'total'" in retry[-1]["content"]


def test_attack_answers_never_run_and_the_database_is_unchanged(
    api: TestClient, shop: Path, clean_platform: ApiRuntime
) -> None:
    before = _checksum(shop)
    for attack in ATTACKS:
        ScriptedLlm.answers = [attack, attack]
        response = api.post("/v1/projects/ask-shop/ask", json={"question": "do something"}, headers=ADMIN)
        assert response.status_code == 422, (attack, response.text)
        assert "no valid SQL after 2 tries" in response.json()["detail"]
    assert _checksum(shop) == before
    log = _log(clean_platform)
    assert len(log) == len(ATTACKS) and not any(e.executed or e.valid for e in log)


def test_without_an_llm_the_offline_planner_answers_simple_questions(
    client: TestClient, shop: Path, clean_platform: ApiRuntime
) -> None:
    response = client.post(
        "/v1/projects/ask-shop/ask", json={"question": "How many orders were cancelled or refunded?"}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    body = response.json()
    with sqlite3.connect(shop) as db:
        expected = db.execute("SELECT COUNT(*) FROM orders WHERE status IN ('cancelled', 'refunded')").fetchone()[0]
    assert body["answered_by"] == "offline_planner" and body["rows"] == [[expected]] and body["tokens"] == 0
    assert body["chart"]["mark"]["type"] == "text"  # a single number
    # The answer explains itself: each part of its SQL, with the words of the question it answers.
    explanation = body["explanation"]
    parts = {p["kind"]: p for p in explanation["parts"]}
    assert explanation["unaccounted"] == [] and explanation["text"].startswith("The number of")
    assert "orders" in parts["source"]["words"] and {"cancelled", "refunded"} <= set(parts["filter"]["words"])
    assert "cancelled" in parts["filter"]["sql"]
    [entry] = _log(clean_platform)
    assert entry.valid and entry.executed and entry.sql == body["sql"]
    # A fresh ask says where its time went, part by part, for an operator to read.
    timing = dict(part.split(";dur=") for part in response.headers["server-timing"].split(", "))
    parts = ["embed", "read", "model", "retrieve", "plan", "explain", "execute", "log"]
    assert [name for name in timing if name in parts] == parts and list(timing)[-1] == "total"
    assert sum(float(ms) for name, ms in timing.items() if name != "total") <= float(timing["total"])


def test_without_an_llm_a_question_beyond_the_planner_says_one_is_needed(
    client: TestClient, shop: Path, clean_platform: ApiRuntime
) -> None:
    response = client.post(
        "/v1/projects/ask-shop/ask", json={"question": "Which customers have never ordered?"}, headers=ADMIN
    )
    detail = response.json()["detail"]
    assert response.status_code == 422 and "no language model configured" in detail
    assert "HUGDATA_" not in detail and "HUGDATA_LLM_BASE_URL" in response.json()["admin_hint"]
    assert "'never'" in detail  # what it could not place
    # ... and what it can answer instead: every suggestion is answered
    suggestions = re.findall(r"'([^']+\?|[^']+ per month)'", detail.split("for example:", 1)[1])
    assert suggestions
    for question in suggestions:
        answered = client.post("/v1/projects/ask-shop/ask", json={"question": question}, headers=ADMIN)
        assert answered.status_code == 200, (question, answered.text)
    assert [e.error_class for e in _log(clean_platform)][0] == "planner_declined"


def test_another_projects_key_cannot_ask(api: TestClient, shop: Path, clean_platform: ApiRuntime) -> None:
    register(clean_platform, "other")
    token = api.post("/v1/projects/other/keys", json={}, headers=ADMIN).json()["token"]
    response = api.post(
        "/v1/projects/ask-shop/ask", json={"question": "orders"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404


def test_asks_feed_the_query_log_pages_and_the_usage_analytics(
    api: TestClient, shop: Path, clean_platform: ApiRuntime, settings: Settings
) -> None:
    ScriptedLlm.answers = [
        "SELECT country_code, COUNT(*) AS n FROM main.customers GROUP BY country_code",
        "SELECT status, COUNT(*) AS n FROM main.orders GROUP BY status",
        "DROP TABLE main.orders",
        "DROP TABLE main.orders",
    ]
    for question in ("customers per country", "orders per status", "delete everything"):
        api.post("/v1/projects/ask-shop/ask", json={"question": question}, headers=ADMIN)
    first = api.get("/v1/projects/ask-shop/queries?limit=2", headers=ADMIN).json()
    assert [q["question"] for q in first["items"]] == ["delete everything", "orders per status"]
    rest = api.get(f"/v1/projects/ask-shop/queries?limit=2&before={first['next_before']}", headers=ADMIN).json()
    assert [q["question"] for q in rest["items"]] == ["customers per country"] and rest["next_before"] is None
    assert api.get("/v1/projects/ask-shop/analytics", headers=ADMIN).status_code == 409  # not computed yet

    # The hourly schedule picks exactly the projects that asked in the last hour.
    from dagster import build_schedule_context

    from hugdata.platform.automation import batch_members
    from hugdata.platform.resources import PlatformDatabaseResource
    from hugdata.platform.schedules import build_hourly_analytics_refresh

    register(clean_platform, "quiet")
    with build_schedule_context(
        scheduled_execution_time=datetime.now(UTC), resources={"platform_db": PlatformDatabaseResource()}
    ) as context:
        requests = build_hourly_analytics_refresh()(context)
    assert [batch_members(r.tags) for r in requests or []] == [["ask-shop"]]  # one batch, only the asker

    instance = open_instance(settings.resolved_dagster_home)
    job = defs.resolve_job_def("analytics_refresh")
    assert job.execute_in_process(partition_key="ask-shop", instance=instance).success
    instance.dispose()
    summary = api.get("/v1/projects/ask-shop/analytics", headers=ADMIN).json()["summary"]
    assert summary["questions"] == 3 and summary["success_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert {t["table"] for t in summary["top_tables"]} == {"main.customers", "main.orders"}
    assert summary["error_classes"] == {"not_read_only": 1}
    assert summary["latency_ms"]["p95"] >= summary["latency_ms"]["p50"] > 0


def _refresh_analytics(settings: Settings, project_id: str) -> None:
    instance = open_instance(settings.resolved_dagster_home)
    try:
        job = defs.resolve_job_def("analytics_refresh")
        assert job.execute_in_process(partition_key=project_id, instance=instance).success
    finally:
        instance.dispose()


def test_past_successful_pairs_are_indexed_and_shown_to_the_llm_for_similar_questions(
    api: TestClient, shop: Path, clean_platform: ApiRuntime, settings: Settings
) -> None:
    revenue_sql = "SELECT shipping_country_code, SUM(total_amount) AS revenue FROM main.orders GROUP BY 1"
    ScriptedLlm.answers = [revenue_sql, "DROP TABLE main.orders", "DROP TABLE main.orders"]
    asked = api.post(
        "/v1/projects/ask-shop/ask", json={"question": "Revenue split by destination country"}, headers=ADMIN
    )
    assert asked.status_code == 200
    refused = api.post("/v1/projects/ask-shop/ask", json={"question": "wipe the orders"}, headers=ADMIN)
    assert refused.status_code == 422
    _refresh_analytics(settings, "ask-shop")
    with clean_platform.sessions() as session:
        pairs = session.execute(
            select(SchemaDocumentRow.title, SchemaDocumentRow.tables).where(
                SchemaDocumentRow.project_id == "ask-shop", SchemaDocumentRow.kind == "past_query"
            )
        ).all()
    assert [(title, list(tables)) for title, tables in pairs] == [
        ("Revenue split by destination country", ["main.orders"])
    ]

    ScriptedLlm.requests.clear()
    ScriptedLlm.answers = ["SELECT COUNT(*) FROM main.orders"]
    # Another year than the pair's (none): not a paraphrase to reuse, so the LLM writes it, shown the pair.
    api.post(
        "/v1/projects/ask-shop/ask",
        json={"question": "What is the revenue by destination country in 2025?"},
        headers=ADMIN,
    )
    prompt = ScriptedLlm.requests[0]["messages"][1]["content"]
    assert f"answered before with: {asked.json()['sql']}" in prompt
    assert "wipe the orders" not in prompt
    # The pairs survive a re-run of the catalog, whose index owns only the schema's own documents.
    instance = open_instance(settings.resolved_dagster_home)
    catalog = [defs.get_assets_def(k) for k in ("database_schema", "semantic_model", "schema_vector_index")]
    assert materialize(catalog, partition_key="ask-shop", instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
    instance.dispose()
    with clean_platform.sessions() as session:
        kinds = dict(
            session.execute(
                select(SchemaDocumentRow.kind, func.count())
                .where(SchemaDocumentRow.project_id == "ask-shop")
                .group_by(SchemaDocumentRow.kind)
            ).all()
        )
    assert kinds["past_query"] == 1 and kinds["table"] == 6
