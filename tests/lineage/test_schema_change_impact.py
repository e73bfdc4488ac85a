"""A dropped column end to end: saved questions parsed into lineage as they are asked, a real schema_sync run on
the changed source, a signed `schema.changed` webhook naming what broke, stale marks, the LLM no longer shown the
stale pair, model_accuracy reporting the stale golden question as stale, and /schema/versions saying what changed."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import materialize
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.catalog.models import SchemaDocumentRow
from hugdata.config import Settings
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from tests.helpers import ADMIN_TOKEN, WEBHOOK_SECRET, catalogued_shop, wait_until
from tests.llm import ScriptedLlm, scripted_llm
from tests.webhooks.receiver import webhook_receiver

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PROJECT = "impact-shop"
BY_COUNTRY = "SELECT shipping_country_code, SUM(total_amount) AS revenue FROM main.orders GROUP BY 1"
BY_STATUS = "SELECT status, COUNT(*) AS n FROM main.orders GROUP BY status"


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


@pytest.fixture
def api(clean_platform: ApiRuntime, llm_url: str) -> Iterator[TestClient]:
    ScriptedLlm.reset()
    update = {"llm_base_url": llm_url, "llm_model": "m", "llm_api_key": SecretStr("sk-x"), "ask_max_tries": 1}
    runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
    with TestClient(create_app(runtime=runtime)) as client:
        yield client


def _run(settings: Settings, *, job: str | None = None) -> None:
    instance = open_instance(settings.resolved_dagster_home)
    try:
        if job:
            assert defs.resolve_job_def(job).execute_in_process(partition_key=PROJECT, instance=instance).success
        else:
            assets = [defs.get_assets_def(k) for k in ("database_schema", "semantic_model", "schema_vector_index")]
            assert materialize(assets, partition_key=PROJECT, instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
    finally:
        instance.dispose()


def _past_pairs(runtime: ApiRuntime) -> list[str]:
    with runtime.sessions() as session:
        return sorted(
            session.scalars(
                select(SchemaDocumentRow.title).where(
                    SchemaDocumentRow.project_id == PROJECT, SchemaDocumentRow.kind == "past_query"
                )
            )
        )


def test_a_dropped_column_marks_what_read_it_stale_and_says_so_in_a_signed_webhook(  # noqa: PLR0915 (one story)
    api: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    source = catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, PROJECT)
    ScriptedLlm.by_question = {"Revenue split by destination country": BY_COUNTRY, "Orders per status": BY_STATUS}
    asked = {
        q: api.post(f"/v1/projects/{PROJECT}/ask", json={"question": q}, headers=ADMIN) for q in ScriptedLlm.by_question
    }
    assert all(r.status_code == 200 for r in asked.values()), [r.text for r in asked.values()]
    golden = {
        q: api.post(
            f"/v1/projects/{PROJECT}/golden-questions", json={"question": q, "expected_sql": sql}, headers=ADMIN
        ).json()["id"]  # fmt: skip
        for q, sql in (
            ("Revenue by destination", BY_COUNTRY),
            ("How many orders are there?", "SELECT COUNT(*) FROM main.orders"),
        )
    }
    _run(settings, job="analytics_refresh")
    assert _past_pairs(clean_platform) == ["Orders per status", "Revenue split by destination country"]

    # Before the change: the column's dependents, with how each reads it.
    impact = api.get(f"/v1/projects/{PROJECT}/lineage/impact?column=main.orders.shipping_country_code",
                     headers=ADMIN).json()  # fmt: skip
    [by_country] = impact["questions"]
    assert by_country["question"] == "Revenue split by destination country"
    assert by_country["uses"] == ["grouped", "projected"] and not by_country["stale"]
    assert [g["id"] for g in impact["golden_questions"]] == [golden["Revenue by destination"]]
    assert "document:column:main.orders.shipping_country_code" in impact["documents"]
    assert {"asset:usage_analytics", "asset:model_accuracy"} <= set(impact["assets"])

    with sqlite3.connect(source) as db:
        db.execute("ALTER TABLE orders DROP COLUMN shipping_country_code")
    with webhook_receiver(WEBHOOK_SECRET) as receiver:
        patched = api.patch(f"/v1/projects/{PROJECT}", json={"webhook_url": receiver.url}, headers=ADMIN)
        assert patched.status_code == 200, patched.text
        _run(settings)  # the nightly sync's steps on the changed source
        # The API's own dispatcher delivers it, signed.
        wait_until(lambda: any(e.get("event") == "schema.changed" for e in receiver.events), 60, "schema.changed")
    [changed] = [e for e in receiver.events if e.get("event") == "schema.changed"]
    assert receiver.bad_signatures == 0
    assert changed["project_id"] == PROJECT and (changed["from_version"], changed["to_version"]) == (1, 2)
    assert changed["diff"]["columns_removed"] == ["main.orders.shipping_country_code"]
    assert changed["affected_questions"] == 2
    assert changed["query_log_ids"] == [by_country["id"]]
    assert changed["golden_question_ids"] == [golden["Revenue by destination"]]

    # The stale marks: on the question, on the pair the LLM was shown, on the schema version.
    after = api.get(f"/v1/projects/{PROJECT}/lineage/impact?column=main.orders.shipping_country_code",
                    headers=ADMIN).json()  # fmt: skip
    assert [q["stale"] for q in after["questions"]] == [True] and after["golden_questions"][0]["stale"]
    assert _past_pairs(clean_platform) == ["Orders per status"]
    versions = api.get(f"/v1/projects/{PROJECT}/schema/versions", headers=ADMIN).json()["items"]
    assert versions[0]["affected"]["query_log_ids"] == [by_country["id"]] and versions[1]["affected"] is None

    ScriptedLlm.requests.clear()
    ScriptedLlm.by_question["What is the revenue by destination country?"] = "SELECT COUNT(*) FROM main.orders"
    api.post(f"/v1/projects/{PROJECT}/ask", json={"question": "What is the revenue by destination country?"},
             headers=ADMIN)  # fmt: skip
    prompt = ScriptedLlm.requests[0]["messages"][1]["content"]
    assert "shipping_country_code" not in prompt and "Revenue split by destination country" not in prompt

    # The next refresh does not bring the stale pair back, and scores the stale golden question as stale.
    _run(settings, job="analytics_refresh")
    assert "Revenue split by destination country" not in _past_pairs(clean_platform)
    assert "Orders per status" in _past_pairs(clean_platform)
    runs = api.get(f"/v1/projects/{PROJECT}/golden-questions", headers=ADMIN).json()["accuracy_runs"]
    outcomes = {r["question"]: r["outcome"] for r in runs[0]["results"]}
    assert outcomes["Revenue by destination"] == "stale" and outcomes["How many orders are there?"] != "stale"
    assert runs[0]["total"] == 2
