"""`make run`: the whole local platform starts, registers the demo tenants, and stops on Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hugdata.devstack import code_location_error

pytestmark = pytest.mark.e2e

BANNER_END = "Press Ctrl-C to stop everything."
DEMO_IDS = ["demo-billing", "demo-hr", "demo-shop"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hugdata.cli", "dev"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def _wait_for_banner(proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 240) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log.read_text()
        if BANNER_END in text:
            return text
        if proc.poll() is not None:
            pytest.fail(f"`hugdata dev` exited with {proc.returncode}:\n{text}")
        time.sleep(0.5)
    proc.kill()
    pytest.fail(f"`hugdata dev` did not come up:\n{log.read_text()}")


def _interrupt(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGINT)
    return proc.wait(60)


def _partition_keys(dagster_url: str) -> list[str]:
    query = '{ assetNodeOrError(assetKey: {path: ["database_schema"]}) { ... on AssetNode { partitionKeys } } }'
    data = httpx.post(f"{dagster_url}/graphql", json={"query": query}, timeout=30).json()
    return sorted(data["data"]["assetNodeOrError"]["partitionKeys"])


def test_dev_stack_serves_demo_projects_and_stops_every_child_on_ctrl_c(tmp_path: Path, pg_home: Path) -> None:
    api_port, dagster_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUGDATA_", "DAGSTER_"))}
    env.update(
        {
            "HUGDATA_STATE_DIR": str(pg_home / "state"),
            "HUGDATA_SCHEDULES_ENABLED": "false",
            "HUGDATA_API_PORT": str(api_port),
            "HUGDATA_DAGSTER_PORT": str(dagster_port),
        }
    )
    api, dagster = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{dagster_port}"
    token = subprocess.run(
        [sys.executable, "-m", "hugdata.cli", "admin-token"], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}

    proc = _start(env, tmp_path / "first.log")
    try:
        banner = _wait_for_banner(proc, tmp_path / "first.log")
        assert f"{dagster}" in banner and f"{api}/docs" in banner and "curl" in banner
        # Progress while it worked: each demo's catalog assets as they were materialized, then one-time links.
        assert all(f"{p}: schema_vector_index materialized" in banner for p in DEMO_IDS), banner
        links = [line.split(": ", 1)[1] for line in banner.splitlines() if line.strip().startswith("Dashboard")]
        shop_link = next((u.split()[0] for u in links if "(demo-shop;" in u), None)
        assert any("(admin;" in u for u in links), banner
        assert shop_link and "/app/session?token=" in shop_link, banner
        opened = httpx.get(shop_link, follow_redirects=False, timeout=10)
        assert opened.status_code == 303 and opened.headers["location"] == "/app/projects/demo-shop"
        assert "hugdata_session=" in opened.headers["set-cookie"]
        listed = httpx.get(f"{api}/v1/projects", headers=headers, timeout=10).json()["items"]
        assert sorted(p["id"] for p in listed) == DEMO_IDS
        assert code_location_error(dagster) is None
        assert _partition_keys(dagster) == DEMO_IDS
        # the onboarding sensor materialized every demo project: its catalog is searchable
        for project_id in DEMO_IDS:
            hits = httpx.post(
                f"{api}/v1/projects/{project_id}/search",
                headers=headers,
                timeout=30,
                json={"query": "who are the customers or employees", "k": 3},
            ).json()["results"]
            assert hits and all(h["score"] > 0 for h in hits)
        demo_db = Path(next(p for p in listed if p["id"] == "demo-shop")["data_source"]["path"])
        assert demo_db.exists()
    finally:
        code = _interrupt(proc)
    assert code == 0
    for port in (api_port, dagster_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still served after Ctrl-C"

    # A second start reuses the state: same secrets, same projects, demo registration answered 200.
    proc = _start(env, tmp_path / "second.log")
    try:
        _wait_for_banner(proc, tmp_path / "second.log")
        listed = httpx.get(f"{api}/v1/projects", headers=headers, timeout=10).json()["items"]
        assert sorted(p["id"] for p in listed) == DEMO_IDS
    finally:
        assert _interrupt(proc) == 0
    api_log = (pg_home / "state" / "logs" / "api.log").read_text()
    assert api_log.count('"POST /v1/projects HTTP/1.1" 201') == 3
    assert api_log.count('"POST /v1/projects HTTP/1.1" 200') == 3
    assert "not searchable yet" not in (tmp_path / "first.log").read_text()
