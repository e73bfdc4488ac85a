"""The dashboard's files at /app/: every app path answers the app's page under a strict Content-Security-Policy and
no cache; hashed assets are cached for a year; a missing asset is a 404, not the page; without a build /app/ says
how to make one."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from fastapi.testclient import TestClient

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.webapp.build import DIST_DIR, build_dashboard


def test_app_paths_get_the_page_with_a_strict_policy_and_assets_a_years_cache(client: TestClient) -> None:
    build_dashboard(say=lambda _: None)
    page = client.get("/app/projects/some-project/runs")
    assert page.status_code == 200 and page.text == (DIST_DIR / "index.html").read_text()
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy and "frame-ancestors 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert page.headers["cache-control"] == "no-cache"
    [script] = re.findall(r'src="(/app/assets/[^"]+\.js)"', page.text)
    asset = client.get(script)
    assert asset.status_code == 200 and asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/app/assets/not-there.js").status_code == 404
    assert client.get("/app/session?token=nope").status_code == 401  # the sign-in route, not the page


def test_without_a_build_the_app_says_how_to_make_one(clean_platform: ApiRuntime, tmp_path: Path) -> None:
    settings = clean_platform.settings.model_copy(update={"dashboard_dir": tmp_path / "no-build"})
    with TestClient(create_app(runtime=dataclasses.replace(clean_platform, settings=settings))) as api:
        page = api.get("/app/")
    assert page.status_code == 503 and "make web" in page.text
