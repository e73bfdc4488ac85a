"""What an answer carries, on every dialect: rows bounded in bytes as they are read, binary values as base64 in a
typed column, exact decimals as JSON numbers; never a 500, and the connection stays usable after an error."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.source_engines import open_source_engine
from tests.helpers import ADMIN_TOKEN, catalogued
from tests.llm import ScriptedLlm, scripted_llm
from tests.sources import demo_source

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BIG_TEXT = {
    "sqlite": "SELECT id, printf('%.200000c', 'x') AS big FROM orders",
    "postgresql": "SELECT id, repeat('x', 200000) AS big FROM orders",
    "mariadb": "SELECT id, REPEAT('x', 200000) AS big FROM orders",
}
BINARY = {
    "sqlite": "SELECT x'ff00fe' AS b, 1 AS n",
    "postgresql": "SELECT decode('ff00fe', 'hex') AS b, 1 AS n",
    "mariadb": "SELECT UNHEX('FF00FE') AS b, 1 AS n",
}


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def shop(
    request: pytest.FixtureRequest, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> Iterator[tuple[str, DataSourceSpec]]:
    with demo_source(request.param, "demo-shop", tmp_path) as spec:
        catalogued(clean_platform, settings.resolved_dagster_home, "answers", spec)
        yield request.param, spec


@pytest.fixture
def api(clean_platform: ApiRuntime, llm_url: str) -> Iterator[TestClient]:
    ScriptedLlm.reset()
    update = {
        "llm_base_url": llm_url,
        "llm_model": "sql-writer",
        "llm_api_key": SecretStr("sk-x"),
        "ask_max_tries": 1,
        "ask_max_result_bytes": 1024 * 1024,
    }
    runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
    with TestClient(create_app(runtime=runtime)) as client:
        yield client


def _ask(api: TestClient, sql: str, **options: object) -> httpx.Response:
    ScriptedLlm.by_question["q"] = sql
    return api.post("/v1/projects/answers/ask", json={"question": "q", **options}, headers=ADMIN)


def test_rows_stop_at_the_byte_cap_while_they_are_read(shop: tuple[str, DataSourceSpec], api: TestClient) -> None:
    dialect, _ = shop
    response = _ask(api, BIG_TEXT[dialect], max_rows=1000)
    assert response.status_code == 200, response.text
    body = response.json()
    # 1,500 rows of 200 kB would be 300 MB; 1 MiB of them is 5.
    assert body["truncated"] is True and body["truncated_by"] == "max_bytes"
    assert len(body["rows"]) == 5 and len(response.content) < 1024 * 1024 + 10_000
    assert body["column_types"] == ["integer", "text"]


def test_binary_values_come_as_base64_in_a_binary_column(shop: tuple[str, DataSourceSpec], api: TestClient) -> None:
    dialect, _ = shop
    response = _ask(api, BINARY[dialect])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"] == [["/wD+", 1]] and body["column_types"] == ["binary", "integer"]


def test_numbers_are_json_numbers_and_decimals_keep_every_digit(
    shop: tuple[str, DataSourceSpec], api: TestClient
) -> None:
    dialect, spec = shop
    response = _ask(api, "SELECT SUM(total_amount) AS revenue, AVG(total_amount) AS mean, COUNT(*) AS n FROM orders")
    assert response.status_code == 200, response.text
    revenue, mean, n = response.json()["rows"][0]
    assert isinstance(revenue, float | int) and isinstance(mean, float) and n == 1500
    exact = json.loads(response.text, parse_float=Decimal)["rows"][0]
    if dialect == "postgresql":
        # numeric AVG has more digits than a double: all of them are in the answer, as a number.
        assert response.json()["column_types"] == ["decimal", "decimal", "integer"]
        assert len(str(exact[1]).replace(".", "")) > 17
    engine = open_source_engine(spec)
    with engine.connect() as conn:
        direct = conn.exec_driver_sql("SELECT SUM(total_amount), AVG(total_amount) FROM orders").one()
    engine.dispose()
    assert exact[0] == Decimal(str(direct[0])) and exact[1] == Decimal(str(direct[1]))


def test_a_failing_query_is_a_422_and_the_connection_keeps_serving(
    shop: tuple[str, DataSourceSpec], api: TestClient
) -> None:
    dialect, _ = shop
    # Valid for the model, but the database refuses it when it runs (malformed JSON on SQLite, a subquery with
    # more than one row on the servers): a 422 with the cause, and the next request on the connection works.
    failing = {
        "sqlite": "SELECT json_extract('not json', '$.a') AS y",
        "postgresql": "SELECT id FROM orders WHERE id = (SELECT id FROM orders)",
        "mariadb": "SELECT id FROM orders WHERE id = (SELECT id FROM orders)",
    }[dialect]
    response = _ask(api, failing)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("the query failed on the project's ") and "database at" in detail
    assert api.get("/healthz").status_code == 200
