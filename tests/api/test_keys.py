"""Project keys: listed without their tokens, revoked by an admin through the API or the CLI, audited; a revoked key
is refused at once, and a key is only ever reached through its own project."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hugdata.api.runtime import ApiRuntime
from hugdata.cli import main as hugdata_cli
from tests.helpers import ADMIN_TOKEN, register

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _issue(client: TestClient, project_id: str, name: str) -> dict:
    response = client.post(f"/v1/projects/{project_id}/keys", json={"name": name}, headers=ADMIN)
    assert response.status_code == 201
    return response.json()


def test_an_admin_lists_and_revokes_a_projects_key_and_the_key_stops_working(
    client: TestClient, clean_platform: ApiRuntime
) -> None:
    register(clean_platform, "acme")
    laravel, spare = _issue(client, "acme", "laravel"), _issue(client, "acme", "spare")
    bearer = {"Authorization": f"Bearer {laravel['token']}"}
    assert client.get("/v1/projects/acme", headers=bearer).status_code == 200

    listed = client.get("/v1/projects/acme/keys", headers=ADMIN).json()
    assert [(k["id"], k["name"], k["revoked_at"]) for k in listed] == [
        (laravel["id"], "laravel", None),
        (spare["id"], "spare", None),
    ]
    assert "token" not in listed[0] and laravel["token"] not in str(listed)

    revoked = client.delete(f"/v1/projects/acme/keys/{laravel['id']}", headers=ADMIN)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/v1/projects/acme", headers=bearer).status_code == 401
    assert client.post("/v1/projects/acme/search", json={"query": "x"}, headers=bearer).status_code == 401
    spare_bearer = {"Authorization": f"Bearer {spare['token']}"}
    assert client.get("/v1/projects/acme", headers=spare_bearer).status_code == 200  # only that key
    again = client.delete(f"/v1/projects/acme/keys/{laravel['id']}", headers=ADMIN).json()
    assert again["revoked_at"] == revoked.json()["revoked_at"]  # revoking twice keeps the first time
    audit = client.get("/v1/audit?project_id=acme", headers=ADMIN).json()["items"]
    assert [e["action"] for e in audit][:2] == ["key.revoke", "key.revoke"]
    assert audit[0]["detail"] == {"key_id": laravel["id"]}


def test_a_key_is_reached_only_through_its_own_project_and_only_by_an_admin(
    client: TestClient, clean_platform: ApiRuntime
) -> None:
    register(clean_platform, "acme")
    register(clean_platform, "other")
    acme, other = _issue(client, "acme", "a"), _issue(client, "other", "b")
    missing = client.delete(f"/v1/projects/acme/keys/{other['id']}", headers=ADMIN)
    assert missing.status_code == 404 and other["id"] in missing.json()["detail"]
    assert client.delete("/v1/projects/acme/keys/0000000000000000", headers=ADMIN).status_code == 404
    acme_bearer = {"Authorization": f"Bearer {acme['token']}"}
    assert client.get("/v1/projects/acme/keys", headers=acme_bearer).status_code == 403
    assert client.delete(f"/v1/projects/acme/keys/{acme['id']}", headers=acme_bearer).status_code == 403
    other_bearer = {"Authorization": f"Bearer {other['token']}"}
    assert client.get("/v1/projects/other", headers=other_bearer).status_code == 200  # untouched


def test_the_cli_revokes_a_key_by_its_id(client: TestClient, clean_platform: ApiRuntime, capsys) -> None:  # type: ignore[no-untyped-def]
    register(clean_platform, "acme")
    key = _issue(client, "acme", "ops")
    assert hugdata_cli(["keys", "revoke", key["id"]]) == 0
    assert key["id"] in capsys.readouterr().out
    assert client.get("/v1/projects/acme", headers={"Authorization": f"Bearer {key['token']}"}).status_code == 401
    assert client.get("/v1/audit?project_id=acme", headers=ADMIN).json()["items"][0]["actor"] == "cli"
    assert hugdata_cli(["keys", "revoke", "0000000000000000"]) == 1
