"""Every route of the OpenAPI spec against every kind of caller: no key 401, another project's key 404, a project
key on an admin route 403, admin allowed. A route added without being classified here fails the test."""

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from tests.helpers import ADMIN_TOKEN

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz")}
ADMIN_ONLY = {
    ("GET", "/v1/projects"),
    ("POST", "/v1/projects"),
    ("PATCH", "/v1/projects/{project_id}"),
    ("DELETE", "/v1/projects/{project_id}"),
    ("POST", "/v1/projects/{project_id}/keys"),
    ("GET", "/v1/projects/{project_id}/keys"),
    ("DELETE", "/v1/projects/{project_id}/keys/{key_id}"),
    ("POST", "/v1/data-sources/check"),
    ("POST", "/v1/projects/{project_id}/data-source/check"),
    ("GET", "/v1/audit"),
    ("GET", "/metrics"),
    ("POST", "/v1/backfills"),
    ("POST", "/dagster/trigger"),
    ("GET", "/dagster/status/{run_id}"),
    ("POST", "/v1/projects/{project_id}/dashboard-links"),
    ("POST", "/v1/dashboard-links"),
}
# The browser's own sign-in: a bearer token opens it; reading or ending it needs its cookie, which no caller here has.
SIGN_IN = {("POST", "/v1/sessions")}
COOKIE_ONLY = {("GET", "/v1/session"), ("DELETE", "/v1/session")}
BODIES = {
    "/v1/projects": {"id": "matrix-new", "name": "n", "data_source": {"dialect": "sqlite", "path": "/nonexistent"}},
    "/v1/projects/{project_id}/search": {"query": "orders"},
    "/v1/projects/{project_id}/ask": {"question": "How many orders?", "execute": False},
    "/v1/projects/{project_id}/golden-questions": {"question": "q", "expected_sql": "SELECT 1"},
    "/dagster/trigger": {"project_id": "matrix-a"},
    "/v1/data-sources/check": {"dialect": "sqlite", "path": "/nonexistent.db"},
}


@pytest.fixture
def api(dagster_runtime: ApiRuntime) -> Iterator[TestClient]:
    """The API on the Dagster stack, with event streams that end after a second (they are called, not followed)."""
    short = dagster_runtime.settings.model_copy(update={"events_stream_max_s": 1.0, "events_heartbeat_s": 0.5})
    with TestClient(create_app(runtime=dataclasses.replace(dagster_runtime, settings=short))) as client:
        yield client


def _register(api: TestClient, project_id: str, source: Path) -> dict[str, str]:
    body = {"id": project_id, "name": project_id, "data_source": {"dialect": "sqlite", "path": str(source)}}
    assert api.post("/v1/projects", json=body, headers=ADMIN).status_code == 201
    token = api.post(f"/v1/projects/{project_id}/keys", json={}, headers=ADMIN).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_every_route_answers_each_kind_of_caller_as_it_should(api: TestClient, tmp_path: Path) -> None:
    source = build_demo_database(DEMO_TENANTS[0], tmp_path)
    own, foreign = _register(api, "matrix-a", source), _register(api, "matrix-b", source)
    doomed = _register(api, "matrix-c", source)  # the one admin DELETE removes
    run_id = api.post("/v1/projects/matrix-a/materializations", json={}, headers=own).json()["run_id"]
    backfill_id = api.post("/v1/projects/matrix-a/backfills", json={}, headers=own).json()["backfill_id"]
    routes = [
        (method.upper(), path)
        for path, item in api.app.openapi()["paths"].items()
        for method in item  # type: ignore[attr-defined]
    ]
    assert len(routes) >= 29
    classified = PUBLIC | ADMIN_ONLY | SIGN_IN | COOKIE_ONLY
    unclassified = [r for r in routes if r not in classified and "{project_id}" not in r[1]]
    # Project data reached by another ID: runs and backfills carry their project in Dagster tags.
    assert sorted(unclassified) == [
        ("GET", "/v1/backfills/{backfill_id}"),
        ("GET", "/v1/runs/{run_id}"),
        ("POST", "/v1/runs/{run_id}/cancel"),
    ]
    checked = 0
    for method, template in sorted(routes, key=lambda r: r == ("DELETE", "/v1/projects/{project_id}")):
        if (method, template) in PUBLIC:
            continue
        project, key = (
            ("matrix-c", doomed)
            if method == "DELETE" and template == "/v1/projects/{project_id}"
            else ("matrix-a", own)
        )
        path = (
            template.replace("{project_id}", project)
            .replace("{run_id}", run_id)
            .replace("{backfill_id}", backfill_id)
            .replace("{question_id}", "1")
            .replace("{key_id}", "0000000000000000")
        )
        body = BODIES.get(template, {}) if method in ("POST", "PATCH") else None

        def call(headers: dict[str, str], method: str = method, path: str = path, body: object = body) -> int:
            api.cookies.clear()  # a sign-in's cookie must not authenticate the next call
            return api.request(method, path, json=body, headers=headers).status_code

        where = f"{method} {template}"
        assert call({}) == 401, where
        if (method, template) in COOKIE_ONLY:
            assert call(key) == 401 and call(ADMIN) == 401, where
            checked += 1
            continue
        assert call({"Authorization": "Bearer hdk_0000000000000000_wrong"}) == 401, where
        if (method, template) in ADMIN_ONLY:
            assert call(key) == 403, where
            assert call(foreign) == 403, where
        elif (method, template) in SIGN_IN:
            assert call(key) == 201 and call(foreign) == 201, where  # each for its own project
        else:
            assert call(foreign) == 404, where
            assert call(key) not in (401, 403) and call(key) < 500, where
        admin = call(ADMIN)
        assert admin not in (401, 403) and admin < 500, where
        checked += 1
    assert checked == len(routes) - len(PUBLIC)
