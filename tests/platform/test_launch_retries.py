"""A run whose code server is unreachable when the daemon launches it is put back in the queue, not failed, and
runs once the code server is back (the run queue's user-code failure retries)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml
from dagster import DagsterEventType, DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient

from hugdata.config import Settings
from hugdata.devstack import code_location_error, kill_group
from hugdata.embedded_pg import EmbeddedPostgres
from hugdata.platform.instance import migrate_instance, open_instance, write_instance_config

pytestmark = pytest.mark.e2e
LOCATION = "hugdata.platform.definitions"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.started = env, logs, []  # type: ignore[var-annotated]

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [str(BIN / args[0]), *args[1:]],
            env=self.env,
            stdout=(self.logs / f"{name}.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "HUGDATA_SCHEDULES_ENABLED": "false"}
    started = Processes(env, tmp_path)
    yield started
    for proc in started.started:
        kill_group(proc.pid)
        proc.wait()


def _wait(predicate, what: str, logs: Path, timeout_s: float = 180) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, KeyError, TypeError, OSError):
            if predicate():
                return
        time.sleep(0.5)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(logs.glob("*.log")))
    pytest.fail(f"{what} did not happen within {timeout_s:.0f} s\n{tails}")


def _grpc_up(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_run_queued_while_the_code_server_is_down_runs_once_it_is_back(
    settings: Settings, platform_pg: EmbeddedPostgres, processes: Processes, tmp_path: Path
) -> None:
    with psycopg.connect(platform_pg.libpq_dsn("postgres"), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS dagster_launch_retries WITH (FORCE)")
        admin.execute("CREATE DATABASE dagster_launch_retries")
    quick = settings.model_copy(update={"run_launch_retries": 20, "run_launch_retry_delay_s": 2})
    write_instance_config(tmp_path, platform_pg.url("dagster_launch_retries", driver="psycopg2"), quick)
    instance = open_instance(tmp_path)
    migrate_instance(instance)
    grpc_port, web_port = _free_port(), _free_port()
    workspace = tmp_path / "workspace.yaml"
    server = {"host": "127.0.0.1", "port": grpc_port, "location_name": LOCATION}
    workspace.write_text(yaml.safe_dump({"load_from": [{"grpc_server": server}]}))
    grpc = ["dagster", "api", "grpc", "-m", LOCATION, "-h", "127.0.0.1", "-p", str(grpc_port)]
    code_server = processes.start("code-server", *grpc)
    _wait(lambda: _grpc_up(grpc_port), "the code server listening", tmp_path)
    processes.start("webserver", "dagster-webserver", "-h", "127.0.0.1", "-p", str(web_port), "-w", str(workspace))
    url = f"http://127.0.0.1:{web_port}"
    _wait(lambda: code_location_error(url) is None, "the webserver loading the code location", tmp_path)

    # Queued while no daemon runs, then the code server goes away before anything launches the run.
    client = DagsterGraphQLClient("127.0.0.1", port_number=web_port)
    run_id = client.submit_job_execution("storage_retention", repository_location_name=LOCATION)
    processes.stop(code_server)
    processes.start("daemon", "dagster-daemon", "run", "-w", str(workspace))

    def requeued() -> bool:
        records = instance.get_records_for_run(run_id, of_type=DagsterEventType.PIPELINE_ENQUEUED).records
        return len(records) >= 2

    _wait(requeued, "the run put back in the queue", tmp_path)
    run = instance.get_run_by_id(run_id)
    # Put back in line, not failed (the daemon may already be trying it again: it looks at the queue every second).
    assert run is not None and run.status in (DagsterRunStatus.QUEUED, DagsterRunStatus.STARTING)

    processes.start("code-server", *grpc)  # back

    def finished() -> bool:
        current = instance.get_run_by_id(run_id)
        return current is not None and current.is_finished

    _wait(finished, "the run finishing", tmp_path, timeout_s=240)
    run = instance.get_run_by_id(run_id)
    assert run is not None and run.status == DagsterRunStatus.SUCCESS
    instance.dispose()
