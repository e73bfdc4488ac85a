"""Hostile SQL written by an LLM, through the real ask route, on real sources (PostgreSQL as a superuser, MariaDB as
root, a SQLite file): every statement is refused, none reaches the database, and nothing about the source changes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.query import ask as ask_module
from hugdata.query.log import QueryLogEntry
from hugdata.tenants.data_sources import DataSourceSpec
from tests.helpers import ADMIN_TOKEN, catalogued
from tests.llm import ScriptedLlm, scripted_llm
from tests.query.hostile_sql import hostile_for
from tests.sources import demo_source, source_fingerprint

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SHOP_TABLES = ["categories", "products", "customers", "orders", "order_items", "product_reviews"]


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def shop(
    request: pytest.FixtureRequest, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> Iterator[DataSourceSpec]:
    with demo_source(request.param, "demo-shop", tmp_path) as spec:
        catalogued(clean_platform, settings.resolved_dagster_home, "hostile-shop", spec)
        yield spec


@pytest.fixture
def api(clean_platform: ApiRuntime, llm_url: str) -> Iterator[TestClient]:
    ScriptedLlm.reset()
    update = {"llm_base_url": llm_url, "llm_model": "sql-writer", "llm_api_key": SecretStr("sk-x"), "ask_max_tries": 2}
    runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
    with TestClient(create_app(runtime=runtime)) as client:
        yield client


def test_hostile_sql_from_the_llm_is_refused_never_runs_and_changes_nothing(
    shop: DataSourceSpec, api: TestClient, clean_platform: ApiRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = "mysql" if shop.dialect.value == "mariadb" else shop.dialect.value
    hostile = hostile_for(family)
    assert len(hostile) >= 80
    before = source_fingerprint(shop, SHOP_TABLES)
    executed: list[str] = []
    run_for_real = ask_module.execute_validated

    def watched(engine, query, **kwargs):  # type: ignore[no-untyped-def]
        executed.append(query.sql)
        return run_for_real(engine, query, **kwargs)

    monkeypatch.setattr(ask_module, "execute_validated", watched)
    for i, statement in enumerate(hostile):
        ScriptedLlm.by_question[f"question {i}"] = statement.sql
        response = api.post("/v1/projects/hostile-shop/ask", json={"question": f"question {i}"}, headers=ADMIN)
        assert response.status_code == 422, (statement, response.text)
        assert "no valid SQL after 2 tries" in response.json()["detail"]
    assert executed == []
    assert source_fingerprint(shop, SHOP_TABLES) == before
    with clean_platform.sessions() as session:
        log = list(session.scalars(select(QueryLogEntry).where(QueryLogEntry.project_id == "hostile-shop")))
    assert len(log) == len(hostile) and not any(e.executed or e.valid for e in log)
    # The same path runs what is allowed: the check above is not a route that refuses everything.
    ScriptedLlm.by_question["how many orders"] = "SELECT COUNT(*) AS n FROM orders"
    answer = api.post("/v1/projects/hostile-shop/ask", json={"question": "how many orders"}, headers=ADMIN)
    assert answer.status_code == 200 and answer.json()["rows"] == [[1500]] and len(executed) == 1
