"""Install the platform and its pinned dependencies into a virtual environment, printing progress only.

Run by `make` with nothing but the standard library. uv (a pinned release from PyPI) resolves and installs the
pinned set several times faster than pip; pip does it when uv cannot. The installers' own output goes to a log file
that a failure names, with its last lines.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import venv
from pathlib import Path

LOG_TAIL = 25


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


def install(venv_dir: Path, constraints: Path, target: str, log: Path) -> int:
    """Create ``venv_dir`` if needed and install ``target`` into it under ``constraints``; 0 on success."""
    installer = Installer(log)
    python = venv_dir / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(venv_dir)
        installer.say(f"created {venv_dir}")
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    if installer.run([*pip, "install", "--quiet", "-c", str(constraints), "uv"]):
        uv = venv_dir / "bin" / "uv"
        installer.say("installing with uv (installer output: " + str(log) + ") ...")
        # Bytecode compiled once here, as pip does, rather than by each of `make run`'s processes at their first start.
        argv = [str(uv), "pip", "install", "--compile-bytecode", "--python", str(python), "-c", str(constraints)]
        if installer.run([*argv, "-e", target]):
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
    parser.add_argument("target", nargs="?", default=".[dev]")
    args = parser.parse_args()
    return install(args.venv, args.constraints, args.target, args.log)


if __name__ == "__main__":
    sys.exit(main())
