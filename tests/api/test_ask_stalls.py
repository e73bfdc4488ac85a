"""A tenant whose asks run as long as they may does not slow another tenant's: two endless asks of one project end at
the statement limit with a clear timeout, while another project's asks keep their normal latency."""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from tests.helpers import ADMIN_TOKEN, catalogued
from tests.llm import ScriptedLlm, scripted_llm

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LIMIT_S = 2
ENDLESS = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) AS n FROM r"


@pytest.fixture
def api(clean_platform: ApiRuntime, settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    for project_id, folder in (("stalling", "a"), ("neighbour", "b")):
        path = build_demo_database(DEMO_TENANTS[0], tmp_path / folder)
        catalogued(clean_platform, settings.resolved_dagster_home, project_id,
                   DataSourceSpec(dialect=Dialect.sqlite, path=str(path)))  # fmt: skip
    with scripted_llm() as url:
        ScriptedLlm.reset()
        update = {"llm_base_url": url, "llm_model": "sql-writer", "llm_api_key": SecretStr("sk-x"),
                  "ask_max_tries": 1, "source_statement_timeout_s": LIMIT_S}  # fmt: skip
        runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
        with TestClient(create_app(runtime=runtime)) as client:
            yield client


def _ask(api: TestClient, project_id: str, question: str) -> tuple[int, str, float]:
    started = time.monotonic()
    response = api.post(f"/v1/projects/{project_id}/ask", json={"question": question}, headers=ADMIN)
    return response.status_code, response.text, time.monotonic() - started


def test_endless_asks_end_at_their_limit_and_another_tenant_keeps_its_pace(api: TestClient) -> None:
    ScriptedLlm.by_question["endless"] = ENDLESS
    ScriptedLlm.by_question["count"] = "SELECT count(*) AS n FROM orders"
    quiet = [_ask(api, "neighbour", "count")[2] for _ in range(5)]
    with ThreadPoolExecutor(2) as pool:
        stalls = [pool.submit(_ask, api, "stalling", "endless") for _ in range(2)]
        time.sleep(0.3)
        busy = []
        while not all(s.done() for s in stalls):
            status, text, took = _ask(api, "neighbour", "count")
            assert status == 200 and '"rows":[[1500]]' in text
            busy.append(took)
        ended = [s.result() for s in stalls]
    for status, text, took in ended:
        assert status in (422, 504) and "did not answer in time" in text, text
        assert took < LIMIT_S + 3
    assert len(busy) >= 3
    # The neighbour's asks run on their own threads and processes: slower only by the CPU the stalls take.
    assert statistics.median(busy) < max(0.5, 5 * statistics.median(quiet)), (quiet, busy)
