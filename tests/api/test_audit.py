"""GET /v1/audit: admin actions with who, what and when; never a secret; admins only."""

from fastapi.testclient import TestClient

from tests.helpers import CANARY_PASSWORD, project_body


def test_admin_actions_are_audited_newest_first_without_secrets(client: TestClient, admin: dict[str, str]) -> None:
    assert client.post("/v1/projects", json=project_body("audited"), headers=admin).status_code == 201
    assert client.post("/v1/projects", json=project_body("audited"), headers=admin).status_code == 200  # a no-op
    new_source = {**project_body("audited")["data_source"], "password": CANARY_PASSWORD + "-2"}  # type: ignore[dict-item]
    patched = client.patch("/v1/projects/audited", json={"name": "Renamed", "data_source": new_source}, headers=admin)
    assert patched.status_code == 200
    issued = client.post("/v1/projects/audited/keys", json={"name": "laravel"}, headers=admin).json()
    page = client.get("/v1/audit?limit=2", headers=admin).json()
    assert [(e["action"], e["project_id"], e["actor"]) for e in page["items"]] == [
        ("key.issue", "audited", "admin"),
        ("project.update", "audited", "admin"),
    ]
    assert page["items"][0]["detail"]["key_id"] == issued["id"]
    assert page["items"][1]["detail"] == {"fields": ["data_source", "name"]}
    rest = client.get(f"/v1/audit?before={page['next_before']}", headers=admin).json()
    assert [e["action"] for e in rest["items"]] == ["project.register"] and rest["next_before"] is None
    raw = client.get("/v1/audit", headers=admin).text
    assert CANARY_PASSWORD not in raw and issued["token"] not in raw
    # A project's own key may not read the audit log.
    assert client.get("/v1/audit", headers={"Authorization": f"Bearer {issued['token']}"}).status_code == 403
