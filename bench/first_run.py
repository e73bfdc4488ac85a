"""A new user's first `make run`: clone the project, run it, time each phase until the dashboard links are printed;
then stop it and time a second start. Caches (uv's, npm's, pip's, the embedding model's) start empty, as on a new
machine.

`python -m bench first_run` writes .bench-results/first_run.json: every line printed with the second it appeared,
the phases (install, dashboard build, platform start, demo catalogs), the ready time of both starts, whether any
line is installer noise, and the machine's load before and after.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import write_report

ROOT = Path(__file__).resolve().parent.parent
READY = "HugData platform is up."
FIRST_RUN_TARGET_S = 90.0
SECOND_START_TARGET_S = 25.0
# Installer output that must not reach the screen (it belongs in the install log).
NOISE = re.compile(r"^(WARNING|DEPRECATION|Looking in|Requirement already|Collecting|Downloading|  Running|Obtaining|"
                   r"Building|Successfully|Installing collected|.*Editable install|npm warn)", re.I)  # fmt: skip
PHASES = {
    "install": re.compile(r"installed the platform"),
    "dashboard": re.compile(r"^dashboard: (built|up to date)"),
    "postgres": re.compile(r"databases are at their latest migration"),
    "api": re.compile(r"API ready at"),
    "dagster": re.compile(r"Dagster webserver ready"),
    "ready": re.compile(re.escape(READY)),
}


@dataclass
class Start:
    lines: list[tuple[float, str]] = field(default_factory=list)
    ready_s: float | None = None
    exit_code: int | None = None

    def phases(self) -> dict[str, float | None]:
        """When each phase's closing line appeared, in seconds since `make run` started."""
        return {
            name: next((at for at, line in self.lines if pattern.search(line)), None)
            for name, pattern in PHASES.items()
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _make_run(clone: Path, env: dict[str, str], timeout_s: float) -> Start:
    """`make run` in ``clone`` until its links are printed (or it exits, or ``timeout_s``), then Ctrl-C."""
    start = Start()
    began = time.monotonic()
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    ready = threading.Event()

    def read() -> None:
        for raw in proc.stdout:  # type: ignore[union-attr]
            line = raw.rstrip("\n")
            start.lines.append((round(time.monotonic() - began, 1), line))
            if READY in line and start.ready_s is None:
                start.ready_s = round(time.monotonic() - began, 1)
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout_s
    while not ready.is_set() and proc.poll() is None and time.monotonic() < deadline:
        ready.wait(0.5)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(5)
    start.exit_code = proc.returncode
    return start


def main() -> None:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="hugdata-first-run-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        caches = Path(tmp) / "caches"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("HUGDATA_", "VIRTUAL_ENV", "DAGSTER_"))},
            "UV_CACHE_DIR": str(caches / "uv"),
            "npm_config_cache": str(caches / "npm"),
            "PIP_CACHE_DIR": str(caches / "pip"),
            "HUGDATA_MODEL_CACHE_DIR": str(caches / "model"),
            "HUGDATA_API_PORT": str(_free_port()),
            "HUGDATA_DAGSTER_PORT": str(_free_port()),
        }
        first = _make_run(clone, env, timeout_s=900)
        second = _make_run(clone, env, timeout_s=300)
    noise = [line for _, line in first.lines + second.lines if NOISE.search(line)]
    report: dict[str, object] = {
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "first_start": {
            "ready_s": first.ready_s,
            "target_s": FIRST_RUN_TARGET_S,
            "phases_s": first.phases(),
            "exit_code": first.exit_code,
            "lines": [f"{at:6.1f}  {line}" for at, line in first.lines],
        },
        "second_start": {
            "ready_s": second.ready_s,
            "target_s": SECOND_START_TARGET_S,
            "phases_s": second.phases(),
            "exit_code": second.exit_code,
            "lines": [f"{at:6.1f}  {line}" for at, line in second.lines if not line.startswith("  ")],
        },
        "noise_lines": noise[:20],
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    write_report("first_run", report)
    if first.ready_s is None:
        print("the first start never printed its links; see the lines above", file=sys.stderr)
