"""A real dagster-webserver and dagster-daemon, shared by the API tests in this package, which need Dagster's
GraphQL API. Package-scoped: the daemon reacts to every project registered (onboarding runs, webhooks), so it must
not outlive these tests and act on other tests' projects."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime, build_runtime
from hugdata.config import Settings
from hugdata.devstack import code_location_error, free_port, kill_group, start_code_server, write_workspace
from tests.conftest import truncate_platform


@dataclass
class DagsterStack:
    """A real dagster-webserver and dagster-daemon on the test session's instance; the daemon can be killed."""

    graphql_url: str
    daemon: subprocess.Popen[bytes]
    start_daemon: Callable[[], subprocess.Popen[bytes]]


@pytest.fixture(scope="package")
def dagster_stack(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterStack]:
    home = settings.resolved_dagster_home
    port = free_port()
    logs = tmp_path_factory.mktemp("dagster-logs")
    # Tenant sources that hang are given up on after a few seconds, so slow-run tests stay short.
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "HUGDATA_SOURCE_CONNECT_TIMEOUT_S": "4",
        "HUGDATA_SCHEDULES_ENABLED": "false",
    }
    bin_dir = Path(sys.executable).parent
    # The standing code server `make run` uses: run workers fork from its preloaded process.
    try:
        code_server, code_server_port = start_code_server(env, (logs / "code-server.log").open("wb"))
    except RuntimeError as exc:
        pytest.fail(f"{exc}: {(logs / 'code-server.log').read_text()[-3000:]}")
    workspace = write_workspace(home, code_server_port)
    procs: list[subprocess.Popen[bytes]] = [code_server]

    def start_daemon() -> subprocess.Popen[bytes]:
        daemon = subprocess.Popen(
            [str(bin_dir / "dagster-daemon"), "run", "-w", str(workspace)],
            env=env,
            stdout=(logs / "daemon.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(daemon)
        return daemon

    procs.append(
        subprocess.Popen(
            [str(bin_dir / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w", str(workspace)],
            env=env,
            stdout=(logs / "webserver.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    )
    stack = DagsterStack(f"http://127.0.0.1:{port}/graphql", start_daemon(), start_daemon)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/server_info", timeout=2).status_code == 200 and code_location_error(url) is None:
                    break
            except (httpx.HTTPError, KeyError, TypeError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dagster-webserver did not come up: {(logs / 'webserver.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield stack
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            # The daemon finishes its threads' ticks before it exits on SIGTERM (up to half a minute): the tests are
            # done with it, so it gets a few seconds and then the group is killed.
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
            kill_group(proc.pid)  # code servers the webserver and daemon started must not outlive the tests
            proc.wait()


@pytest.fixture(scope="package")
def dagster_url(dagster_stack: DagsterStack) -> str:
    return dagster_stack.graphql_url


@pytest.fixture
def dagster_runtime(dagster_url: str, settings: Settings, runtime: ApiRuntime) -> Iterator[ApiRuntime]:
    """An empty registry and an API runtime that talks to the real Dagster stack."""
    truncate_platform(runtime)
    own = build_runtime(settings.model_copy(update={"dagster_graphql_url": dagster_url}))
    yield own
    own.close()


@pytest.fixture
def dagster_api(dagster_runtime: ApiRuntime) -> Iterator[TestClient]:
    """The API on ``dagster_runtime``."""
    with TestClient(create_app(runtime=dagster_runtime)) as client:
        yield client
