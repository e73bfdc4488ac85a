"""Structured logs: JSON lines in production with the request's ID (taken from or returned in X-Request-ID) and
its project; the platform's secrets and tenants' passwords never reach a log line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.observability.logs import REDACTED, configure_logging
from tests.helpers import ADMIN_TOKEN, project_body

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TENANT_PASSWORD = "canary-tenant-pw-51c9e0"


@pytest.fixture
def captured(clean_platform: ApiRuntime) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    production = clean_platform.settings.model_copy(update={"environment": "production"})
    handler = configure_logging(production, stream=stream)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_request_id_is_taken_from_the_caller_or_made_and_always_returned(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "laravel-req-42"})
    assert given.headers["x-request-id"] == "laravel-req-42"
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 32 and made != client.get("/healthz").headers["x-request-id"]
    odd = client.get("/healthz", headers={"X-Request-ID": "x" * 300}).headers["x-request-id"]
    assert odd != "x" * 300 and len(odd) == 32  # not echoed: a log line must stay one bounded token


def test_production_lines_are_json_with_the_request_and_its_project(client: TestClient, captured: io.StringIO) -> None:
    assert client.post("/v1/projects", json=project_body("logs-a"), headers=ADMIN).status_code == 201
    response = client.get("/v1/projects/logs-a/runs", headers={**ADMIN, "X-Request-ID": "req-logs-1"})
    assert response.headers["x-request-id"] == "req-logs-1"
    lines = _lines(captured)
    [access] = [line for line in lines if line.get("request_id") == "req-logs-1" and line["logger"].endswith("access")]
    assert access["route"] == "/v1/projects/{project_id}/runs" and access["project_id"] == "logs-a"
    assert access["status"] == response.status_code and access["level"] == "info" and "time" in access


def test_no_secret_reaches_a_log_line(clean_platform: ApiRuntime, captured: io.StringIO) -> None:
    settings = clean_platform.settings.model_copy(update={"metrics_token": SecretStr("metrics-canary-" + "q" * 20)})
    import dataclasses

    with TestClient(create_app(runtime=dataclasses.replace(clean_platform, settings=settings))) as api:
        body = project_body("logs-b")
        body["data_source"] = {"dialect": "postgresql", "host": "127.0.0.1", "port": 1, "database": "d",
                               "username": "u", "password": TENANT_PASSWORD}  # fmt: skip
        api.post("/v1/projects", json=body, headers=ADMIN)
        api.post("/v1/projects/logs-b/data-source/check", headers=ADMIN)
        api.post("/v1/projects/logs-b/ask", json={"question": "How many orders?"}, headers=ADMIN)
        api.get("/metrics", headers={"Authorization": "Bearer metrics-canary-" + "q" * 20})
    # A message that quotes a platform secret anyway is redacted before it is written.
    logging.getLogger("hugdata.test").warning("token is %s", ADMIN_TOKEN)
    text = captured.getvalue()
    assert TENANT_PASSWORD not in text and ADMIN_TOKEN not in text and "metrics-canary" not in text
    assert REDACTED in text


def test_below_info_the_api_writes_no_line_per_request(clean_platform: ApiRuntime, client: TestClient) -> None:
    stream = io.StringIO()
    quiet = clean_platform.settings.model_copy(update={"environment": "production", "log_level": "warning"})
    handler = configure_logging(quiet, stream=stream)
    try:
        assert client.get("/healthz").status_code == 200
        assert client.get("/v1/projects/nope/runs", headers=ADMIN).status_code == 404
        assert [line for line in _lines(stream) if line["logger"].endswith("access")] == []
        configure_logging(quiet.model_copy(update={"log_level": "info"}), stream=stream)
        client.get("/healthz")
        assert [line["route"] for line in _lines(stream) if line["logger"].endswith("access")] == ["/healthz"]
    finally:
        for h in list(logging.getLogger().handlers):
            if h.get_name() == handler.get_name():
                logging.getLogger().removeHandler(h)
        logging.getLogger("hugdata").setLevel(logging.INFO)
