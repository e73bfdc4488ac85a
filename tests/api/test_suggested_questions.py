"""GET /v1/projects/{id}/suggested-questions: varied questions over the most connected tables and the curated
metrics, every one answered when asked; found again when the semantic layer changes; a project's own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from tests.helpers import ADMIN_TOKEN, catalogued_shop, project_keys, resync

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
URL = "/v1/projects/hint-shop"


@pytest.fixture
def shop(clean_platform: ApiRuntime, settings: Settings, tmp_path: Path) -> Path:
    return catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "hint-shop")


def test_every_suggested_question_is_answered_when_asked(client: TestClient, shop: Path) -> None:
    assert (
        client.post(f"{URL}/ask", json={"question": "How many orders were cancelled?"}, headers=ADMIN).status_code
        == 200
    )
    body = client.get(f"{URL}/suggested-questions", headers=ADMIN).json()
    questions = body["questions"]
    assert 3 <= len(questions) <= 6, questions
    # Varied: several tables, and the users' own answered question among them.
    assert len({t for q in questions for t in q["tables"]}) >= 2
    assert ("How many orders were cancelled?", "past_question") in [(q["question"], q["source"]) for q in questions]
    for suggestion in questions:
        answer = client.post(f"{URL}/ask", json={"question": suggestion["question"]}, headers=ADMIN)
        assert answer.status_code == 200 and answer.json()["executed"], (suggestion, answer.text)


def test_a_new_semantic_layer_brings_its_metrics_into_the_suggestions(client: TestClient, shop: Path) -> None:
    before = client.get(f"{URL}/suggested-questions", headers=ADMIN).json()
    assert not [q for q in before["questions"] if q["source"] == "metric"]
    layer = client.get(f"{URL}/semantic-layer", headers=ADMIN).json()
    metric = {"name": "paid revenue", "table": "main.orders", "expression": "SUM(total_amount)",
              "filters": ["status = 'paid'"], "time_column": "ordered_at", "grain": "month"}  # fmt: skip
    put = client.put(f"{URL}/semantic-layer", json={"metrics": [metric]}, headers={**ADMIN, "If-Match": layer["etag"]})
    assert put.status_code == 200, put.text
    after = client.get(f"{URL}/suggested-questions", headers=ADMIN).json()
    assert after["computed_for"] != before["computed_for"]
    assert after["questions"][0] == {
        "question": "paid revenue per month",
        "source": "metric",
        "tables": ["main.orders"],
    }
    answer = client.post(f"{URL}/ask", json={"question": "paid revenue per month"}, headers=ADMIN)
    assert answer.status_code == 200 and "'paid'" in answer.json()["sql"]


def test_suggestions_are_the_projects_own(
    client: TestClient, shop: Path, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / "b", "hint-other")
    other = project_keys(client, "hint-other")["hint-other"]
    assert client.get(f"{URL}/suggested-questions", headers=other).status_code == 404
    own = client.get("/v1/projects/hint-other/suggested-questions", headers=other)
    assert own.status_code == 200 and own.json()["questions"], own.text


def test_a_schema_change_finds_them_again(client: TestClient, shop: Path, settings: Settings) -> None:
    before = client.get(f"{URL}/suggested-questions", headers=ADMIN).json()
    with sqlite3.connect(shop) as db:
        db.execute("CREATE TABLE coupons (id INTEGER PRIMARY KEY, code TEXT, percent_off INTEGER)")
    resync(settings.resolved_dagster_home, "hint-shop")
    after = client.get(f"{URL}/suggested-questions", headers=ADMIN).json()
    assert before["computed_for"] == "schema 1, layer 0" and after["computed_for"] == "schema 2, layer 0"
