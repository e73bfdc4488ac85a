"""Conversation threads: a follow-up refines the previous answer (offline planner) or reaches the LLM with the turns
before it; threads are listed newest first per end user, bounded in turns, kept for a retention period, and no
project sees another's."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select, text

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.conversations.store import Thread, ThreadTurn
from hugdata.tenants.offboarding import purge_project
from tests.helpers import ADMIN_TOKEN, catalogued_shop, project_keys
from tests.llm import ScriptedLlm, scripted_llm

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
THREADS = "/v1/projects/talk-shop/threads"


@pytest.fixture
def shop(clean_platform: ApiRuntime, settings: Settings, tmp_path: Path) -> Path:
    return catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "talk-shop")


def _rows(path: Path, sql: str) -> list[list[object]]:
    with sqlite3.connect(path) as db:
        return [list(r) for r in db.execute(sql).fetchall()]


def _ask(client: TestClient, thread: int, question: str, headers: dict[str, str] = ADMIN) -> dict:
    response = client.post(f"{THREADS}/{thread}/ask", json={"question": question}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_each_follow_up_refines_the_previous_answer_and_says_what_changed(client: TestClient, shop: Path) -> None:
    started = client.post(THREADS, json={}, headers={**ADMIN, "X-HugData-User": "user-7"})
    assert started.status_code == 201, started.text
    thread = started.json()["id"]
    first = _ask(client, thread, "How many orders are there per status?")
    assert first["answered_by"] == "offline_planner" and first["changes"] == [] and first["turn"] == 1
    only = _ask(client, thread, "only 2025")
    assert sorted(only["rows"]) == _rows(
        shop, "SELECT status, COUNT(*) FROM orders WHERE ordered_at >= '2025-01-01' AND ordered_at < '2026-01-01' "
        "GROUP BY status ORDER BY status")  # fmt: skip
    assert only["changes"] == ["only 2025 (ordered at)"]
    assert only["explanation"]["text"].startswith("Changed from the previous answer: only 2025")
    top = _ask(client, thread, "which status had the most?")
    assert top["rows"] == _rows(
        shop, "SELECT status, COUNT(*) FROM orders WHERE ordered_at >= '2025-01-01' AND ordered_at < '2026-01-01' "
        "GROUP BY status ORDER BY COUNT(*) DESC LIMIT 1")  # fmt: skip
    # The measure swapped, the year and the ranking kept.
    average = _ask(client, thread, "average total amount instead")
    assert average["rows"] == _rows(
        shop, "SELECT status, AVG(total_amount) FROM orders WHERE ordered_at >= '2025-01-01' "
        "AND ordered_at < '2026-01-01' GROUP BY status ORDER BY AVG(total_amount) DESC LIMIT 1")  # fmt: skip
    # A grouping from a table one relationship away: the customers' country, joined.
    by_country = _ask(client, thread, "by country code instead")
    assert "JOIN" in by_country["sql"] and len(by_country["rows"]) == 1
    detail = client.get(f"{THREADS}/{thread}", headers=ADMIN).json()
    assert detail["title"] == "How many orders are there per status?" and detail["end_user"] == "user-7"
    assert [(t["turn"], t["outcome"], bool(t["changes"])) for t in detail["turns"]] == [
        (1, "answered", False), (2, "answered", True), (3, "answered", True), (4, "answered", True),
        (5, "answered", True)]  # fmt: skip
    assert detail["turns"][1]["row_count"] == len(only["rows"]) and detail["turns"][1]["query_id"] == only["query_id"]
    assert "LIMIT 101" not in detail["turns"][0]["sql"]  # the row cap is not part of what a follow-up refines


def test_a_follow_up_that_cannot_be_applied_is_declined_naming_its_words(client: TestClient, shop: Path) -> None:
    thread = client.post(THREADS, json={"title": "orders"}, headers=ADMIN).json()["id"]
    _ask(client, thread, "How many orders are there per status?")
    declined = client.post(f"{THREADS}/{thread}/ask", json={"question": "only the shiny ones"}, headers=ADMIN)
    assert declined.status_code == 422 and "'shiny'" in declined.json()["detail"], declined.text
    # A fragment is never planned alone: "and the products" would list every product.
    fragment = client.post(f"{THREADS}/{thread}/ask", json={"question": "and the products"}, headers=ADMIN)
    assert fragment.status_code == 422 and "'products'" in fragment.json()["detail"], fragment.text
    # A question of its own in the thread is planned as one.
    fresh = _ask(client, thread, "How many customers are there?")
    assert fresh["rows"] == _rows(shop, "SELECT COUNT(*) FROM customers") and fresh["changes"] == []
    turns = client.get(f"{THREADS}/{thread}", headers=ADMIN).json()["turns"]
    assert [(t["outcome"], t["error"] is not None) for t in turns] == [
        ("answered", False), ("declined", True), ("declined", True), ("answered", False)]  # fmt: skip


def test_threads_are_listed_newest_first_per_end_user_a_page_at_a_time(client: TestClient, shop: Path) -> None:
    made = [client.post(THREADS, json={"title": f"t{i}"}, headers={**ADMIN, "X-HugData-User": f"u{i % 2}"}).json()
            for i in range(5)]  # fmt: skip
    page = client.get(THREADS, params={"limit": 2}, headers=ADMIN).json()
    assert [t["title"] for t in page["items"]] == ["t4", "t3"] and page["next_before"] == made[3]["id"]
    rest = client.get(THREADS, params={"limit": 10, "before": page["next_before"]}, headers=ADMIN).json()
    assert [t["title"] for t in rest["items"]] == ["t2", "t1", "t0"] and rest["next_before"] is None
    mine = client.get(THREADS, params={"end_user": "u1"}, headers=ADMIN).json()
    assert [t["title"] for t in mine["items"]] == ["t3", "t1"]


def test_a_thread_holds_a_bounded_number_of_turns(clean_platform: ApiRuntime, shop: Path) -> None:
    runtime = dataclasses.replace(
        clean_platform, settings=clean_platform.settings.model_copy(update={"thread_max_turns": 2})
    )
    with TestClient(create_app(runtime=runtime)) as client:
        thread = client.post(THREADS, json={}, headers=ADMIN).json()["id"]
        _ask(client, thread, "How many orders are there?")
        _ask(client, thread, "How many customers are there?")
        full = client.post(f"{THREADS}/{thread}/ask", json={"question": "How many products are there?"}, headers=ADMIN)
    assert full.status_code == 409 and "limit of 2 turns" in full.json()["detail"]


def test_idle_threads_go_after_the_retention_period_and_all_go_with_the_project(
    client: TestClient, shop: Path, clean_platform: ApiRuntime
) -> None:
    old = client.post(THREADS, json={"title": "old"}, headers=ADMIN).json()["id"]
    _ask(client, old, "How many orders are there?")
    with clean_platform.engine.begin() as conn:
        conn.execute(text("UPDATE threads SET updated_at = now() - interval '91 days' WHERE id = :id"), {"id": old})
    client.post(THREADS, json={"title": "new"}, headers=ADMIN)
    assert client.get(f"{THREADS}/{old}", headers=ADMIN).status_code == 404
    assert [t["title"] for t in client.get(THREADS, headers=ADMIN).json()["items"]] == ["new"]
    with clean_platform.sessions() as session:
        purge_project(session, partitions=clean_platform.partitions, project_id="talk-shop")
        assert session.scalar(select(func.count()).select_from(Thread)) == 0
        assert session.scalar(select(func.count()).select_from(ThreadTurn)) == 0


def test_a_project_key_sees_and_asks_only_its_own_threads(
    client: TestClient, shop: Path, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / "b", "other-shop")
    keys = project_keys(client, "talk-shop", "other-shop")
    mine = client.post(THREADS, json={"title": "mine"}, headers=keys["talk-shop"]).json()["id"]
    _ask(client, mine, "How many orders are there?", headers=keys["talk-shop"])
    other = keys["other-shop"]
    assert client.get(f"{THREADS}/{mine}", headers=other).status_code == 404
    assert client.post(f"{THREADS}/{mine}/ask", json={"question": "x"}, headers=other).status_code == 404
    # Its own project's routes do not reach the thread either: the ID belongs to another project.
    foreign = "/v1/projects/other-shop/threads"
    assert client.get(f"{foreign}/{mine}", headers=other).status_code == 404
    assert client.post(f"{foreign}/{mine}/ask", json={"question": "top 5"}, headers=other).status_code == 404
    assert client.get(foreign, headers=other).json()["items"] == []
    assert client.post(THREADS, json={}, headers={}).status_code == 401


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


def test_with_an_llm_every_turn_carries_the_previous_questions_and_sql(
    clean_platform: ApiRuntime, shop: Path, llm_url: str
) -> None:
    ScriptedLlm.reset()
    update = {"llm_base_url": llm_url, "llm_model": "m", "llm_api_key": SecretStr("sk-x"), "ask_max_tries": 1}
    runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
    ScriptedLlm.by_question = {
        "orders per status": "SELECT status, COUNT(*) AS n FROM main.orders GROUP BY status",
        "only 2025": "SELECT status, COUNT(*) AS n FROM main.orders WHERE ordered_at >= '2025-01-01' GROUP BY status",
        "top 2": "SELECT status, COUNT(*) AS n FROM main.orders WHERE ordered_at >= '2025-01-01' GROUP BY status "
        "ORDER BY n DESC LIMIT 2",
    }
    with TestClient(create_app(runtime=runtime)) as client:
        thread = client.post(THREADS, json={}, headers=ADMIN).json()["id"]
        answers = [_ask(client, thread, question) for question in list(ScriptedLlm.by_question)]
    assert [a["answered_by"] for a in answers] == ["llm"] * 3
    # Whoever wrote the SQL, each follow-up says what it changed from the answer before.
    assert answers[0]["changes"] == [] and any("2025" in c for c in answers[1]["changes"]), answers[1]["changes"]
    assert all(c.startswith("now ") for c in answers[2]["changes"]) and len(answers[2]["changes"]) == 2
    prompts = [r["messages"][1]["content"] for r in ScriptedLlm.requests]
    assert "Earlier in this conversation" not in prompts[0]
    # The SQL as it ran: validated, its tables pinned to the source's names.
    assert '"orders per status" was answered with: SELECT status, COUNT(*) AS n FROM "main"."orders"' in prompts[1]
    assert '"only 2025" was answered with:' in prompts[2] and '"orders per status"' in prompts[2]
    # Retrieval puts the thread's table first, whatever "top 2" alone would rank.
    assert prompts[2].split("Tables (most relevant first):\n", 1)[1].startswith("main.orders(")
