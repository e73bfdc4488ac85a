"""The installer `make` runs first: progress lines only, and a failure that names its log with the last lines."""

import os
import sys
import venv
from pathlib import Path

import pytest

from tools.install_venv import Installer, install, start_dashboard_packages


def test_a_failed_install_prints_its_cause_and_the_log_to_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("")
    log = tmp_path / "install.log"
    missing = tmp_path / "no-such-project"
    code = install(env_dir, constraints, str(missing), log)
    out, err = capsys.readouterr()
    assert code == 1
    assert all(line.startswith("[") for line in out.splitlines())  # progress lines, nothing of the installers
    assert f"installing the platform failed; the last lines of {log}:" in err
    assert "no-such-project" in err and "no-such-project" in log.read_text()


def test_progress_lines_carry_the_seconds_since_the_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    installer = Installer(tmp_path / "log")
    assert installer.run([sys.executable, "-c", "print('to the log, not the screen')"])
    installer.say("done")
    assert capsys.readouterr().out == "[   0s] done\n"
    assert "to the log, not the screen" in (tmp_path / "log").read_text()


def test_the_dashboard_packages_are_left_alone_when_they_match_the_lock_file(tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "node_modules").mkdir(parents=True)
    (web / "package-lock.json").write_text("{}")
    (web / "node_modules" / ".package-lock.json").write_text("{}")
    os.utime(web / "package-lock.json", (1, 1))
    assert start_dashboard_packages(tmp_path / "venv", web, tmp_path / "npm.log") is None


def test_make_installs_quietly() -> None:
    """The Makefile runs the installer quietly: no recipe echo, no pip or setuptools lines."""
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    recipe = makefile.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert all(line.startswith("\t@") for line in recipe.splitlines()[1:] if line.startswith("\t"))
    assert "pip install" not in recipe
