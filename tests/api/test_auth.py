"""Who may call what: 401 without a valid token, 404 for other tenants' projects, 403 on admin routes."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, update

from hugdata.api.runtime import ApiRuntime
from hugdata.tenants.models import ApiKey
from tests.helpers import project_body


@pytest.fixture
def two_tenants(client: TestClient, admin: dict) -> dict[str, dict[str, str]]:
    keys = {}
    for project_id in ("tenant-a", "tenant-b"):
        assert client.post("/v1/projects", json=project_body(project_id), headers=admin).status_code == 201
        token = client.post(f"/v1/projects/{project_id}/keys", json={}, headers=admin).json()["token"]
        keys[project_id] = {"Authorization": f"Bearer {token}"}
    return keys


ROUTES = [
    ("GET", "/v1/projects", None),
    ("POST", "/v1/projects", project_body("new-one")),
    ("GET", "/v1/projects/tenant-a", None),
    ("PATCH", "/v1/projects/tenant-a", {"name": "x"}),
    ("POST", "/v1/projects/tenant-a/keys", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic YTpi"}, {"Authorization": "Bearer "}]
)
def test_missing_or_invalid_token_is_401(
    client: TestClient, two_tenants: dict, method: str, path: str, body: dict | None, headers: dict
) -> None:
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_project_key_reads_its_own_project(client: TestClient, two_tenants: dict) -> None:
    response = client.get("/v1/projects/tenant-a", headers=two_tenants["tenant-a"])
    assert response.status_code == 200 and response.json()["id"] == "tenant-a"


def test_project_key_on_another_project_gets_404_like_a_missing_one(client: TestClient, two_tenants: dict) -> None:
    foreign = client.get("/v1/projects/tenant-b", headers=two_tenants["tenant-a"])
    missing = client.get("/v1/projects/does-not-exist", headers=two_tenants["tenant-a"])
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"].replace("tenant-b", "X") == missing.json()["detail"].replace("does-not-exist", "X")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/projects", None),
        ("POST", "/v1/projects", project_body("new-one")),
        ("PATCH", "/v1/projects/tenant-a", {"name": "x"}),
        ("POST", "/v1/projects/tenant-a/keys", {}),
        ("PATCH", "/v1/projects/tenant-b", {"name": "x"}),
        ("POST", "/v1/projects/tenant-b/keys", {}),
    ],
)
def test_admin_routes_refuse_project_keys_with_403(
    client: TestClient, two_tenants: dict, method: str, path: str, body: dict | None
) -> None:
    response = client.request(method, path, json=body, headers=two_tenants["tenant-a"])
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]


def test_project_key_cannot_change_its_own_project(client: TestClient, two_tenants: dict, admin: dict) -> None:
    client.patch("/v1/projects/tenant-a", json={"tier": "enterprise"}, headers=two_tenants["tenant-a"])
    assert client.get("/v1/projects/tenant-a", headers=admin).json()["tier"] == "standard"


def test_a_revoked_key_is_refused_by_routes_with_and_without_a_request_session(
    client: TestClient, two_tenants: dict, clean_platform: ApiRuntime
) -> None:
    headers = two_tenants["tenant-a"]
    key_id = headers["Authorization"].split("_")[1]
    with clean_platform.sessions() as session:
        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=func.now()))
        session.commit()
    # The project route authenticates in its request session; search and ask in a short session of their own.
    for method, path, body in (
        ("GET", "/v1/projects/tenant-a", None),
        ("POST", "/v1/projects/tenant-a/search", {"query": "orders"}),
        ("POST", "/v1/projects/tenant-a/ask", {"question": "how many orders"}),
    ):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.json()["detail"] == "invalid or revoked token"


@pytest.mark.parametrize(
    ("header", "says"),
    [("abc123", "without a scheme"), ("Basic YTpi", "with the 'Basic' scheme"), ("Bearer ", "the token is empty")],
)
def test_a_token_sent_without_the_bearer_scheme_is_told_what_to_send(
    client: TestClient, two_tenants: dict, header: str, says: str
) -> None:
    response = client.get("/v1/projects/tenant-a", headers={"Authorization": header})
    assert response.status_code == 401 and "must be 'Bearer <token>'" in response.json()["detail"]
    assert says in response.json()["detail"]
    assert "abc123" not in response.text and "YTpi" not in response.text  # what was sent may be a secret
