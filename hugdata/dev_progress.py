"""What `make run` prints while it works: each step with the seconds since start, each demo tenant's run and asset
states as they change (a failure with its cause), and at the end one-time dashboard links."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

CATALOG = ("database_schema", "semantic_model", "schema_vector_index")


class Progress:
    """Prints ``[  12s] message`` lines, flushed at once (the console is often piped into a log)."""

    def __init__(self) -> None:
        self._started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self._started:5.0f}s] {message}", flush=True)


_RUN_STATES = {
    "NOT_STARTED": "created, waiting for the queue",
    "QUEUED": "queued",
    "STARTING": "starting",
    "STARTED": "running",
    "SUCCESS": "succeeded",
    "FAILURE": "failed",
    "CANCELING": "cancelling",
    "CANCELED": "cancelled",
}


def run_state_words(status: str) -> str:
    """A Dagster run status as a person reads it ("NOT_STARTED" is a run the daemon has not queued yet)."""
    return _RUN_STATES.get(status, status.lower().replace("_", " "))


def watch_demo_catalogs(
    api_url: str,
    admin_token: str,
    project_ids: list[str],
    say: Callable[[str], None],
    *,
    stop: Callable[[], bool],
    timeout_s: float = 300,
) -> list[str]:
    """Report each demo's newest run and its catalog assets until all are materialized; return those still pending
    (or failed) at the timeout."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    shown: dict[tuple[str, str], str] = {}
    pending = list(project_ids)
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=api_url, headers=headers, timeout=30) as http:
        while pending and time.monotonic() < deadline and not stop():
            for project_id in list(pending):
                runs = http.get(f"/v1/projects/{project_id}/runs", params={"limit": 1})
                if runs.status_code == 200 and runs.json()["items"]:
                    run = runs.json()["items"][0]
                    said = f"run {run['run_id'][:8]} {run_state_words(run['status'])}"
                    _report(shown, (project_id, "run"), said, say,
                            project_id, (run.get("failure") or {}).get("cause"))  # fmt: skip
                states = http.get(f"/v1/projects/{project_id}/assets")
                if states.status_code != 200:
                    continue
                done = 0
                for state in states.json():
                    if state["asset"] in CATALOG:
                        _report(shown, (project_id, state["asset"]), f"{state['asset']} {state['status']}", say,
                                project_id, state.get("failure_cause"))  # fmt: skip
                        done += state["status"] == "materialized"
                if done == len(CATALOG):
                    pending.remove(project_id)
            time.sleep(1)
    return pending


def _report(
    shown: dict[tuple[str, str], str],
    key: tuple[str, str],
    line: str,
    say: Callable[[str], None],
    project_id: str,
    cause: str | None,
) -> None:
    if shown.get(key) == line:
        return
    shown[key] = line
    say(f"{project_id}: {line}" + (f" - {cause}" if cause and ("failed" in line or "failure" in line) else ""))


def dashboard_links(api_url: str, admin_token: str, project_id: str | None) -> dict[str, str]:
    """One-time links to a demo tenant's dashboard and to the admin view (empty if the API refuses)."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    links = {}
    paths = {"admin": "/v1/dashboard-links"}
    if project_id:
        paths[project_id] = f"/v1/projects/{project_id}/dashboard-links"
    for name, path in paths.items():
        response = httpx.post(f"{api_url}{path}", headers=headers, timeout=30)
        if response.status_code == 201:
            links[name] = response.json()["url"]
    return links
