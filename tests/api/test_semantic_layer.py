"""GET/PUT /v1/projects/{id}/semantic-layer and its versions: the whole document replaced under If-Match, checked
against the project's schema (every bad entry named by its path, nothing half-written), audited, and a project's
key sees its own layer only."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.semantic_layer.document import MAX_DOCUMENT_BYTES
from tests.helpers import ADMIN_TOKEN, catalogued_shop, resync

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
URL = "/v1/projects/sl-shop/semantic-layer"
GOOD = {
    "tables": {"main.orders": {"description": "One purchase.", "synonyms": ["purchases"], "label_column": "status",
                               "columns": {"status": {"value_synonyms": {"voided": "cancelled"}, "unit": None}}}},
    "relationships": [{"from_table": "main.product_reviews", "from_column": "customer_id",
                       "to_table": "main.customers", "to_column": "id", "enabled": False}],
    "metrics": [{"name": "paid revenue", "table": "main.orders", "expression": "SUM(total_amount)",
                 "filters": ["status = 'paid'"], "time_column": "ordered_at", "grain": "month"}],
    "instructions": ["Revenue counts paid orders only."],
}  # fmt: skip


@pytest.fixture
def shop(clean_platform: ApiRuntime, settings: Settings, tmp_path: Path) -> Path:
    return catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "sl-shop")


def _put(client: TestClient, body: object, etag: str | None, headers: dict[str, str] = ADMIN) -> object:
    extra = {"If-Match": etag} if etag is not None else {}
    return client.put(URL, json=body, headers={**headers, **extra})


def _resync(settings: Settings) -> None:
    resync(settings.resolved_dagster_home, "sl-shop")


def test_a_curated_document_is_versioned_under_if_match(client: TestClient, shop: Path) -> None:
    empty = client.get(URL, headers=ADMIN)
    assert empty.status_code == 200 and empty.json()["version"] == 0 and empty.headers["ETag"] == empty.json()["etag"]
    assert _put(client, GOOD, None).status_code == 428  # no If-Match: refused, nothing stored
    first = _put(client, GOOD, empty.json()["etag"])
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1 and first.json()["document"]["tables"]["main.orders"]["synonyms"] == [
        "purchases"
    ]
    # A writer holding the old ETag would overwrite what it never saw: 412, and version 1 stays.
    assert _put(client, {"instructions": ["x"]}, empty.json()["etag"]).status_code == 412
    second = _put(client, {**GOOD, "instructions": ["Fiscal year starts July 1."]}, first.json()["etag"])
    assert second.json()["version"] == 2
    versions = client.get(f"{URL}/versions", headers=ADMIN).json()["versions"]
    assert [(v["version"], v["changed"], v["author"]) for v in versions] == [
        (2, ["instructions"], "admin"),
        (1, ["tables.main.orders", "relationships", "metrics", "instructions"], "admin"),
    ]
    audit = client.get("/v1/audit", params={"project_id": "sl-shop"}, headers=ADMIN).json()
    assert [e["action"] for e in audit["items"]].count("semantic_layer.write") == 2


BAD_ENTRIES = {
    "tables": {
        "main.bonuses": {},
        "main.orders": {"synonyms": ["customers"], "hidden_columns": ["secret"], "columns": {"amount": {}}},
    },
    "relationships": [{"from_table": "main.orders", "from_column": "buyer", "to_table": "main.customers",
                       "to_column": "id"}],
    "metrics": [
        {"name": "m", "table": "main.orders", "expression": "SUM(total_amount)"},
        {"name": "M", "table": "main.orders", "expression": "COUNT(*)"},
        {"name": "sleepy", "table": "main.orders", "expression": "pg_sleep(1)"},
        {"name": "payroll", "table": "main.orders", "expression": "SUM((SELECT COUNT(*) FROM other_project.payroll))"},
        {"name": "plain", "table": "main.orders", "expression": "total_amount"},
    ],
}  # fmt: skip
EXPECTED_PROBLEMS = [
    ("tables.main.bonuses", "no table"),
    ("tables.main.orders.columns.amount", "no column"),
    ("tables.main.orders.columns.secret", "no column"),
    ("tables.main.orders.synonyms[0]", "already names"),
    ("relationships[0].from_column", "no column"),
    ("metrics[1].name", "twice"),
    ("metrics[2].expression", "not allowed"),
    ("metrics[3].expression", "not allowed"),
    ("metrics[4].expression", "aggregates nothing"),
]


def test_every_bad_entry_is_named_by_its_path_in_one_422_and_nothing_is_stored(client: TestClient, shop: Path) -> None:
    etag = client.get(URL, headers=ADMIN).json()["etag"]
    response = _put(client, BAD_ENTRIES, etag)
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    for path, words in EXPECTED_PROBLEMS:
        assert any(p["path"] == path and words in p["message"] for p in problems), (path, problems)
    assert len(problems) == len(EXPECTED_PROBLEMS), problems  # the good metric "m" is not among them
    # Entries that do not fit the document's form at all are named the same way.
    malformed = _put(client, {"tables": {"main.orders": {"colour": "red"}}, "metrics": [
        {"name": "m", "table": "main.orders", "expression": "SUM(x)", "grain": "fortnight"}]}, etag)  # fmt: skip
    assert malformed.status_code == 422
    assert {p["path"] for p in malformed.json()["problems"]} == {"tables.main.orders.colour", "metrics.0.grain"}
    assert client.get(URL, headers=ADMIN).json()["version"] == 0


def test_a_document_past_the_size_limit_is_a_413(client: TestClient, shop: Path) -> None:
    etag = client.get(URL, headers=ADMIN).json()["etag"]
    huge = {"instructions": ["x" * 1000] * (MAX_DOCUMENT_BYTES // 1000 + 1)}
    response = _put(client, huge, etag)
    assert response.status_code == 413 and str(MAX_DOCUMENT_BYTES) in response.json()["detail"]


def test_a_project_key_curates_its_own_layer_and_never_sees_another(client: TestClient, shop: Path) -> None:
    assert client.post("/v1/projects", json={"id": "sl-other", "name": "other", "data_source": {
        "dialect": "sqlite", "path": str(shop)}}, headers=ADMIN).status_code == 201  # fmt: skip
    own = {
        "Authorization": "Bearer " + client.post("/v1/projects/sl-shop/keys", json={}, headers=ADMIN).json()["token"]
    }
    other = {
        "Authorization": "Bearer " + client.post("/v1/projects/sl-other/keys", json={}, headers=ADMIN).json()["token"]
    }
    etag = client.get(URL, headers=own).json()["etag"]
    written = _put(client, {"instructions": ["Exclude test accounts."]}, etag, own)
    assert written.status_code == 200 and written.json()["version"] == 1
    assert client.get(f"{URL}/versions", headers=own).json()["versions"][0]["author"].startswith("key:")
    # Another project's key: the same 404 as for a project that does not exist, for reading and for writing.
    for response in (client.get(URL, headers=other), _put(client, {}, etag, other),
                     client.get(f"{URL}/versions", headers=other)):  # fmt: skip
        assert response.status_code == 404 and "Exclude" not in response.text


def test_the_cli_exports_and_imports_the_yaml_file(client: TestClient, shop: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from hugdata.cli import main as hugdata_cli

    etag = client.get(URL, headers=ADMIN).json()["etag"]
    assert _put(client, GOOD, etag).status_code == 200
    exported = tmp_path / "layer.yaml"
    assert hugdata_cli(["semantic-layer", "export", "sl-shop", str(exported)]) == 0
    text = exported.read_text()
    assert "purchases" in text and "paid revenue" in text
    exported.write_text(text.replace("purchases", "baskets"))
    assert hugdata_cli(["semantic-layer", "import", "sl-shop", str(exported)]) == 0
    current = client.get(URL, headers=ADMIN).json()
    assert current["version"] == 2 and current["document"]["tables"]["main.orders"]["synonyms"] == ["baskets"]
    # A file naming a column the schema lacks is refused with its path; nothing is stored.
    exported.write_text(text.replace("label_column: status", "label_column: colour"))
    assert hugdata_cli(["semantic-layer", "import", "sl-shop", str(exported)]) == 1
    assert "tables.main.orders.columns.colour" in capsys.readouterr().err
    assert client.get(URL, headers=ADMIN).json()["version"] == 2


def test_an_entry_a_schema_change_breaks_is_kept_marked_stale_and_not_used(
    client: TestClient, shop: Path, clean_platform: ApiRuntime, settings: Settings
) -> None:
    import sqlite3

    etag = client.get(URL, headers=ADMIN).json()["etag"]
    curated = {"tables": {"main.customers": {"synonyms": ["clients"], "columns": {"country_code": {
        "synonyms": ["land"]}}}}}  # fmt: skip
    assert _put(client, curated, etag).status_code == 200
    with sqlite3.connect(shop) as db:  # the tenant drops a column the layer talks about
        db.execute("ALTER TABLE customers DROP COLUMN country_code")
    _resync(settings)
    layer = client.get(URL, headers=ADMIN).json()
    # Nothing curated is dropped: the entry stays in the document, marked stale with why.
    assert layer["document"]["tables"]["main.customers"]["columns"]["country_code"]["synonyms"] == ["land"]
    assert [(e["path"], "no column" in e["message"]) for e in layer["stale"]] == [
        ("tables.main.customers.columns.country_code", True)]  # fmt: skip
    # The sync says so: in the schema version's impact, and in a webhook to the project.
    versions = client.get("/v1/projects/sl-shop/schema/versions", headers=ADMIN).json()["items"]
    assert versions[0]["affected"]["semantic_layer_stale"] == ["tables.main.customers.columns.country_code"]
    with clean_platform.sessions() as session:
        from sqlalchemy import select

        from hugdata.webhooks.outbox import WebhookEvent

        events = [row.payload for row in session.scalars(select(WebhookEvent).where(
            WebhookEvent.project_id == "sl-shop"))]  # fmt: skip
    stale = [e for e in events if e.get("event") == "semantic_layer.stale"]  # beside the runs' status events
    assert [e["entries"] for e in stale] == [["tables.main.customers.columns.country_code"]]
    # The rest still works: "clients" names the customers in an ask.
    asked = client.post("/v1/projects/sl-shop/ask", json={"question": "How many clients are there?"}, headers=ADMIN)
    assert asked.status_code == 200 and asked.json()["rows"] == [[400]], asked.text


def test_a_metric_on_a_retyped_column_is_not_used_until_the_layer_is_written_again(
    client: TestClient, shop: Path, settings: Settings
) -> None:
    import sqlite3

    question = {"question": "What is the paid revenue?"}
    layer = {"metrics": [{"name": "paid revenue", "table": "main.orders", "expression": "SUM(total_amount)",
                          "filters": ["status = 'paid'"]}]}  # fmt: skip
    assert _put(client, layer, client.get(URL, headers=ADMIN).json()["etag"]).status_code == 200
    before = client.post("/v1/projects/sl-shop/ask", json=question, headers=ADMIN)
    assert before.status_code == 200 and "'paid'" in before.json()["sql"], before.text
    with sqlite3.connect(shop) as db:  # the tenant turns the amount into text: the column stays, its type changes
        db.executescript(
            "ALTER TABLE orders RENAME COLUMN total_amount TO total_old;"
            "ALTER TABLE orders ADD COLUMN total_amount TEXT;"
            "UPDATE orders SET total_amount = total_old;"
            "ALTER TABLE orders DROP COLUMN total_old;"
        )
    _resync(settings)
    current = client.get(URL, headers=ADMIN).json()
    assert [(e["path"], "retyped" in e["message"]) for e in current["stale"]] == [("metrics[0]", True)]
    after = client.post("/v1/projects/sl-shop/ask", json=question, headers=ADMIN)
    # The stale metric is not used.
    assert not (after.status_code == 200 and "'paid'" in after.json()["sql"]), after.text
    # Writing the layer again, unchanged, says the metric still holds for the new type: a new version, used again.
    confirmed = _put(client, layer, current["etag"])
    assert confirmed.status_code == 200 and confirmed.json()["version"] == 2, confirmed.text
    assert client.get(URL, headers=ADMIN).json()["stale"] == []
    again = client.post("/v1/projects/sl-shop/ask", json=question, headers=ADMIN)
    assert again.status_code == 200 and "'paid'" in again.json()["sql"], again.text


def test_an_answer_carries_the_unit_and_format_of_the_column_it_shows(client: TestClient, shop: Path) -> None:
    layer = {"tables": {"main.orders": {"columns": {"total_amount": {"unit": "EUR", "format": "currency"}}}}}
    assert _put(client, layer, client.get(URL, headers=ADMIN).json()["etag"]).status_code == 200
    ask = "/v1/projects/sl-shop/ask"
    average = client.post(ask, json={"question": "What is the average total amount of the orders?"}, headers=ADMIN)
    assert average.status_code == 200, average.text
    assert average.json()["column_units"] == [{"unit": "EUR", "format": "currency"}]  # an average keeps the unit
    counted = client.post(ask, json={"question": "How many orders are there?"}, headers=ADMIN).json()
    assert counted["column_units"] == [None]  # a count of orders is no amount of euros


def test_a_suggestion_from_inference_is_accepted_into_the_document(
    client: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    import sqlite3

    from hugdata.tenants.data_sources import DataSourceSpec
    from hugdata.tenants.models import Dialect
    from tests.helpers import catalogued

    path = tmp_path / "keyless.sqlite"
    with sqlite3.connect(path) as db:  # no key declared: inference finds the link, a tenant confirms it
        db.executescript(
            "CREATE TABLE customers (customer_id INTEGER, full_name TEXT);"
            "CREATE TABLE orderlines (line_id INTEGER, customer_id INTEGER, amount REAL);"
            "INSERT INTO customers VALUES (1, 'Ann'), (2, 'Bo');"
            "INSERT INTO orderlines VALUES (10, 1, 5.0), (11, 2, 7.5), (12, 1, 1.0);"
        )
    catalogued(clean_platform, settings.resolved_dagster_home, "sl-shop", DataSourceSpec(dialect=Dialect.sqlite,
                                                                                        path=str(path)))  # fmt: skip
    listed = client.get(f"{URL}/suggestions", headers=ADMIN)
    assert listed.status_code == 200, listed.text
    suggestions = listed.json()["suggestions"]
    kinds = {s["kind"] for s in suggestions}
    assert kinds == {"relationship", "synonym", "label_column"}, kinds
    link = next(s for s in suggestions if s["kind"] == "relationship")
    assert link["evidence"] and 0 < link["confidence"] <= 1
    assert client.post(f"{URL}/suggestions/{link['id']}/accept", headers=ADMIN).status_code == 428
    taken = client.post(f"{URL}/suggestions/{link['id']}/accept", headers={**ADMIN, "If-Match": listed.json()["etag"]})
    assert taken.status_code == 200 and taken.json()["version"] == 1, taken.text
    assert taken.json()["document"]["relationships"][0]["from_table"] == link["value"]["from_table"]
    # Taken, it is no longer proposed; its id is gone.
    again = client.get(f"{URL}/suggestions", headers=ADMIN).json()
    assert link["id"] not in {s["id"] for s in again["suggestions"]}
    gone = client.post(f"{URL}/suggestions/{link['id']}/accept", headers={**ADMIN, "If-Match": again["etag"]})
    assert gone.status_code == 404 and link["id"] in gone.json()["detail"]


def test_the_tenants_words_are_found_by_search_after_the_index_refresh(
    client: TestClient, shop: Path, settings: Settings
) -> None:
    from dagster import materialize

    from hugdata.platform.definitions import defs
    from hugdata.platform.instance import open_instance

    etag = client.get(URL, headers=ADMIN).json()["etag"]
    curated = {"tables": {"main.product_reviews": {"synonyms": ["testimonials"]}},
               "metrics": [{"name": "gross merchandise value", "table": "main.orders",
                            "expression": "SUM(total_amount)"}]}  # fmt: skip
    assert _put(client, curated, etag).status_code == 200
    instance = open_instance(settings.resolved_dagster_home)
    try:
        index = [defs.get_assets_def("schema_vector_index")]
        assert materialize(index, partition_key="sl-shop", instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
    finally:
        instance.dispose()
    hits = client.post("/v1/projects/sl-shop/search", json={"query": "testimonials", "k": 3}, headers=ADMIN).json()
    assert hits["results"][0]["key"] == "table:main.product_reviews", hits
    metrics = client.post("/v1/projects/sl-shop/search", json={"query": "gross merchandise value", "k": 3,
                                                              "kinds": ["metric"]}, headers=ADMIN).json()  # fmt: skip
    assert metrics["results"][0]["key"] == "metric:curated:gross merchandise value", metrics
