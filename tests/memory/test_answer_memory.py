"""Answer memory: a repeated question of a project is answered from memory, marked cached with the original time;
a new schema version, other options, expiry or another tenant all mean a fresh answer."""

import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from dagster import materialize
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select, text, update

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.memory.answers import RememberedAnswer, normalized_question
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from tests.helpers import ADMIN_TOKEN, catalogued_shop
from tests.llm import ScriptedLlm, scripted_llm

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
COUNT = "SELECT COUNT(*) AS n FROM main.orders"


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


@pytest.fixture
def api(clean_platform: ApiRuntime, llm_url: str) -> Iterator[TestClient]:
    ScriptedLlm.reset()
    update_ = {
        "llm_base_url": llm_url,
        "llm_model": "sql-writer",
        "llm_api_key": SecretStr("sk-test-" + "7" * 20),
        "answer_cache_ttl": timedelta(minutes=10),
    }
    runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update_))
    with TestClient(create_app(runtime=runtime)) as client:
        yield client


def _ask(api: TestClient, project_id: str, question: str, headers: dict[str, str] = ADMIN, **options: object) -> dict:
    response = api.post(f"/v1/projects/{project_id}/ask", json={"question": question, **options}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_normalized_questions_ignore_case_spacing_and_closing_punctuation() -> None:
    assert normalized_question("  How many   Orders? ") == normalized_question("how many orders") == "how many orders"
    assert normalized_question("orders in 2024") != normalized_question("orders in 2025")


def test_a_repeat_is_answered_from_memory_until_the_schema_changes(
    api: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    shop = catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "mem-shop")
    ScriptedLlm.by_question["How many orders?"] = COUNT
    ScriptedLlm.by_question["how many orders"] = COUNT
    first = _ask(api, "mem-shop", "How many orders?")
    assert first["cached"] is False and first["answered_at"] is None
    repeat = api.post("/v1/projects/mem-shop/ask", json={"question": "how many  orders"}, headers=ADMIN)
    assert repeat.headers["server-timing"].startswith("memory;dur=")  # the server's own lookup time
    again = repeat.json()
    assert again["cached"] is True and again["answered_at"] and again["rows"] == first["rows"]
    assert {k: v for k, v in again.items() if k not in ("cached", "answered_at", "age_seconds")} == {
        k: v for k, v in first.items() if k not in ("cached", "answered_at", "age_seconds")
    }
    assert first["age_seconds"] is None and 0 <= again["age_seconds"] < 60 and int(repeat.headers["age"]) >= 0
    assert len(ScriptedLlm.requests) == 1  # the LLM was asked once
    assert _ask(api, "mem-shop", "How many orders?", max_rows=5)["cached"] is False  # other options: fresh

    with sqlite3.connect(shop) as db:  # a new schema version: what was remembered no longer holds
        db.execute("ALTER TABLE orders ADD COLUMN shipped_at TIMESTAMP")
    instance = open_instance(settings.resolved_dagster_home)
    try:
        schema = [defs.get_assets_def("database_schema")]
        assert materialize(schema, partition_key="mem-shop", instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
    finally:
        instance.dispose()
    assert _ask(api, "mem-shop", "How many orders?")["cached"] is False
    assert _ask(api, "mem-shop", "How many orders?")["cached"] is True

    with clean_platform.sessions() as session:  # expired: asked afresh
        session.execute(update(RememberedAnswer).values(expires_at=func.now() - timedelta(seconds=1)))
        session.commit()
    assert _ask(api, "mem-shop", "How many orders?")["cached"] is False


def test_a_caller_may_ask_for_a_fresh_answer_which_replaces_the_remembered_one(
    api: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    shop = catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "mem-fresh")
    ScriptedLlm.by_question["How many orders?"] = COUNT
    before = _ask(api, "mem-fresh", "How many orders?")["rows"]
    with sqlite3.connect(shop) as db:  # the data changes; the schema does not
        db.execute("DELETE FROM order_items WHERE order_id IN (SELECT id FROM orders WHERE id <= 10)")
        db.execute("DELETE FROM orders WHERE id <= 10")
    assert _ask(api, "mem-fresh", "How many orders?")["rows"] == before  # remembered, and says so
    fresh = _ask(api, "mem-fresh", "How many orders?", fresh=True)
    assert fresh["cached"] is False and fresh["rows"] == [[before[0][0] - 10]]
    no_cache = api.post("/v1/projects/mem-fresh/ask", json={"question": "How many orders?"},
                        headers={**ADMIN, "Cache-Control": "no-cache"}).json()  # fmt: skip
    assert no_cache["cached"] is False and no_cache["rows"] == fresh["rows"]
    remembered = _ask(api, "mem-fresh", "How many orders?")  # the fresh answer replaced the old one
    assert remembered["cached"] is True and remembered["rows"] == fresh["rows"]


def test_memory_is_never_shared_across_tenants_and_goes_with_the_project(
    api: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    for project_id in ("mem-a", "mem-b"):
        catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / project_id, project_id)
    ScriptedLlm.by_question["How many orders?"] = COUNT
    key_a = api.post("/v1/projects/mem-a/keys", json={}, headers=ADMIN).json()["token"]
    tenant_a = {"Authorization": f"Bearer {key_a}"}
    assert _ask(api, "mem-a", "How many orders?", tenant_a)["cached"] is False
    assert _ask(api, "mem-a", "How many orders?", tenant_a)["cached"] is True  # under the tenant's own row security
    assert _ask(api, "mem-b", "How many orders?")["cached"] is False  # same question, same schema: not shared
    with clean_platform.engine.begin() as conn:
        conn.execute(text("DELETE FROM projects WHERE id = 'mem-a'"))
    with clean_platform.sessions() as session:
        left = session.scalars(select(RememberedAnswer.project_id)).all()
    assert left == ["mem-b"]


def test_expired_answers_are_deleted_and_valid_ones_kept(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    from hugdata.memory.answers import forget_expired, remember
    from tests.helpers import register

    register(clean_platform, "mem-bare")
    with clean_platform.sessions() as session:  # no catalog yet: nothing to remember an answer against
        assert remember(session, project_id="mem-bare", key="k", response="{}", ttl=timedelta(minutes=5)) is False
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "mem-expiry")
    with clean_platform.sessions() as session:
        for key, ttl in (("old", timedelta(seconds=-1)), ("new", timedelta(minutes=5))):
            assert remember(session, project_id="mem-expiry", key=key, response="{}", ttl=ttl)
        session.commit()
    with clean_platform.sessions() as session:
        assert forget_expired(session) == 1
        session.commit()
        assert session.scalars(select(RememberedAnswer.question_key)).all() == ["new"]
