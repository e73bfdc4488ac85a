"""Through a restart of the platform's Postgres, against a real uvicorn: every request gets an HTTP answer while it
is down, the first requests after it is back succeed, and an error never costs the client its connection."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime, build_runtime
from hugdata.config import Settings
from hugdata.embedded_pg import EmbeddedPostgres, start_embedded_postgres
from hugdata.migrations import upgrade_all
from tests.helpers import ADMIN_TOKEN, project_body, register, served

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def own_stack(pg_home: Path) -> Iterator[tuple[EmbeddedPostgres, ApiRuntime, str]]:
    """A platform Postgres this test may stop, and the API served on it by uvicorn."""
    pg = start_embedded_postgres(pg_home / "pgdata")
    settings = Settings(
        state_dir=pg_home / "state",
        database_url=SecretStr(pg.url("hugdata")),
        dagster_database_url=SecretStr(pg.url("dagster", driver="psycopg2")),
        admin_token=SecretStr(ADMIN_TOKEN),
        encryption_keys=SecretStr(Fernet.generate_key().decode()),
    )
    upgrade_all(settings)
    runtime = build_runtime(settings)
    app = create_app(runtime=runtime)

    @app.get("/test-only/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("a bug nobody handled")

    try:
        with served(app) as url:
            yield pg, runtime, url
    finally:
        runtime.close()
        if pg.is_running():
            pg.stop()


def _requests(url: str) -> list[tuple[str, str, dict | None]]:
    search = {"query": "orders per customer", "k": 3}
    return [
        ("POST", f"{url}/v1/projects/p1/search", search),
        ("GET", f"{url}/v1/projects/p1", None),
        ("GET", f"{url}/v1/projects", None),
        ("POST", f"{url}/v1/projects", project_body("p2")),
        ("GET", f"{url}/v1/projects/p1/assets", None),
        ("GET", f"{url}/readyz", None),
    ]


def test_the_first_requests_after_a_restart_succeed(own_stack: tuple[EmbeddedPostgres, ApiRuntime, str]) -> None:
    pg, runtime, url = own_stack
    register(runtime, "p1")
    search = {"query": "orders per customer", "k": 3}
    with httpx.Client(headers=ADMIN, timeout=30) as client, ThreadPoolExecutor(10) as pool:
        # Fill the pools: searches at once leave several pooled read connections, all of which die with the server.
        # (p1 has no search index: each search reads the store, then answers 409 saying so; never a 5xx.)
        warm = list(pool.map(lambda _: client.post(f"{url}/v1/projects/p1/search", json=search), range(30)))
        assert {r.status_code for r in warm} == {409}
        pg.stop()
        pg.start()
        _wait_until_ready(client, url)
        # Once ready, the very next requests succeed: no dead pooled connection is handed out again.
        first = [client.post(f"{url}/v1/projects/p1/search", json=search) for _ in range(12)]
        assert [r.status_code for r in first] == [409] * 12 and all("search index" in r.text for r in first)
        assert client.get(f"{url}/v1/projects/p1").status_code == 200


def test_while_the_database_is_down_every_request_gets_an_answer(
    own_stack: tuple[EmbeddedPostgres, ApiRuntime, str],
) -> None:
    pg, runtime, url = own_stack
    register(runtime, "p1")
    with httpx.Client(headers=ADMIN, timeout=30) as client, ThreadPoolExecutor(6) as pool:
        assert client.get(f"{url}/v1/projects/p1").status_code == 200
        pg.stop()
        answers = list(pool.map(lambda r: client.request(r[0], r[1], json=r[2]), _requests(url) * 3))
        assert {a.status_code for a in answers} == {503}
        assert all(a.headers["content-type"] == "application/json" for a in answers)
        assert client.get(f"{url}/healthz").status_code == 200
        pg.start()
        _wait_until_ready(client, url)
        assert client.get(f"{url}/v1/projects/p1").status_code == 200


def _wait_until_ready(client: httpx.Client, url: str) -> None:
    deadline = time.monotonic() + 30
    while client.get(f"{url}/readyz").status_code != 200:
        assert time.monotonic() < deadline, "never ready again"
        time.sleep(0.2)


def test_a_500_keeps_the_clients_connection(own_stack: tuple[EmbeddedPostgres, ApiRuntime, str]) -> None:
    _, _, url = own_stack
    connections: list[object] = []
    with httpx.Client(timeout=10) as client:
        for _ in range(3):
            failed = client.get(f"{url}/test-only/boom")
            assert failed.status_code == 500 and failed.json() == {"detail": "internal error"}
            ok = client.get(f"{url}/healthz")
            assert ok.status_code == 200
            connections.append(ok.extensions["network_stream"].get_extra_info("client_addr"))
    assert len(set(connections)) == 1  # one keep-alive connection served all six requests
