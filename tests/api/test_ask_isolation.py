"""One tenant's slow asks cannot stall the API: asks run on threads of their own, a few per project, the rest are
refused at once with 429 and Retry-After, and other tenants' asks, searches and health checks keep answering."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from tests.helpers import ADMIN_TOKEN, catalogued_shop, served
from tests.llm import ScriptedLlm, scripted_llm

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
STALL_S = 4.0


@pytest.fixture
def api_url(clean_platform: ApiRuntime, settings: Settings, tmp_path: Path) -> Iterator[str]:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / "a", "noisy")
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / "b", "quiet")
    with scripted_llm() as llm:
        update = {"llm_base_url": llm, "llm_model": "m", "llm_api_key": SecretStr("sk-x"), "ask_max_tries": 1}
        runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
        # One more API thread than the noisy tenant's share would matter if asks shared the server's pool.
        with served(create_app(runtime=runtime)) as url:
            yield url


def test_a_tenant_flooding_slow_asks_gets_429s_and_stalls_nobody_else(api_url: str) -> None:
    ScriptedLlm.by_question["slow"] = "SELECT COUNT(*) FROM orders"
    ScriptedLlm.delays["slow"] = STALL_S
    ScriptedLlm.by_question["fast"] = "SELECT COUNT(*) FROM customers"
    with httpx.Client(headers=ADMIN, timeout=30) as client, ThreadPoolExecutor(40) as flood:
        noisy = [
            flood.submit(client.post, f"{api_url}/v1/projects/noisy/ask", json={"question": "slow"}) for _ in range(40)
        ]
        time.sleep(0.5)  # the flood is in: two asks hold their threads for STALL_S, the rest were answered
        latencies = {"ask": [], "search": [], "readyz": [], "healthz": []}
        for _ in range(8):
            for name, call in (
                ("ask", lambda: client.post(f"{api_url}/v1/projects/quiet/ask", json={"question": "fast"})),
                ("search", lambda: client.post(f"{api_url}/v1/projects/quiet/search", json={"query": "orders"})),
                ("readyz", lambda: client.get(f"{api_url}/readyz")),
                ("healthz", lambda: client.get(f"{api_url}/healthz")),
            ):
                started = time.perf_counter()
                assert call().status_code == 200
                latencies[name].append(time.perf_counter() - started)
        answers = [f.result() for f in noisy]
    # The quiet tenant never waited for the noisy one's stalled asks.
    assert max(max(v) for v in latencies.values()) < STALL_S / 4, latencies
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 200] + [429] * 38
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["Retry-After"] == "2" and "at once" in refused.json()["detail"]
