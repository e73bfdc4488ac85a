"""Hostile SQL written by an LLM, through the real ask route, on real sources that hold canaries outside the tenant's
model: PostgreSQL as a superuser with standard_conforming_strings off on the database (a schema "PUBLIC", a schema
whose name Python lowercases to one of the model's, a child table of a model table, a materialized view shadowing a
model table on the search path), MariaDB as root with lower_case_table_names=0 (the model's database name in capitals,
a table created after the sync in other case), a SQLite file (a table created after the sync). Every hostile
statement is refused and none reaches the database; every containment statement is refused or reads no canary; and
nothing about the source changes."""

from __future__ import annotations

import dataclasses
import json
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
from tests.api.canaries import canaries, canary_reads, late_canaries
from tests.helpers import ADMIN_TOKEN, catalogued
from tests.llm import ScriptedLlm, scripted_llm
from tests.query.hostile_sql import CANARY, containment_for, hostile_for
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
    with demo_source(request.param, "demo-shop", tmp_path) as plain, canaries(plain) as spec:
        catalogued(clean_platform, settings.resolved_dagster_home, "hostile-shop", spec)
        late_canaries(spec)
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


def test_containment_statements_are_refused_or_read_no_canary_and_change_nothing(
    shop: DataSourceSpec, api: TestClient
) -> None:
    family = "mysql" if shop.dialect.value == "mariadb" else shop.dialect.value
    statements = containment_for(family, database=shop.database or "")
    assert len(statements) >= 5
    # The canaries are there to be read: the raw statements would read them.
    assert canary_reads(shop) > 0
    before = source_fingerprint(shop, SHOP_TABLES)
    answered = []
    for i, statement in enumerate(statements):
        ScriptedLlm.by_question[f"contained {i}"] = statement.sql
        response = api.post("/v1/projects/hostile-shop/ask", json={"question": f"contained {i}"}, headers=ADMIN)
        assert response.status_code in (200, 422), (statement, response.text)
        assert CANARY not in response.text, (statement, response.text[:500])
        if response.status_code == 200:
            json.loads(response.text, parse_constant=_no_constants)  # strict JSON, whatever the values
            answered.append(response.json()["sql"])
    assert source_fingerprint(shop, SHOP_TABLES) == before
    assert canary_reads(shop) > 0  # still there, unchanged: the check above read no canary because none was read
    if shop.dialect.value == "postgresql":
        # What ran names the model's tables exactly: ONLY public.customers, the kiosk schema's invoices.
        assert any('FROM ONLY "public"."customers"' in sql for sql in answered)
        assert any('FROM ONLY "kiosk"."invoices"' in sql for sql in answered)


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")
