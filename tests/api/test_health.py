"""Liveness and readiness, including while the platform's Postgres is down."""

import gc
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime, build_runtime
from hugdata.catalog import embedder_factory
from hugdata.config import Settings
from hugdata.embedded_pg import EmbeddedPostgres, start_embedded_postgres
from hugdata.migrations import upgrade_all
from hugdata.webhooks.outbox import enqueue
from tests.helpers import ADMIN_TOKEN, WEBHOOK_SECRET, project_body
from tests.webhooks.receiver import webhook_receiver


def test_healthz_is_ok(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_served_api_starts_with_the_model_loaded_and_its_start_up_heap_frozen(clean_platform: ApiRuntime) -> None:
    settings = clean_platform.settings
    key = (settings.embedding_provider, settings.embedding_base_url, settings.embedding_model)
    loaded_before = embedder_factory._cache.pop(key, None)
    gc.unfreeze()
    try:
        # No runtime passed in: the app builds its own, as `uvicorn --factory` does.
        with TestClient(create_app(settings)) as client:
            assert client.get("/healthz").status_code == 200
            assert key in embedder_factory._cache  # loaded before any search asked for it
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        if loaded_before is not None:
            embedder_factory._cache[key] = loaded_before


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
    runtime = build_runtime(settings.model_copy(update={"webhook_secret": SecretStr(WEBHOOK_SECRET)}))
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with webhook_receiver(WEBHOOK_SECRET) as receiver, TestClient(create_app(runtime=runtime)) as client:
        assert client.get("/readyz").status_code == 200
        # A registration and a webhook event (its receiver down for now) exist when Postgres goes away.
        receiver.failing = True
        body = project_body("before-outage", webhook_url=receiver.url)
        assert client.post("/v1/projects", json=body, headers=admin).status_code == 201
        with runtime.sessions() as session:
            enqueue(session, event_id="outage-event", project_id="before-outage", payload={"status": "succeeded"})
            session.commit()
        _wait_for(lambda: len(receiver.raw) >= 1)  # tried once, refused
        pg.stop()
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["database"].startswith("unreachable")
        assert down.json()["checks"]["dagster_storage"].startswith("unreachable")
        during = client.post("/v1/projects", json=project_body("during-outage"), headers=admin)
        assert during.status_code == 503
        assert "unavailable" in during.json()["detail"]
        assert client.get("/healthz").status_code == 200

        time.sleep(2)  # the webhook dispatcher keeps ticking against a stopped database
        pg.start()
        receiver.failing = False
        assert client.get("/readyz").status_code == 200
        after = client.post("/v1/projects", json=project_body("after-outage"), headers=admin)
        assert after.status_code == 201
        assert client.get("/v1/projects/before-outage", headers=admin).status_code == 200
        _wait_for(lambda: [e for e in receiver.events if e["status"] == "succeeded"], timeout_s=60)
        assert receiver.events[0]["_event_id_header"] == "outage-event"
    runtime.close()


def _wait_for(predicate: Callable[[], object], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
