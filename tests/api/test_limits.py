"""Bodies over the size limit are refused with 413 before a route reads them; every error is JSON with a message."""

from collections.abc import Iterator

from fastapi.testclient import TestClient

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from tests.helpers import project_body


def test_a_declared_oversized_body_is_refused_with_413(client: TestClient, admin: dict[str, str]) -> None:
    body = project_body("big", name="x" * 2_000_000)
    response = client.post("/v1/projects", json=body, headers=admin)
    assert response.status_code == 413 and "larger than 1048576 bytes" in response.json()["detail"]
    assert client.get("/v1/projects/big", headers=admin).status_code == 404


def test_a_streamed_oversized_body_is_refused_too(client: TestClient, admin: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"id": "big", "name": "'
        for _ in range(40):
            yield b"x" * 65_536
        yield b'"}'

    response = client.post("/v1/projects", content=chunks(), headers={**admin, "content-type": "application/json"})
    assert response.status_code == 413 and response.headers["content-type"] == "application/json"


def test_bodies_under_the_limit_pass(client: TestClient, admin: dict[str, str]) -> None:
    assert client.post("/v1/projects", json=project_body("small", name="x" * 100), headers=admin).status_code == 201


def test_an_unexpected_failure_is_a_json_500_without_its_text(clean_platform: ApiRuntime) -> None:
    app = create_app(runtime=clean_platform)

    def boom() -> None:
        raise RuntimeError("postgresql://user:hunter2@db/x")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500 and response.json() == {"detail": "internal error"}
    assert "hunter2" not in response.text


def test_values_the_database_cannot_hold_are_a_422_not_a_500(client: TestClient, admin: dict[str, str]) -> None:
    for response in (
        client.get("/v1/projects?after=a%00b", headers=admin),
        client.post("/v1/projects", json=project_body("nul", name="bad\u0000name"), headers=admin),
    ):
        assert response.status_code == 422 and "NUL" in response.json()["detail"]
    assert client.get("/v1/audit?before=99999999999999999999", headers=admin).status_code == 422


def test_malformed_json_says_where_and_what_was_expected(client: TestClient, admin: dict[str, str]) -> None:
    body = '{\n  "id": "acme",\n  "name": "Acme"\n  "tier": "free"\n}'
    response = client.post("/v1/projects", content=body, headers={**admin, "content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "invalid request: body: not valid JSON at line 4, column 3 (character 37): Expecting ',' delimiter"
    )


def test_a_body_that_is_not_utf8_is_a_422_that_says_so(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/projects", content=b'{"id": "\xff\xfe"}', headers={**admin, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "not UTF-8" in response.json()["detail"] and "0xff at position 8" in response.json()["detail"]
    assert client.get("/v1/projects/nope", headers=admin).status_code == 404  # other HTTP errors are unchanged


def test_a_trailing_slash_redirect_names_only_the_path_whatever_the_host_header(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.get("/v1/projects/?limit=5", headers={**admin, "host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/v1/projects?limit=5"
    assert client.get("/v1/projects/", headers=admin).status_code == 200  # followed, on the same host
    assert client.get("/nothing-here/", headers=admin).status_code == 404
