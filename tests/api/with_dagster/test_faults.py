"""Faults during runs, against the real Dagster stack: a run worker killed mid-run, a tenant's source going away."""

import contextlib
import os
import select
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterEventType, RunsFilter
from fastapi.testclient import TestClient

from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.instance import open_instance
from hugdata.platform.jobs import SCHEMA_SYNC_ASSET_NAMES
from tests.helpers import ADMIN_TOKEN, wait_until
from tests.sources import MACHINE_PG, machine_postgres_database

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def api(dagster_api: TestClient) -> TestClient:
    return dagster_api


def _runs(api: TestClient, project_id: str) -> list[dict]:
    return list(api.get(f"/v1/projects/{project_id}/runs", headers=ADMIN).json()["items"])


def _register(api: TestClient, project_id: str, source: dict) -> None:
    body = {"id": project_id, "name": project_id, "data_source": source}
    assert api.post("/v1/projects", json=body, headers=ADMIN).status_code == 201


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a source that hangs."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        for conn in held:
            conn.close()
        server.close()


class CuttableProxy:
    """Forwards TCP to the machine's PostgreSQL until ``cut()``: then every connection drops and new ones fail."""

    def __init__(self, target: tuple[str, int], delay_s: float = 0.15) -> None:
        self.target, self.delay_s = target, delay_s  # the delay per chunk keeps a run's source work going a while
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.alive = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.alive:
            try:
                client = self.server.accept()[0]
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError, ValueError):
            while self.alive:
                ready, _, _ = select.select([a, b], [], [], 0.2)
                for src in ready:
                    data = src.recv(65536)
                    if not data:
                        return
                    time.sleep(self.delay_s)
                    (b if src is a else a).sendall(data)

    def cut(self) -> None:
        self.alive = False
        self.server.close()
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()


def _worker_pid(settings: Settings, run_id: str) -> int | None:
    instance = open_instance(settings.resolved_dagster_home)
    try:
        records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ENGINE_EVENT).records
        for record in records:
            event = record.event_log_entry.dagster_event
            pid = event.engine_event_data.metadata.get("pid") if event and event.engine_event_data else None
            if pid is not None:
                return int(getattr(pid, "value", pid))
        return None
    finally:
        instance.dispose()


def _finished_retries(settings: Settings, run_id: str) -> list:  # type: ignore[type-arg]
    """Dagster's automatic retries of ``run_id``, once every one of them has finished."""
    instance = open_instance(settings.resolved_dagster_home)
    try:
        retries = instance.get_runs(RunsFilter(tags={"dagster/root_run_id": run_id}))
    finally:
        instance.dispose()
    return retries if retries and all(r.is_finished for r in retries) else []


def test_a_killed_run_worker_fails_its_run_and_a_retry_succeeds(
    api: TestClient, settings: Settings, tmp_path: Path
) -> None:
    with silent_server() as port:
        # Each connect waits out the 4 s timeout and is retried: the worker is busy long enough to be killed.
        hanging = {"dialect": "postgresql", "host": "127.0.0.1", "port": port, "database": "d", "username": "u"}
        _register(api, "fault-worker", hanging)
        run = wait_until(
            lambda: [r for r in _runs(api, "fault-worker") if r["status"] == "STARTED"], what="the run to start"
        )[0]  # type: ignore[index]
        pid = wait_until(lambda: _worker_pid(settings, run["run_id"]), what="the worker's pid")
        os.kill(int(pid), signal.SIGKILL)  # type: ignore[arg-type]
        # Run monitoring (every 5 s) finds the worker gone and ends the run, long before its retries would have.
        wait_until(
            lambda: api.get(f"/v1/runs/{run['run_id']}", headers=ADMIN).json()["status"] == "FAILURE",
            timeout_s=60,
            what="run monitoring to fail the run",
        )
    # A worker that died is Dagster's run retries' business: a new run of the same project follows on its own.
    # It is let finish (against the now closed port) before the source is fixed, so the runs below are in order.
    retried = wait_until(lambda: _finished_retries(settings, run["run_id"]), what="Dagster's retry of the run")
    assert retried[0].tags["dagster/partition"] == "fault-worker"  # type: ignore[index]
    source = {"dialect": "sqlite", "path": str(build_demo_database(DEMO_TENANTS[2], tmp_path))}
    assert api.patch("/v1/projects/fault-worker", json={"data_source": source}, headers=ADMIN).status_code == 200
    retry = api.post("/v1/projects/fault-worker/materializations", json={}, headers=ADMIN).json()["run_id"]
    wait_until(
        lambda: api.get(f"/v1/runs/{retry}", headers=ADMIN).json()["status"] == "SUCCESS", what="the retry to succeed"
    )
    assets = api.get("/v1/projects/fault-worker/assets", headers=ADMIN).json()
    assert {a["asset"]: a["last_run_id"] for a in assets if a["status"] == "materialized"}[
        "schema_vector_index"
    ] == retry


def test_a_source_going_away_mid_run_fails_only_that_tenant(
    api: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ddl = "CREATE TABLE invoices (id INT PRIMARY KEY, total NUMERIC(10, 2)); CREATE TABLE payments (id INT PRIMARY KEY)"
    with machine_postgres_database(ddl) as database:
        proxy = CuttableProxy((MACHINE_PG["host"], MACHINE_PG["port"]))
        vanishing = {"dialect": "postgresql", "host": "127.0.0.1", "port": proxy.port, "database": database,
                     "username": MACHINE_PG["user"]}  # fmt: skip
        _register(api, "fault-vanishing", vanishing)
        _register(
            api, "fault-steady", {"dialect": "sqlite", "path": str(build_demo_database(DEMO_TENANTS[0], tmp_path))}
        )
        wait_until(lambda: proxy.conns, what="the run to connect to its source")
        time.sleep(1)  # well into the introspection, each round trip slowed by the proxy
        proxy.cut()
        failed = wait_until(
            lambda: [r for r in _runs(api, "fault-vanishing") if r["status"] == "FAILURE"],
            what="the vanished source's run to fail",
        )
    steady = wait_until(
        lambda: [r for r in _runs(api, "fault-steady") if r["status"] == "SUCCESS"], what="the other run"
    )
    assert steady

    def failed_states() -> dict[str, dict] | None:
        states = {a["asset"]: a for a in api.get("/v1/projects/fault-vanishing/assets", headers=ADMIN).json()
                  if a["status"] == "failed"}  # fmt: skip
        failed_ids = {r["run_id"] for r in _runs(api, "fault-vanishing") if r["status"] == "FAILURE"}
        # Registered together, the two may have shared an onboarding batch, itself listed for each: the state
        # names one of the project's failed runs, the batch or its own re-run.
        named = states.get("database_schema", {}).get("last_run_id")
        return states if named in failed_ids else None

    states = wait_until(failed_states, what="the failure sensor to mark the assets failed with a listed failed run")
    assert failed and states["database_schema"]["status"] == "failed"  # type: ignore[index]
    failed_run = states["database_schema"]["last_run_id"]  # type: ignore[index]
    # The failure's message names the project and what went wrong with its database, never a password.
    instance = open_instance(settings.resolved_dagster_home)
    try:
        failures = instance.get_records_for_run(failed_run, of_type=DagsterEventType.STEP_FAILURE).records
        messages = [r.event_log_entry.dagster_event.step_failure_data.error.message for r in failures]  # type: ignore[union-attr]
    finally:
        instance.dispose()
    assert messages and all(
        f"project fault-vanishing: cannot read its postgresql database at 127.0.0.1:{proxy.port}/{database}" in m
        for m in messages
    ), messages
    steady_assets = {a["asset"]: a["status"] for a in api.get("/v1/projects/fault-steady/assets", headers=ADMIN).json()}
    assert all(steady_assets[name] == "materialized" for name in SCHEMA_SYNC_ASSET_NAMES), steady_assets
