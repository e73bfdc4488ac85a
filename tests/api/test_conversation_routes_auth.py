"""Who may call the conversation routes (threads, feedback, candidates, suggestions): 401 without a valid token,
404 for another project's key exactly as for a missing project, and the project's own key served."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from tests.conftest import truncate_platform
from tests.helpers import ADMIN_TOKEN, catalogued_shop, project_body, project_keys

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def world(
    runtime: ApiRuntime, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A catalogued project with a thread, an answered ask and a pending candidate; a second project; both keys."""
    truncate_platform(runtime)
    catalogued_shop(runtime, settings.resolved_dagster_home, tmp_path_factory.mktemp("auth"), "own-shop")
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.post("/v1/projects", json=project_body("foreign-shop"), headers=ADMIN).status_code == 201
        keys = project_keys(client, "own-shop", "foreign-shop")
        thread = client.post("/v1/projects/own-shop/threads", json={}, headers=ADMIN).json()["id"]
        question = {"question": "How many orders are there?"}
        asked = client.post(f"/v1/projects/own-shop/threads/{thread}/ask", json=question, headers=ADMIN).json()
        rated = client.post(f"/v1/projects/own-shop/queries/{asked['query_id']}/feedback", json={"rating": "up"},
                            headers=ADMIN).json()  # fmt: skip
        yield {"client": client, "keys": keys, "thread": thread, "query": asked["query_id"], "candidate": rated["id"]}
    truncate_platform(runtime)


# (method, path, body, the own key's expected status); {thread}, {query}, {candidate} filled from the world.
ROUTES = [
    ("POST", "/v1/projects/{p}/threads", {}, 201),
    ("GET", "/v1/projects/{p}/threads", None, 200),
    ("GET", "/v1/projects/{p}/threads/{thread}", None, 200),
    ("POST", "/v1/projects/{p}/threads/{thread}/ask", {"question": "only cancelled"}, 200),
    ("POST", "/v1/projects/{p}/queries/{query}/feedback", {"rating": "down"}, 201),
    ("GET", "/v1/projects/{p}/golden-candidates", None, 200),
    ("POST", "/v1/projects/{p}/golden-candidates/{candidate}/reject", None, 204),
    ("GET", "/v1/projects/{p}/suggested-questions", None, 200),
]


def _path(template: str, world: dict[str, Any], project: str) -> str:
    return template.format(p=project, thread=world["thread"], query=world["query"], candidate=world["candidate"])


@pytest.mark.parametrize(("method", "template", "body", "ok"), ROUTES)
def test_each_conversation_route_serves_its_own_project_only(
    world: dict[str, Any], method: str, template: str, body: dict | None, ok: int
) -> None:
    client, keys = world["client"], world["keys"]
    for headers in ({}, {"Authorization": "Bearer nope"}):
        assert client.request(method, _path(template, world, "own-shop"), json=body, headers=headers).status_code == 401
    foreign = client.request(method, _path(template, world, "own-shop"), json=body, headers=keys["foreign-shop"])
    missing = client.request(method, _path(template, world, "no-such-shop"), json=body, headers=keys["foreign-shop"])
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"].replace("own-shop", "X") == missing.json()["detail"].replace("no-such-shop", "X")
    # An admin asking about a project that does not exist learns just that.
    assert client.request(method, _path(template, world, "no-such-shop"), json=body, headers=ADMIN).status_code == 404
    own = client.request(method, _path(template, world, "own-shop"), json=body, headers=keys["own-shop"])
    assert own.status_code == ok, own.text
