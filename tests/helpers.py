"""Helpers the tests share: payloads and waiting."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect, Tier
from hugdata.tenants.registry import register_project

if TYPE_CHECKING:
    from hugdata.api.runtime import ApiRuntime
    from hugdata.config import Settings

ADMIN_TOKEN = "test-admin-" + "x" * 32
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CANARY_PASSWORD = "s3cret-canary-pw"
WEBHOOK_SECRET = "test-webhook-secret-" + "y" * 24


def project_body(project_id: str, **overrides: object) -> dict[str, object]:
    """A valid registration payload for a PostgreSQL-backed tenant."""
    body: dict[str, object] = {
        "id": project_id,
        "name": f"Project {project_id}",
        "tier": "standard",
        "data_source": {
            "dialect": "postgresql",
            "host": "127.0.0.1",
            "port": 5432,
            "database": "shop",
            "username": "reader",
            "password": CANARY_PASSWORD,
        },
    }
    body.update(overrides)
    return body


def postgres_spec(password: str = CANARY_PASSWORD) -> DataSourceSpec:
    return DataSourceSpec(
        dialect=Dialect.postgresql, host="127.0.0.1", port=5432, database="shop", username="reader", password=password
    )


def wait_for(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


@contextmanager
def private_folder() -> Iterator[Path]:
    """A fresh folder under the system temp dir (not pytest's), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="hugdata-test-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def register(
    runtime: ApiRuntime,
    project_id: str,
    spec: DataSourceSpec | None = None,
    *,
    tier: Tier = Tier.standard,
    webhook_url: str | None = None,
) -> None:
    """Register a project through the registry service (row + partition), as the API would."""
    with runtime.sessions() as session:
        register_project(
            session,
            partitions=runtime.partitions,
            vault=runtime.vault,
            project_id=project_id,
            name=project_id,
            tier=tier,
            data_source=spec or postgres_spec(),
            webhook_url=webhook_url,
        )


def catalogued_shop(runtime: ApiRuntime, dagster_home: Path, folder: Path, project_id: str) -> Path:
    """The demo shop registered as ``project_id`` with its catalog assets materialized; returns its SQLite file."""
    from hugdata.demo.seed import DEMO_TENANTS, build_demo_database

    path = build_demo_database(DEMO_TENANTS[0], folder)
    catalogued(runtime, dagster_home, project_id, DataSourceSpec(dialect=Dialect.sqlite, path=str(path)))
    return path


def catalogued(runtime: ApiRuntime, dagster_home: Path, project_id: str, spec: DataSourceSpec) -> None:
    """``spec`` registered as ``project_id`` with its catalog assets materialized in this process."""
    from dagster import materialize

    from hugdata.platform.definitions import defs
    from hugdata.platform.instance import open_instance

    register(runtime, project_id, spec)
    assets = [defs.get_assets_def(k) for k in ("database_schema", "semantic_model", "schema_vector_index")]
    instance = open_instance(dagster_home)
    try:
        assert materialize(assets, partition_key=project_id, instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
    finally:
        instance.dispose()


def resync(dagster_home: Path, project_id: str) -> None:
    """A schema sync of ``project_id`` in this process: its schema snapshot and semantic model materialized again."""
    from dagster import materialize

    from hugdata.platform.definitions import defs
    from hugdata.platform.instance import open_instance

    instance = open_instance(dagster_home)
    try:
        assets = [defs.get_assets_def(k) for k in ("database_schema", "semantic_model")]
        assert materialize(assets, partition_key=project_id, instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
    finally:
        instance.dispose()


def project_keys(client: object, *project_ids: str) -> dict[str, dict[str, str]]:
    """A new key for each project, as the headers a request sends it in."""
    keys = {}
    for project_id in project_ids:
        token = client.post(f"/v1/projects/{project_id}/keys", json={}, headers=ADMIN_HEADERS).json()["token"]  # type: ignore[attr-defined]
        keys[project_id] = {"Authorization": f"Bearer {token}"}
    return keys


def wait_until(predicate: Callable[[], object], timeout_s: float = 150, what: str = "condition") -> object:
    """Poll ``predicate`` until it returns something truthy (returned), or fail the test after ``timeout_s``."""
    import pytest

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


@contextmanager
def served(app: object, settings: Settings | None = None) -> Iterator[str]:
    """``app`` served by a real uvicorn on a free loopback port, as `hugdata api` serves it (``settings``' request
    limits, default ones without); yields its base URL."""
    import threading

    import uvicorn

    from hugdata.api.serve import server_config
    from hugdata.config import Settings as DefaultSettings

    config = server_config(app, settings=settings or DefaultSettings(), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def own_steps(runtime: ApiRuntime, run_id: str, project_id: str) -> list[tuple[str, str, str | None]]:
    """The project's own steps in the run as the platform recorded them: asset, status and cause."""
    from hugdata.api.routes.runs import TENANT_ASSET_NAMES
    from hugdata.tenants.run_steps import steps_of_runs

    with runtime.sessions() as session:
        steps = steps_of_runs(session, [run_id], project_id).get(run_id, [])
        assert all(s.ended_at is not None and (s.started_at is None or s.started_at <= s.ended_at) for s in steps)
        # Steps that never started (skipped) come last, in graph order, as the API lists them.
        steps.sort(key=lambda s: (s.started_at is None, TENANT_ASSET_NAMES.index(s.asset)))
        return [(s.asset, s.status, s.cause) for s in steps]
