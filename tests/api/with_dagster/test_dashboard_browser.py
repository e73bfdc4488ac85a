"""The tenant dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright for Python) against the
real stack: the API serving web/dist, Postgres, the Dagster webserver and daemon running the demo shop's runs.
Screenshots of every page are kept under .test-artifacts/dashboard/."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import update

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime, build_runtime
from hugdata.config import Settings
from hugdata.dashboard.sessions import DashboardLink
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.webapp.build import ROOT, build_dashboard
from tests.conftest import truncate_platform
from tests.helpers import ADMIN_TOKEN, served, wait_until

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("no Chromium for the browser tests: apt-get install chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright missing: pip install -e '.[dev]'")

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SHOTS = ROOT / ".test-artifacts" / "dashboard"
SHOP = "demo-shop"


@dataclass
class Dashboard:
    url: str
    runtime: ApiRuntime

    def link(self, project_id: str | None = SHOP) -> str:
        path = f"/v1/projects/{project_id}/dashboard-links" if project_id else "/v1/dashboard-links"
        response = httpx.post(f"{self.url}{path}", headers=ADMIN, timeout=30)
        assert response.status_code == 201, response.text
        # The link names the configured public URL; this server listens on a port of its own.
        issued = urlsplit(response.json()["url"])
        return f"{self.url}{issued.path}?{issued.query}"

    def open(self, page: object, section: str | None = None) -> None:
        """Sign ``page`` in through a fresh link (it lands on the shop's Overview), then follow a nav link."""
        page.goto(self.link())  # type: ignore[attr-defined]
        page.wait_for_url(f"**/app/projects/{SHOP}")  # type: ignore[attr-defined]
        if section:
            page.get_by_role("link", name=section).click()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def dashboard(
    dagster_url: str, settings: Settings, runtime: ApiRuntime, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Dashboard]:
    """The built app served by the API on the Dagster stack, with the demo shop registered and its catalog built."""
    build_dashboard(say=lambda _: None)
    truncate_platform(runtime)
    own = build_runtime(settings.model_copy(update={"dagster_graphql_url": dagster_url}))
    source = build_demo_database(DEMO_TENANTS[0], tmp_path_factory.mktemp("shop"))
    with served(create_app(runtime=own)) as url:
        body = {"id": SHOP, "name": "Demo: online shop", "data_source": {"dialect": "sqlite", "path": str(source)}}
        assert httpx.post(f"{url}/v1/projects", json=body, headers=ADMIN, timeout=30).status_code == 201

        def materialized() -> bool:
            states = httpx.get(f"{url}/v1/projects/{SHOP}/assets", headers=ADMIN, timeout=30).json()
            return {s["asset"] for s in states if s["status"] == "materialized"} >= {
                "database_schema", "semantic_model", "schema_vector_index"}  # fmt: skip

        wait_until(materialized, timeout_s=240, what="the demo shop's first catalog")
        yield Dashboard(url, own)
    own.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    opened = context.new_page()
    yield opened
    context.close()


def test_a_dashboard_link_opens_the_overview_with_the_catalog_materialized(dashboard: Dashboard, page: object) -> None:
    dashboard.open(page)
    row = page.locator('tr[data-asset="database_schema"]')  # type: ignore[attr-defined]
    sync_api.expect(row.locator(".status")).to_have_text("materialized", timeout=15_000)
    sync_api.expect(page.locator('tr[data-asset="schema_vector_index"] .status')).to_have_text("materialized")  # type: ignore[attr-defined]
    sync_api.expect(page.get_by_text("tables in the catalog")).to_be_visible()  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    sync_api.expect(row).to_be_visible()
    page.screenshot(path=str(SHOTS / "overview-390.png"), full_page=True)  # type: ignore[attr-defined]


def test_a_run_started_on_the_page_goes_queued_started_success_without_a_reload(
    dashboard: Dashboard, page: object
) -> None:
    dashboard.open(page, "Runs")
    sync_api.expect(page.locator(".live.live")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    sync_api.expect(page.locator("table.runs tr[data-run]").first).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    page.evaluate("window.__sameDocument = true")  # type: ignore[attr-defined]
    before = set(page.locator("tr[data-run]").evaluate_all("rows => rows.map(r => r.dataset.run)"))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sync the catalog now").click()  # type: ignore[attr-defined]
    seen: list[str] = []
    trace: list[tuple[float, object]] = []
    clicked = time.monotonic()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and (not seen or seen[-1] not in ("SUCCESS", "FAILURE")):
        rows = page.locator("tr[data-run]").evaluate_all(  # type: ignore[attr-defined]
            "rows => rows.map(r => [r.dataset.run, r.querySelector('[data-status]').dataset.status])"
        )
        new = [status for run_id, status in rows if run_id not in before]
        if not trace or trace[-1][1] != rows:
            trace.append((round(time.monotonic() - clicked, 2), rows))
        if new and (not seen or seen[-1] != new[0]):
            seen.append(new[0])
        time.sleep(0.05)
    page.screenshot(path=str(SHOTS / "runs.png"), full_page=True)  # type: ignore[attr-defined]
    assert seen and seen[-1] == "SUCCESS", trace
    assert seen[0] in ("QUEUED", "NOT_STARTED", "STARTING"), trace  # shown before it ran
    assert "STARTED" in seen, seen  # and while it ran: the stream moved it on, not a reload
    assert page.evaluate("window.__sameDocument") is True  # type: ignore[attr-defined]
    # The run's own page: its steps, each with what it did in this run.
    new_run = next(run_id for run_id, _ in rows if run_id not in before)
    page.locator(f'tr[data-run="{new_run}"] a').click()  # type: ignore[attr-defined]
    page.wait_for_url(f"**/app/projects/{SHOP}/runs/{new_run}")  # type: ignore[attr-defined]
    step = page.locator('tr[data-step="database_schema"] .status')  # type: ignore[attr-defined]
    sync_api.expect(step).to_have_text("materialized", timeout=15_000)
    events = page.get_by_role("list", name="run events")  # type: ignore[attr-defined]
    sync_api.expect(events).to_contain_text("database_schema materialized", timeout=15_000)
    page.screenshot(path=str(SHOTS / "run.png"), full_page=True)  # type: ignore[attr-defined]


def test_ask_shows_the_number_and_draws_its_chart(dashboard: Dashboard, page: object) -> None:
    dashboard.open(page, "Ask")
    page.get_by_label("Your question").fill("how many orders are there")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Ask").click()  # type: ignore[attr-defined]
    answer = page.get_by_role("article", name="answer")  # type: ignore[attr-defined]
    sync_api.expect(answer.locator("table.rows td")).to_have_text("1500", timeout=30_000)
    sync_api.expect(answer).to_contain_text("offline planner")
    marks = answer.locator("figure.chart svg .mark-text text")
    sync_api.expect(marks).to_have_text("1500", timeout=15_000)  # drawn by Vega, not just a table
    page.screenshot(path=str(SHOTS / "ask.png"), full_page=True)  # type: ignore[attr-defined]


def test_another_projects_page_says_not_found_and_a_used_or_expired_link_is_refused(
    dashboard: Dashboard, page: object
) -> None:
    link = dashboard.link()
    page.goto(link)  # type: ignore[attr-defined]
    page.wait_for_url(f"**/app/projects/{SHOP}")  # type: ignore[attr-defined]
    page.goto(f"{dashboard.url}/app/projects/demo-billing")  # type: ignore[attr-defined]
    sync_api.expect(page.get_by_role("alert").first).to_contain_text("not found", timeout=15_000)  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "not-found.png"), full_page=True)  # type: ignore[attr-defined]
    page.goto(link)  # type: ignore[attr-defined]
    sync_api.expect(page.get_by_role("alert")).to_contain_text("already used")  # type: ignore[attr-defined]
    expired = dashboard.link()
    with dashboard.runtime.sessions() as session:
        session.execute(update(DashboardLink).where(DashboardLink.used_at.is_(None))
                        .values(expires_at=DashboardLink.created_at))  # fmt: skip
        session.commit()
    page.goto(expired)  # type: ignore[attr-defined]
    sync_api.expect(page.get_by_role("alert")).to_contain_text("expired")  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "link-refused.png"), full_page=True)  # type: ignore[attr-defined]


def test_the_api_docs_render_with_no_internet(dashboard: Dashboard, page: object) -> None:
    outside: list[str] = []
    page.route(  # type: ignore[attr-defined]
        "**/*",
        lambda route: (
            (outside.append(route.request.url) or route.abort())
            if not route.request.url.startswith(dashboard.url)
            else route.continue_()
        ),
    )
    page.goto(f"{dashboard.url}/docs")  # type: ignore[attr-defined]
    sync_api.expect(page.locator(".swagger-ui .info .title")).to_contain_text("HugData", timeout=20_000)  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "docs.png"))  # type: ignore[attr-defined]
    page.goto(f"{dashboard.url}/redoc")  # type: ignore[attr-defined]
    sync_api.expect(page.get_by_role("heading", name="HugData Platform API").first).to_be_visible(timeout=20_000)  # type: ignore[attr-defined]
    assert outside == []


def test_the_admin_view_lists_projects_and_opens_one(dashboard: Dashboard, page: object) -> None:
    page.goto(dashboard.link(None))  # type: ignore[attr-defined]
    page.wait_for_url("**/app/admin")  # type: ignore[attr-defined]
    page.get_by_label("Find a project").fill("shop")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Demo: online shop").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"**/app/projects/{SHOP}")  # type: ignore[attr-defined]
    sync_api.expect(page.locator('tr[data-asset="database_schema"] .status')).to_have_text("materialized")  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "admin.png"), full_page=True)  # type: ignore[attr-defined]


def test_the_catalog_page_browses_the_shops_tables_and_searches_them(dashboard: Dashboard, page: object) -> None:
    dashboard.open(page, "Catalog")
    tables = page.locator("details.table")  # type: ignore[attr-defined]
    sync_api.expect(tables).to_have_count(6, timeout=15_000)
    page.locator('details[data-table="orders"] summary').click()  # type: ignore[attr-defined]
    sync_api.expect(page.locator('details[data-table="orders"] tbody th').first).to_be_visible()  # type: ignore[attr-defined]
    page.get_by_label("Filter tables").fill("product")  # type: ignore[attr-defined]
    sync_api.expect(tables).to_have_count(2)  # products, product_reviews
    page.get_by_label("Search the catalog").fill("star ratings of products")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Search").click()  # type: ignore[attr-defined]
    hits = page.get_by_role("list", name="search results").locator("li")  # type: ignore[attr-defined]
    sync_api.expect(hits.first).to_be_visible(timeout=15_000)
    assert "review" in " ".join(hits.all_inner_texts()).lower()
    page.screenshot(path=str(SHOTS / "catalog.png"), full_page=True)  # type: ignore[attr-defined]


def test_the_analytics_page_plots_the_projects_questions(dashboard: Dashboard, page: object) -> None:
    with httpx.Client(base_url=dashboard.url, headers=ADMIN, timeout=60) as http:
        assert (
            http.post(f"/v1/projects/{SHOP}/ask", json={"question": "How many customers are there?"}).status_code == 200
        )
        run = http.post(f"/v1/projects/{SHOP}/materializations", json={"assets": ["usage_analytics"]})
        assert run.status_code == 202, run.text
        run_id = run.json()["run_id"]
        wait_until(lambda: http.get(f"/v1/runs/{run_id}").json()["status"] in ("SUCCESS", "FAILURE"), 180, "analytics")
        assert http.get(f"/v1/runs/{run_id}").json()["status"] == "SUCCESS"
    dashboard.open(page, "Analytics")
    sync_api.expect(page.locator("dl.figures dd").first).not_to_have_text("0", timeout=20_000)  # type: ignore[attr-defined]
    bars = page.locator("figure.chart").first.locator("svg .mark-rect path")  # type: ignore[attr-defined]
    try:
        sync_api.expect(bars.first).to_be_attached(timeout=15_000)
    finally:
        page.screenshot(path=str(SHOTS / "analytics.png"), full_page=True)  # type: ignore[attr-defined]


def test_the_lineage_page_shows_the_shops_tables_and_a_tables_columns(dashboard: Dashboard, page: object) -> None:
    dashboard.open(page, "Lineage")
    tables = page.locator(".react-flow__node.lineage-node.table")  # type: ignore[attr-defined]
    sync_api.expect(tables).to_have_count(6, timeout=20_000)
    labels = sorted(tables.all_inner_texts())
    assert any(label.endswith("orders") for label in labels) and any("product_reviews" in x for x in labels), labels
    # Each table's vector documents are drawn as one node counting them.
    assert page.locator(".react-flow__node.lineage-node.documents").count() >= 6  # type: ignore[attr-defined]
    # Laid out, not stacked: the six tables sit at distinct places.
    boxes = {(round(b["x"]), round(b["y"])) for b in (t.bounding_box() for t in tables.all()) if b}
    assert len(boxes) == 6, boxes
    # The graph is not the only way in: the tables are buttons too, for the keyboard and for a click that no pan
    # or zoom of the graph can put out of reach.
    page.get_by_role("navigation", name="source tables").get_by_role("button", name="main.orders", exact=True).click()  # type: ignore[attr-defined]
    detail = page.get_by_role("complementary", name="table detail")  # type: ignore[attr-defined]
    sync_api.expect(detail).to_contain_text("total_amount")
    page.screenshot(path=str(SHOTS / "lineage.png"), full_page=True)  # type: ignore[attr-defined]


def test_a_project_key_signs_in_on_the_sign_in_page_and_the_keyboard_moves_between_pages(
    dashboard: Dashboard, page: object
) -> None:
    issued = httpx.post(f"{dashboard.url}/v1/projects/{SHOP}/keys", json={"name": "browser"}, headers=ADMIN)
    page.goto(f"{dashboard.url}/app/")  # type: ignore[attr-defined]
    page.wait_for_url("**/app/sign-in")  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "sign-in.png"))  # type: ignore[attr-defined]
    page.get_by_label("Project key or admin token").fill("hdk_0000000000000000_wrong")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    sync_api.expect(page.get_by_role("alert")).to_contain_text("invalid")  # type: ignore[attr-defined]
    page.get_by_label("Project key or admin token").fill(issued.json()["token"])  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_url(f"**/app/projects/{SHOP}")  # type: ignore[attr-defined]
    assert "hdk_" not in page.content()  # type: ignore[attr-defined]  # the key is not kept in the page
    focused = []
    for _ in range(12):  # Tab to the Runs link and follow it with Enter
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        focused.append(page.evaluate("document.activeElement && document.activeElement.textContent"))  # type: ignore[attr-defined]
        if focused[-1] == "Runs":
            break
    assert focused[-1] == "Runs", focused
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_url(f"**/app/projects/{SHOP}/runs")  # type: ignore[attr-defined]


def test_every_project_page_fits_a_390_px_phone(dashboard: Dashboard, page: object) -> None:
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    dashboard.open(page)
    widths = {}
    for path in ("", "/runs", "/catalog", "/lineage", "/ask", "/analytics"):
        page.goto(f"{dashboard.url}/app/projects/{SHOP}{path}")  # type: ignore[attr-defined]
        sync_api.expect(page.locator("main h1")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
        sync_api.expect(page.get_by_role("status")).to_have_count(0, timeout=20_000)  # type: ignore[attr-defined]  # loaded
        if path != "/analytics":  # its index suggestions may not exist yet: an alert that says so
            assert page.locator('[role="alert"]').count() == 0, path  # type: ignore[attr-defined]
        widths[path or "/"] = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        page.screenshot(path=str(SHOTS / f"phone{path.replace('/', '-') or '-overview'}.png"), full_page=True)  # type: ignore[attr-defined]
    # Nothing wider than the screen: tables scroll inside themselves.
    assert all(width <= 392 for width in widths.values()), widths
