"""Optional tracing: with HUGDATA_TRACING_ENABLED a request is a span in the caller's trace, with children for
authentication, the platform database and the LLM call; no span holds a statement's text or a secret; off (the
default), nothing is recorded."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.observability.tracing import configure_tracing
from tests.helpers import ADMIN_TOKEN, catalogued_shop
from tests.llm import ScriptedLlm, scripted_llm

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER = {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}


@pytest.fixture
def spans(clean_platform: ApiRuntime) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    on = clean_platform.settings.model_copy(update={"tracing_enabled": True})
    assert configure_tracing(on, processor=SimpleSpanProcessor(exporter))
    yield exporter
    configure_tracing(clean_platform.settings)  # off again for the tests after this one


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


def test_an_ask_is_one_trace_with_auth_database_and_llm_spans(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path, llm_url: str, spans: InMemorySpanExporter
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "trace-a")
    ScriptedLlm.reset()
    ScriptedLlm.answers = ["SELECT COUNT(*) FROM main.orders"]
    update = {"llm_base_url": llm_url, "llm_model": "m", "llm_api_key": SecretStr("sk-trace-canary-123456"),
              "ask_max_tries": 1}  # fmt: skip
    runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
    spans.clear()
    with TestClient(create_app(runtime=runtime)) as api:
        answer = api.post(
            "/v1/projects/trace-a/ask", json={"question": "count the orders"}, headers={**ADMIN, **CALLER}
        )
    assert answer.status_code == 200 and answer.json()["answered_by"] == "llm"
    finished = spans.get_finished_spans()
    mine = [s for s in finished if format(s.context.trace_id, "032x") == TRACE_ID]
    [request] = [s for s in mine if s.name == "POST /v1/projects/{project_id}/ask"]
    assert request.parent is not None and format(request.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert request.attributes["http.response.status_code"] == 200
    assert request.attributes["hugdata.project_id"] == "trace-a"
    names = {s.name for s in mine}
    # The ask's own reads and its log entry go to the platform database pipelined: a span each round trip.
    assert {"auth", "llm chat.completions", "db PIPELINE"} <= names and any(n.startswith("db ") for n in names), names
    assert len([s for s in mine if s.name == "db PIPELINE"]) == 2
    [llm] = [s for s in mine if s.name == "llm chat.completions"]
    assert llm.attributes["gen_ai.usage.total_tokens"] > 0
    # Every span of the request hangs off the request span, directly or through its parents.
    by_id = {s.context.span_id: s for s in mine}
    for s in mine:
        top = s
        while top.parent is not None and top.parent.span_id in by_id:
            top = by_id[top.parent.span_id]
        assert top is request, s.name
    text = repr([(s.name, dict(s.attributes or {})) for s in finished])
    assert "sk-trace-canary" not in text and "FROM main.orders" not in text  # no secrets, no statement text


def test_off_by_default_nothing_is_recorded(clean_platform: ApiRuntime) -> None:
    exporter = InMemorySpanExporter()
    assert not clean_platform.settings.tracing_enabled
    assert not configure_tracing(clean_platform.settings, processor=SimpleSpanProcessor(exporter))
    with TestClient(create_app(runtime=clean_platform)) as api:
        assert api.get("/v1/projects", headers={**ADMIN, **CALLER}).status_code == 200
    assert exporter.get_finished_spans() == ()
