"""GET /metrics: requests by route template and status class, auth failures, 4xx reasons, ask outcomes by tier,
search time split into embedding and database, the webhook outbox; never a project ID; never for tenants."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from tests.helpers import ADMIN_TOKEN, catalogued_shop

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
METRICS_TOKEN = "metrics-scraper-" + "m" * 24
PROJECT = "metrics-shop-7f3a"


@pytest.fixture
def api(clean_platform: ApiRuntime) -> Iterator[TestClient]:
    settings = clean_platform.settings.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)})
    with TestClient(create_app(runtime=dataclasses.replace(clean_platform, settings=settings))) as client:
        yield client


def _scrape(api: TestClient) -> tuple[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    response = api.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }
    return response.text, samples


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_asks_searches_and_failures_are_counted_by_template_and_tier_never_by_project(
    api: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, PROJECT)
    key = {
        "Authorization": "Bearer " + api.post(f"/v1/projects/{PROJECT}/keys", json={}, headers=ADMIN).json()["token"]
    }
    _, before = _scrape(api)

    assert (
        api.post(
            f"/v1/projects/{PROJECT}/ask", json={"question": "How many orders are there?"}, headers=key
        ).status_code
        == 200
    )
    assert (
        api.post(f"/v1/projects/{PROJECT}/ask", json={"question": "Why is the sky blue?"}, headers=key).status_code
        == 422
    )
    assert api.post(f"/v1/projects/{PROJECT}/search", json={"query": "orders"}, headers=key).status_code == 200
    assert api.get(f"/v1/projects/{PROJECT}").status_code == 401
    assert api.get("/v1/projects", headers=key).status_code == 403
    assert api.get("/v1/projects/no-such-project", headers=ADMIN).status_code == 404
    assert api.get("/no/such/path").status_code == 404
    text, after = _scrape(api)

    def grew(name: str, by: float = 1, **labels: str) -> bool:
        return _value(after, name, **labels) - _value(before, name, **labels) >= by

    ask = "/v1/projects/{project_id}/ask"
    assert grew("hugdata_api_requests_total", 1, route=ask, method="POST", status_class="2xx")
    assert grew("hugdata_api_requests_total", 1, route=ask, method="POST", status_class="4xx")
    assert grew("hugdata_api_request_duration_seconds_count", 2, route=ask, method="POST")
    assert grew("hugdata_api_client_errors_total", 1, route=ask, reason="invalid")
    assert grew("hugdata_api_client_errors_total", 1, route="unmatched", reason="not_found")
    assert grew("hugdata_api_auth_failures_total", 1, reason="missing")
    assert grew("hugdata_api_auth_failures_total", 1, reason="forbidden")
    assert grew("hugdata_ask_outcomes_total", 1, tier="standard", outcome="offline_planner")
    assert grew("hugdata_ask_outcomes_total", 1, tier="standard", outcome="declined")
    assert grew("hugdata_search_duration_seconds_count", 1, part="embed")
    assert grew("hugdata_search_duration_seconds_count", 1, part="database")
    assert ("hugdata_webhook_outbox_pending", ()) in after and ("hugdata_api_requests_in_flight", ()) in after
    assert _value(after, "hugdata_db_pool_connections", state="size") >= 1
    # Labels are bounded sets: no project ID, no raw path, wherever a tenant's name could have gone.
    assert PROJECT not in text and "no/such/path" not in text and "no-such-project" not in text


def test_only_the_admin_or_the_metrics_token_may_scrape(api: TestClient, clean_platform: ApiRuntime) -> None:
    from tests.helpers import project_body

    assert api.post("/v1/projects", json=project_body("metrics-tenant"), headers=ADMIN).status_code == 201
    token = api.post("/v1/projects/metrics-tenant/keys", json={}, headers=ADMIN).json()["token"]
    assert api.get("/metrics").status_code == 401
    assert api.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    refused = api.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and "project keys" in refused.json()["detail"]
    assert api.get("/metrics", headers=ADMIN).status_code == 200


def test_the_grafana_dashboard_graphs_only_metrics_the_api_exposes(api: TestClient) -> None:
    import json
    import re

    dashboard = json.loads(
        (Path(__file__).resolve().parents[2] / "helm/hugdata/dashboards/hugdata-api.json").read_text()
    )
    exposed = {f.name for f in text_string_to_metric_families(api.get("/metrics", headers=ADMIN).text)}
    exposed |= {f"{n}_{suffix}" for n in exposed for suffix in ("bucket", "count", "sum", "total")}
    graphed = {m for p in dashboard["panels"] for t in p["targets"] for m in re.findall(r"\bhugdata_\w+", t["expr"])}
    assert graphed and graphed <= exposed, graphed - exposed
