"""`make run`: the whole platform on one machine, on the embedded Postgres, under one supervisor."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import yaml

from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.dev_progress import Progress, dashboard_links, watch_demo_catalogs
from hugdata.migrations import upgrade_all

CODE_LOCATION_MODULE = "hugdata.platform.definitions"


@dataclass
class Supervisor:
    """Starts child processes in their own process groups and stops all of them together."""

    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def spawn(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        log = log_path.open("ab")
        self.children[name] = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def dead_child(self) -> str | None:
        return next((name for name, proc in self.children.items() if proc.poll() is not None), None)

    def stop_all(self, timeout_s: float = 15.0) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for proc in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
            # Dagster's code servers outlive their parent's SIGTERM; nothing of the group may stay behind.
            kill_group(proc.pid)
            proc.wait()


def kill_group(pgid: int) -> None:
    """SIGKILL every process left in a process group (no error when it is already empty)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def write_workspace(dagster_home: Path, code_server_port: int | None = None) -> Path:
    """workspace.yaml that loads the platform's code location: from the standing code server on
    ``code_server_port``, or (without one) from a code server each Dagster process starts and replaces itself."""
    path = dagster_home / "workspace.yaml"
    if code_server_port is None:
        location: dict[str, object] = {"python_module": CODE_LOCATION_MODULE}
    else:
        server = {"host": "127.0.0.1", "port": code_server_port, "location_name": CODE_LOCATION_MODULE}
        location = {"grpc_server": server}
    path.write_text(yaml.safe_dump({"load_from": [location]}))
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def code_server_argv(port: int) -> list[str]:
    """The standing code server (`hugdata.code_server`: run workers fork from a preloaded process) on ``port``.
    One server for the webserver and the daemon: the daemon no longer starts and replaces its own every minute."""
    return [
        sys.executable, "-m", "hugdata.code_server", "-m", CODE_LOCATION_MODULE,
        "-h", "127.0.0.1", "-p", str(port), "--location-name", CODE_LOCATION_MODULE,
    ]  # fmt: skip


def wait_for_code_server(port: int, timeout_s: float, alive: Callable[[], bool]) -> None:
    """Block until the code server on ``port`` answers a health check; RuntimeError if it dies or takes too long."""
    from dagster._grpc.client import DagsterGrpcClient

    client = DagsterGrpcClient(port=port, host="127.0.0.1")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("the code server exited while loading the code location")
        with contextlib.suppress(Exception):  # refused until the server has loaded the code location
            client.ping("hugdata")
            return
        time.sleep(0.5)
    raise RuntimeError(f"the code server did not answer within {timeout_s:.0f} s")


def start_code_server(env: dict[str, str], output: int | IO[bytes]) -> tuple[subprocess.Popen[bytes], int]:
    """Start the standing code server on a free port, writing to ``output``, and wait until it answers; return the
    process and its port. RuntimeError (the process stopped) if it dies or does not answer."""
    port = free_port()
    proc = subprocess.Popen(
        code_server_argv(port), env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_for_code_server(port, 300, lambda: proc.poll() is None)
    except RuntimeError:
        kill_group(proc.pid)
        proc.wait()
        raise
    return proc, port


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        return sock.connect_ex((host, port)) != 0


def _wait_http(url: str, timeout_s: float, supervisor: Supervisor) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        dead = supervisor.dead_child()
        if dead:
            raise RuntimeError(f"{dead} exited during start-up; see its log under the state folder")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become ready within {timeout_s:.0f}s")


def register_demo_projects(api_url: str, admin_token: str, data_dir: Path) -> list[str]:
    """Create the demo databases and register them through the API (idempotent); return the project IDs."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    registered = []
    for tenant in DEMO_TENANTS:
        path = build_demo_database(tenant, data_dir)
        body = {
            "id": tenant.project_id,
            "name": tenant.name,
            "tier": tenant.tier.value,
            "data_source": {"dialect": "sqlite", "path": str(path)},
        }
        response = httpx.post(f"{api_url}/v1/projects", json=body, headers=headers, timeout=30)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"registering {tenant.project_id} failed: {response.status_code} {response.text}")
        registered.append(tenant.project_id)
    return registered


_WORKSPACE_QUERY = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name locationOrLoadError {
    __typename ... on PythonError { message } } } } } }
"""


def code_location_error(dagster_url: str) -> str | None:
    """The load error of the platform's code location as the webserver reports it, or None when it loaded."""
    response = httpx.post(f"{dagster_url}/graphql", json={"query": _WORKSPACE_QUERY}, timeout=30)
    entries = response.json()["data"]["workspaceOrError"]["locationEntries"]
    for entry in entries:
        loaded = entry["locationOrLoadError"]
        if loaded is None or loaded["__typename"] == "PythonError":
            return (loaded or {}).get("message", f"{entry['name']} has not loaded")
    return None if entries else "no code location in the workspace"


def _prepare_embedding_model(settings: Settings, say: Callable[[str], None]) -> None:
    """Build the local embedding model's run-time file before anything waits on it, saying so: it is built once per
    machine (and per new release of its packages), then reused."""
    if settings.embedding_provider != "local":
        return
    from hugdata.catalog.local_model import minilm_path, quantized_minilm

    if minilm_path(settings.model_cache_dir).exists():
        return
    say(f"preparing the local embedding model (once; a few seconds) into {settings.model_cache_dir} ...")
    quantized_minilm(settings.model_cache_dir)
    say("the embedding model is ready")


def run_dev_stack(settings: Settings, *, register_demos: bool = True) -> int:
    """Run Postgres, migrations, the Dagster webserver and daemon, and the API until interrupted."""
    state = settings.resolved_state_dir
    for port, what in ((settings.api_port, "API"), (settings.dagster_port, "Dagster webserver")):
        if not _port_free(settings.api_host, port):
            print(
                f"port {port} for the {what} is in use; set HUGDATA_{'API' if what == 'API' else 'DAGSTER'}_PORT",
                file=sys.stderr,
            )
            return 2
    say = Progress()
    say("starting the embedded Postgres and migrating ...")
    databases = upgrade_all(settings)
    say("platform and Dagster databases are at their latest migration")
    dagster_home = settings.resolved_dagster_home
    code_server_port = free_port()
    workspace = write_workspace(dagster_home, code_server_port)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "HUGDATA_STATE_DIR": str(state),
        "HUGDATA_DATABASE_URL": databases.hugdata_url,
        "HUGDATA_DAGSTER_DATABASE_URL": databases.dagster_url,
    }
    bin_dir = Path(sys.executable).parent
    logs = state / "logs"
    logs.mkdir(exist_ok=True)
    host = settings.api_host
    supervisor = Supervisor()
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        _prepare_embedding_model(settings, say)
        say("starting the code server (loads the code location once; run workers fork from it) ...")
        supervisor.spawn("code-server", code_server_argv(code_server_port), env, logs / "code-server.log")
        wait_for_code_server(code_server_port, 120, lambda: supervisor.dead_child() is None)
        supervisor.spawn(
            "dagster-webserver",
            [str(bin_dir / "dagster-webserver"), "-h", host, "-p", str(settings.dagster_port), "-w", str(workspace)],
            env,
            logs / "dagster-webserver.log",
        )
        supervisor.spawn(
            "dagster-daemon",
            [str(bin_dir / "dagster-daemon"), "run", "-w", str(workspace)],
            env,
            logs / "dagster-daemon.log",
        )
        supervisor.spawn(
            "api",
            [str(bin_dir / "hugdata"), "api", "--host", host, "--port", str(settings.api_port)],
            env,
            logs / "api.log",
        )
        say("started dagster-webserver, dagster-daemon and the API; waiting for the API ...")
        api_url = f"http://{host}:{settings.api_port}"
        dagster_url = f"http://{host}:{settings.dagster_port}"
        _wait_http(f"{api_url}/readyz", 60, supervisor)
        say(f"API ready at {api_url}")
        assert settings.admin_token is not None
        demos = (
            register_demo_projects(api_url, settings.admin_token.get_secret_value(), state / "demo")
            if register_demos
            else []
        )
        if demos:
            say(f"registered the demo projects: {', '.join(demos)}")
        _wait_http(f"{dagster_url}/server_info", 120, supervisor)
        load_error = code_location_error(dagster_url)
        if load_error:
            print(f"the code location failed to load in Dagster:\n{load_error}", file=sys.stderr)
        else:
            say(f"Dagster webserver ready at {dagster_url}; the daemon runs each demo project's first catalog")
        token = settings.admin_token.get_secret_value()
        if demos:
            pending = watch_demo_catalogs(api_url, token, demos, say, stop=lambda: bool(supervisor.dead_child()))
            if pending:
                print(f"not searchable yet: {', '.join(pending)}; see {dagster_url}/runs", file=sys.stderr)
        links = dashboard_links(api_url, token, "demo-shop" if "demo-shop" in demos else (demos or [None])[0])
        print(_banner(api_url, dagster_url, registered_projects(api_url, token) or demos, logs, links), flush=True)
        while not stopping:
            dead = supervisor.dead_child()
            if dead:
                print(f"{dead} exited; stopping everything (log: {logs / (dead + '.log')})", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as exc:
        print(f"start-up failed: {exc}", file=sys.stderr)
        return 1
    finally:
        print("stopping ...", flush=True)
        supervisor.stop_all()
        if settings.uses_embedded_postgres and os.environ.get("HUGDATA_KEEP_POSTGRES") != "1":
            from hugdata.embedded_pg import embedded_postgres_for

            embedded_postgres_for(settings).stop()


def registered_projects(api_url: str, admin_token: str, *, shown: int = 20) -> list[str]:
    """Every registered project's ID (the first ``shown``, then how many more), not only the demos."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    try:
        page = httpx.get(f"{api_url}/v1/projects", params={"limit": shown + 1}, headers=headers, timeout=10)
    except httpx.HTTPError:
        return []
    if page.status_code != 200:
        return []
    ids = [p["id"] for p in page.json()["items"]]
    return ids[:shown] + (["and more (GET /v1/projects)"] if len(ids) > shown else [])


def _banner(api_url: str, dagster_url: str, demos: list[str], logs: Path, links: dict[str, str]) -> str:
    project = next((d for d in demos if d.startswith("demo-")), demos[0] if demos else "<project-id>")
    dashboards = "".join(f"\n  Dashboard  : {url}  ({name}; opens once, for 15 min)" for name, url in links.items())
    return f"""
HugData platform is up.{dashboards}
  Dagster UI : {dagster_url}
  API docs   : {api_url}/docs
  Projects   : {", ".join(demos) or "none registered"}
  Logs       : {logs}

Try it (in another shell):
  TOKEN=$(.venv/bin/hugdata admin-token)
  curl -s -H "Authorization: Bearer $TOKEN" {api_url}/v1/projects/{project}
  curl -s -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
       -d '{{"query": "revenue per customer", "k": 5}}' {api_url}/v1/projects/{project}/search

New dashboard links: .venv/bin/hugdata dashboard-link [project-id]
Press Ctrl-C to stop everything.
"""
