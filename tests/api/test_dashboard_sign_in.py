"""Signing in to the dashboard: a one-time link opens an HttpOnly, SameSite=Strict session for one project; a used
or expired link is refused; changes made with the cookie need the session's CSRF token; a project key can sign in
for its own project and sign out again."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import update

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.dashboard.sessions import DashboardLink
from tests.helpers import ADMIN_TOKEN, project_body

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _projects(client: TestClient, *ids: str) -> None:
    for project_id in ids:
        assert client.post("/v1/projects", json=project_body(project_id), headers=ADMIN).status_code == 201


def _issued(client: TestClient, project_id: str | None) -> str:
    path = f"/v1/projects/{project_id}/dashboard-links" if project_id else "/v1/dashboard-links"
    response = client.post(path, headers=ADMIN)
    assert response.status_code == 201, response.text
    return str(response.json()["url"])


def _link(client: TestClient, project_id: str | None) -> str:
    """The link as the test client opens it: its path and token (its host is the configured public URL)."""
    issued = urlsplit(_issued(client, project_id))
    return f"{issued.path}?{issued.query}"


def test_a_dashboard_link_opens_one_projects_session_once(client: TestClient, clean_platform: ApiRuntime) -> None:
    _projects(client, "dl-a", "dl-b")
    url = _link(client, "dl-a")
    assert urlsplit(url).path == "/app/session"
    with TestClient(create_app(runtime=clean_platform)) as browser:
        opened = browser.get(url, follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"] == "/app/projects/dl-a"
        cookie = opened.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert "secure" not in cookie  # development serves plain HTTP; production sets Secure (below)
        assert browser.get("/v1/projects/dl-a/assets").status_code == 200
        foreign = browser.get("/v1/projects/dl-b/assets")
        assert foreign.status_code == 404 and "dl-b" in foreign.json()["detail"]  # as for a missing project
        assert browser.get("/v1/projects").status_code == 403  # the admin list is not a project's
        me = browser.get("/v1/session").json()
        assert me["project_id"] == "dl-a" and not me["is_admin"] and me["csrf_token"]
        again = browser.get(url, follow_redirects=False)
        assert again.status_code == 401 and "already used" in again.text


def test_an_expired_link_is_refused(client: TestClient, clean_platform: ApiRuntime) -> None:
    _projects(client, "dl-c")
    url = _link(client, "dl-c")
    with clean_platform.sessions() as session:
        session.execute(update(DashboardLink).values(expires_at=DashboardLink.created_at))
        session.commit()
    with TestClient(create_app(runtime=clean_platform)) as browser:
        refused = browser.get(url, follow_redirects=False)
        assert refused.status_code == 401 and "expired" in refused.text and "set-cookie" not in refused.headers
        assert browser.get("/v1/projects/dl-c/assets").status_code == 401


def test_changes_made_with_the_cookie_need_the_csrf_token(client: TestClient, clean_platform: ApiRuntime) -> None:
    _projects(client, "dl-d")
    with TestClient(create_app(runtime=clean_platform)) as browser:
        browser.get(_link(client, "dl-d"), follow_redirects=False)
        csrf = browser.get("/v1/session").json()["csrf_token"]
        body = {"query": "orders"}
        forged = browser.post("/v1/projects/dl-d/search", json=body)
        assert forged.status_code == 403 and "X-CSRF-Token" in forged.json()["detail"]
        wrong = browser.post("/v1/projects/dl-d/search", json=body, headers={"X-CSRF-Token": "x" * 32})
        assert wrong.status_code == 403
        made = browser.post("/v1/projects/dl-d/search", json=body, headers={"X-CSRF-Token": csrf})
        # Past the CSRF check, the search itself answers: this project has no search index yet.
        assert made.status_code == 409 and "search index" in made.json()["detail"], made.text


def test_a_project_key_signs_in_for_its_own_project_and_signs_out(
    client: TestClient, clean_platform: ApiRuntime
) -> None:
    _projects(client, "dl-e")
    token = client.post("/v1/projects/dl-e/keys", json={"name": "browser"}, headers=ADMIN).json()["token"]
    with TestClient(create_app(runtime=clean_platform)) as browser:
        signed_in = browser.post("/v1/sessions", headers={"Authorization": f"Bearer {token}"})
        assert signed_in.status_code == 201 and signed_in.json()["project_id"] == "dl-e"
        csrf = signed_in.json()["csrf_token"]
        assert browser.get("/v1/projects/dl-e/assets").status_code == 200  # the cookie alone, no token
        assert browser.delete("/v1/session").status_code == 403  # signing out is a change too
        assert browser.delete("/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert browser.get("/v1/session").status_code == 401
        assert browser.get("/v1/projects/dl-e/assets").status_code == 401


def test_only_an_admin_mints_links_and_production_cookies_are_secure(
    client: TestClient, clean_platform: ApiRuntime
) -> None:
    _projects(client, "dl-f")
    token = client.post("/v1/projects/dl-f/keys", json={"name": "k"}, headers=ADMIN).json()["token"]
    minted = client.post("/v1/projects/dl-f/dashboard-links", headers={"Authorization": f"Bearer {token}"})
    assert minted.status_code == 403
    assert client.post("/v1/projects/dl-nope/dashboard-links", headers=ADMIN).status_code == 404
    production = clean_platform.settings.model_copy(update={"environment": "production"})
    with TestClient(create_app(runtime=dataclasses.replace(clean_platform, settings=production))) as browser:
        opened = browser.get(_link(client, None), follow_redirects=False)
        assert opened.headers["location"] == "/app/admin"
        assert "secure" in opened.headers["set-cookie"].lower()


def test_a_dashboard_link_names_the_configured_public_url_whatever_the_host_header(
    clean_platform: ApiRuntime,
) -> None:
    settings = clean_platform.settings.model_copy(update={"public_url": "https://hugdata.example.com"})
    runtime = dataclasses.replace(clean_platform, settings=settings)
    with TestClient(create_app(runtime=runtime)) as client:
        _projects(client, "dl-h")
        forged = client.post("/v1/projects/dl-h/dashboard-links", headers={**ADMIN, "Host": "evil.example"})
        assert forged.status_code == 201
        link = urlsplit(forged.json()["url"])
        assert (link.scheme, link.netloc, link.path) == ("https", "hugdata.example.com", "/app/session")
        admin = urlsplit(_issued(client, None))
        assert admin.netloc == "hugdata.example.com"
    with TestClient(create_app(runtime=clean_platform)) as client:
        local = urlsplit(_issued(client, None))  # no public URL configured: the local listening address
    assert local.netloc == f"{clean_platform.settings.api_host}:{clean_platform.settings.api_port}"
