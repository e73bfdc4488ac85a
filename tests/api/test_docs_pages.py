"""/docs and /redoc work offline: every script, style sheet and icon they load is served by the API itself."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_everything_from_the_api_itself(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "/openapi.json" in html
    assert not re.search(r"(src|href)=\"https?://", html), "a page asset would come from another host"
    assets = re.findall(r"(?:src|href)=\"(/[^\"]+)\"", html)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset  # the real file, not an error page


def test_the_swagger_page_loads_its_style_sheet_from_the_api(client: TestClient) -> None:
    html = client.get("/docs").text
    [css] = re.findall(r"href=\"(/[^\"]+\.css)\"", html)
    assert client.get(css).headers["content-type"].startswith("text/css")
