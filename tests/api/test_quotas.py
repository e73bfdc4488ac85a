"""Per-tenant quotas at the front door: a tenant hammering ask or search gets 429s naming the limit while another
tenant keeps being answered; two API processes share one count; admin calls are never limited; the LLM token budget
stops LLM calls (the planner still answers what it can) and comes back the next day."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from tests.helpers import ADMIN_TOKEN, catalogued_shop, project_body
from tests.llm import ScriptedLlm, scripted_llm

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TIGHT = {"free": 3, "standard": 5, "enterprise": 100}


def _key(api: TestClient, project_id: str) -> dict[str, str]:
    return {
        "Authorization": "Bearer " + api.post(f"/v1/projects/{project_id}/keys", json={}, headers=ADMIN).json()["token"]
    }


def _app(runtime: ApiRuntime, **update: object) -> TestClient:
    settings = runtime.settings.model_copy(update=update)
    return TestClient(create_app(runtime=dataclasses.replace(runtime, settings=settings)))


def test_a_tenant_over_its_ask_limit_gets_429s_while_another_tenant_is_answered(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / "a", "quota-a")
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / "b", "quota-b")
    # A fixed clock: the six asks count in one minute however long they take.
    runtime = dataclasses.replace(clean_platform, clock=lambda: datetime(2026, 12, 2, 10, 0, 30, tzinfo=UTC))
    with _app(runtime, quota_ask_per_minute=TIGHT) as api:
        assert api.patch("/v1/projects/quota-a", json={"tier": "free"}, headers=ADMIN).status_code == 200
        noisy, quiet = _key(api, "quota-a"), _key(api, "quota-b")
        question = {"question": "How many orders are there?"}
        codes = [api.post("/v1/projects/quota-a/ask", json=question, headers=noisy).status_code for _ in range(6)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429, 429]
        refused = api.post("/v1/projects/quota-a/ask", json=question, headers=noisy)
        assert refused.headers["Retry-After"] == "30"
        assert "free-tier limit of 3 asks per minute" in refused.json()["detail"]
        # The other tenant, and the admin on the noisy tenant's project, are answered as usual.
        started = time.perf_counter()
        assert all(
            api.post("/v1/projects/quota-b/ask", json=question, headers=quiet).status_code == 200 for _ in range(3)
        )
        assert (time.perf_counter() - started) / 3 < 2.0
        assert api.post("/v1/projects/quota-a/ask", json=question, headers=ADMIN).status_code == 200
        metrics = api.get("/metrics", headers=ADMIN).text
        assert 'hugdata_quota_refusals_total{bucket="ask",tier="free"}' in metrics
        assert 'hugdata_quota_use_total{bucket="ask",tier="standard"}' in metrics
        usage = api.get("/v1/projects/quota-a/analytics", headers=ADMIN)
        assert usage.status_code == 409  # no analytics_refresh yet: the usage shows once it has run


def test_two_api_processes_share_one_search_limit(clean_platform: ApiRuntime, settings: Settings) -> None:
    assert clean_platform.sessions  # the shared platform database
    with _app(clean_platform, quota_search_per_minute=TIGHT) as api:
        assert api.post("/v1/projects", json=project_body("quota-c"), headers=ADMIN).status_code == 201
        key = _key(api, "quota-c")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "HUGDATA_QUOTA_SEARCH_PER_MINUTE": json.dumps(TIGHT)}
        server = subprocess.Popen(
            [sys.executable, "-m", "hugdata.cli", "api", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"], env=env, start_new_session=True,
        )  # fmt: skip
        try:
            other = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{other}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            # The other process reads the real clock: start early in a minute so all six fall in it.
            while datetime.now(UTC).second > 30:
                time.sleep(0.5)
            search = {"query": "orders"}
            here = [api.post("/v1/projects/quota-c/search", json=search, headers=key).status_code for _ in range(3)]
            there = [httpx.post(f"{other}/v1/projects/quota-c/search", json=search, headers=key, timeout=30).status_code
                     for _ in range(3)]  # fmt: skip
        finally:
            server.terminate()
            server.wait(20)
    # Standard tier: 5 a minute in all, wherever they land.
    assert sorted(here + there).count(429) == 1 and there[-1] == 429, (here, there)


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


def test_the_llm_token_budget_stops_llm_calls_and_comes_back_the_next_day(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path, llm_url: str
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "quota-d")
    today = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    clock = {"now": today}
    runtime = dataclasses.replace(clean_platform, clock=lambda: clock["now"])
    update = {"llm_base_url": llm_url, "llm_model": "m", "llm_api_key": SecretStr("sk-x"), "ask_max_tries": 1,
              "quota_llm_tokens_per_day": {"free": 100, "standard": 200, "enterprise": 1000}}  # fmt: skip
    ScriptedLlm.reset()
    ScriptedLlm.answers = ["SELECT COUNT(*) FROM main.orders"] * 10  # each answer costs 120 tokens
    with _app(runtime, **update) as api:
        key = _key(api, "quota-d")

        def ask(question: str) -> httpx.Response:
            return api.post("/v1/projects/quota-d/ask", json={"question": question}, headers=key)

        assert ask("first question about orders").json()["answered_by"] == "llm"
        assert ask("second question about orders").json()["answered_by"] == "llm"  # 240 of 200 tokens now
        calls = len(ScriptedLlm.requests)
        planned = ask("How many orders are there?")
        assert planned.status_code == 200 and planned.json()["answered_by"] == "offline_planner"
        refused = ask("Why do customers churn?")
        assert (
            refused.status_code == 429 and "standard-tier limit of 200 LLM tokens per day" in refused.json()["detail"]
        )
        assert int(refused.headers["Retry-After"]) == 14 * 3600
        assert len(ScriptedLlm.requests) == calls  # no LLM call past the budget
        clock["now"] = today + timedelta(days=1)
        assert ask("third question about orders").json()["answered_by"] == "llm"
