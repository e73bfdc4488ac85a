"""The partition-add API: POST /v1/projects and the project reads and updates around it."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from hugdata.api.runtime import ApiRuntime
from hugdata.tenants.project_ids import PROJECT_ID_RULE
from tests.conftest import LiveServer
from tests.helpers import ADMIN_TOKEN, CANARY_PASSWORD, project_body


def test_registration_returns_201_and_adds_the_partition(
    client: TestClient, admin: dict, clean_platform: ApiRuntime
) -> None:
    response = client.post("/v1/projects", json=project_body("42"), headers=admin)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] == "42" and body["tier"] == "standard" and body["status"] == "active"
    assert body["data_source"]["has_password"] is True
    assert clean_platform.partitions.has("42")


def test_same_registration_repeated_returns_200_with_the_same_project(client: TestClient, admin: dict) -> None:
    first = client.post("/v1/projects", json=project_body("acme"), headers=admin)
    again = client.post("/v1/projects", json=project_body("acme"), headers=admin)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_different_payload_for_existing_id_returns_409_with_message(client: TestClient, admin: dict) -> None:
    client.post("/v1/projects", json=project_body("acme"), headers=admin)
    response = client.post("/v1/projects", json=project_body("acme", tier="enterprise"), headers=admin)
    assert response.status_code == 409
    assert "tier" in response.json()["detail"]


def test_fifty_concurrent_identical_registrations_give_one_project_and_one_partition(
    live_api: LiveServer, clean_platform: ApiRuntime
) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def register(_: int) -> int:
        with httpx.Client(base_url=live_api.url, timeout=60) as http:
            return http.post("/v1/projects", json=project_body("race"), headers=headers).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(register, range(50)))
    assert codes.count(201) == 1
    assert codes.count(200) == 49
    assert clean_platform.partitions.keys() == {"race"}
    listed = httpx.get(f"{live_api.url}/v1/projects", headers=headers).json()["items"]
    assert [p["id"] for p in listed] == ["race"]


INVALID_IDS = {
    "empty": "",
    "64 characters": "a" * 64,
    "space": "acme shop",
    "slash": "acme/shop",
    "dot dot": "..",
    "newline": "acme\n",
    "non-ascii": "café",
    "leading dash": "-acme",
}


@pytest.mark.parametrize("project_id", list(INVALID_IDS.values()), ids=list(INVALID_IDS))
def test_invalid_project_id_returns_422_stating_the_rule(
    client: TestClient, admin: dict, clean_platform: ApiRuntime, project_id: str
) -> None:
    response = client.post("/v1/projects", json=project_body(project_id), headers=admin)
    assert response.status_code == 422
    assert PROJECT_ID_RULE in response.json()["detail"]
    assert clean_platform.partitions.keys() == set()


def test_numeric_ids_are_valid(client: TestClient, admin: dict) -> None:
    assert client.post("/v1/projects", json=project_body("7"), headers=admin).status_code == 201


@pytest.mark.parametrize(
    ("data_source", "message"),
    [
        ({"dialect": "oracle", "host": "h", "database": "d", "username": "u"}, "dialect"),
        ({"dialect": "postgresql", "host": "h"}, "needs database, username"),
        ({"dialect": "sqlite"}, "needs `path`"),
        ({"dialect": "mysql", "host": "h", "database": "d", "username": "u", "port": 70000}, "port"),
        ({"dialect": "sqlite", "path": "/x.db", "shell": "rm -rf"}, "Extra inputs are not permitted"),
        ({"dialect": "sqlite", "path": "/x.db", "schemas_include": ["a"]}, "schema patterns"),
        (
            {"dialect": "mysql", "host": "h", "database": "d", "username": "u", "schemas_exclude": ["x"]},
            "postgresql sources only",
        ),
        (
            {"dialect": "postgresql", "host": "h", "database": "d", "username": "u", "schemas_include": ["a; drop"]},
            "schemas_include",
        ),
    ],
)
def test_bad_data_source_returns_422_with_message(
    client: TestClient, admin: dict, data_source: dict, message: str
) -> None:
    response = client.post("/v1/projects", json=project_body("acme", data_source=data_source), headers=admin)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_422_never_echoes_the_password(client: TestClient, admin: dict) -> None:
    bad = project_body("acme", tier="platinum")
    response = client.post("/v1/projects", json=bad, headers=admin)
    assert response.status_code == 422
    assert CANARY_PASSWORD not in response.text


def test_responses_never_include_password_or_key_hash(client: TestClient, admin: dict) -> None:
    texts = [
        client.post("/v1/projects", json=project_body("acme"), headers=admin).text,
        client.get("/v1/projects/acme", headers=admin).text,
        client.get("/v1/projects", headers=admin).text,
        client.patch("/v1/projects/acme", json={"name": "Renamed"}, headers=admin).text,
    ]
    key = client.post("/v1/projects/acme/keys", json={"name": "laravel"}, headers=admin).json()
    assert key["token"].startswith("hdk_")
    texts.append(client.get("/v1/projects/acme", headers={"Authorization": f"Bearer {key['token']}"}).text)
    for text in texts:
        assert CANARY_PASSWORD not in text
        assert "password_encrypted" not in text and "secret_sha256" not in text


def test_list_is_paginated_by_id(client: TestClient, admin: dict) -> None:
    for project_id in ["c", "a", "b", "d", "e"]:
        client.post("/v1/projects", json=project_body(project_id), headers=admin)
    first = client.get("/v1/projects", params={"limit": 2}, headers=admin).json()
    assert [p["id"] for p in first["items"]] == ["a", "b"] and first["next_after"] == "b"
    second = client.get("/v1/projects", params={"limit": 2, "after": "b"}, headers=admin).json()
    assert [p["id"] for p in second["items"]] == ["c", "d"]
    last = client.get("/v1/projects", params={"limit": 2, "after": "d"}, headers=admin).json()
    assert [p["id"] for p in last["items"]] == ["e"] and last["next_after"] is None


def test_patch_changes_name_tier_and_data_source(client: TestClient, admin: dict) -> None:
    client.post("/v1/projects", json=project_body("acme"), headers=admin)
    response = client.patch(
        "/v1/projects/acme",
        json={"name": "Acme EU", "tier": "enterprise", "data_source": {"dialect": "sqlite", "path": "/data/acme.db"}},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    body = client.get("/v1/projects/acme", headers=admin).json()
    assert body["name"] == "Acme EU" and body["tier"] == "enterprise"
    assert body["data_source"] == {
        "dialect": "sqlite",
        "host": None,
        "port": None,
        "database": None,
        "username": None,
        "path": "/data/acme.db",
        "schemas_include": [],
        "schemas_exclude": [],
        "has_password": False,
    }


def test_schema_patterns_are_stored_and_returned(client: TestClient, admin: dict) -> None:
    source = {**project_body("pg")["data_source"], "schemas_include": ["sales*"], "schemas_exclude": ["sales_tmp"]}
    body = client.post("/v1/projects", json=project_body("pg", data_source=source), headers=admin).json()
    assert body["data_source"]["schemas_include"] == ["sales*"]
    assert body["data_source"]["schemas_exclude"] == ["sales_tmp"]


def test_patch_with_unknown_tier_is_422(client: TestClient, admin: dict) -> None:
    client.post("/v1/projects", json=project_body("acme"), headers=admin)
    assert client.patch("/v1/projects/acme", json={"tier": "gold"}, headers=admin).status_code == 422


def test_patch_of_missing_project_is_404(client: TestClient, admin: dict) -> None:
    assert client.patch("/v1/projects/nope", json={"name": "x"}, headers=admin).status_code == 404


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/projects", "/v1/projects/{project_id}", "/v1/projects/{project_id}/keys"} <= set(paths)
