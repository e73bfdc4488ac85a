"""The dashboard's own component tests (vitest, jsdom), run with the venv's Node; and its build's budget: the first
route's JavaScript stays under 300 kB gzipped, the chart library loads only with the page that draws charts."""

from __future__ import annotations

import gzip
import re
import subprocess

from hugdata.webapp.build import DIST_DIR, WEB_DIR, build_dashboard, node_environment, npm_command


def test_the_component_tests_pass() -> None:
    build_dashboard(say=lambda _: None)  # installs the packages (and the generated API types) if needed
    done = subprocess.run(npm_command("test"), cwd=WEB_DIR, env=node_environment(), capture_output=True, text=True)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    plain = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)
    assert re.search(r"Tests\s+\d+ passed", plain), plain[-2000:]


def test_the_first_route_loads_under_300_kb_gzipped_and_vega_waits_for_the_ask_page() -> None:
    build_dashboard(say=lambda _: None)
    index = (DIST_DIR / "index.html").read_text()
    entry = re.findall(r'src="/app/assets/([^"]+\.js)"', index)
    preloaded = re.findall(r'href="/app/assets/([^"]+\.js)"', index)
    first_route = [DIST_DIR / "assets" / name for name in entry + preloaded]
    size = sum(len(gzip.compress(path.read_bytes())) for path in first_route)
    assert 0 < size <= 300_000, size
    assert not any(name.startswith("vega") for name in entry + preloaded)
    assert any(p.name.startswith("vega") for p in (DIST_DIR / "assets").iterdir())  # split off, not left out
