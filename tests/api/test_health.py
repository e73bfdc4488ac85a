"""Liveness and readiness, including while the platform's Postgres is down."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import build_runtime
from hugdata.config import Settings
from hugdata.embedded_pg import EmbeddedPostgres, start_embedded_postgres
from hugdata.migrations import upgrade_all
from tests.helpers import ADMIN_TOKEN, project_body


def test_healthz_is_ok(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ready_when_both_databases_answer(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "dagster_storage": "ok"}}


@pytest.fixture
def own_postgres(pg_home: Path) -> Iterator[tuple[EmbeddedPostgres, Settings]]:
    """A platform Postgres this test may stop without disturbing the others."""
    pg = start_embedded_postgres(pg_home / "pgdata")
    settings = Settings(
        state_dir=pg_home / "state",
        database_url=SecretStr(pg.url("hugdata")),
        dagster_database_url=SecretStr(pg.url("dagster", driver="psycopg2")),
        admin_token=SecretStr(ADMIN_TOKEN),
        encryption_keys=SecretStr(Fernet.generate_key().decode()),
    )
    upgrade_all(settings)
    yield pg, settings
    if pg.is_running():
        pg.stop()


def test_readyz_turns_503_while_postgres_is_stopped_and_recovers(own_postgres: tuple) -> None:
    pg, settings = own_postgres
    runtime = build_runtime(settings)
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.get("/readyz").status_code == 200
        pg.stop()
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["database"].startswith("unreachable")
        assert down.json()["checks"]["dagster_storage"].startswith("unreachable")
        during = client.post("/v1/projects", json=project_body("during-outage"), headers=admin)
        assert during.status_code == 503
        assert "unavailable" in during.json()["detail"]
        assert client.get("/healthz").status_code == 200

        pg.start()
        assert client.get("/readyz").status_code == 200
        after = client.post("/v1/projects", json=project_body("after-outage"), headers=admin)
        assert after.status_code == 201
    runtime.close()
