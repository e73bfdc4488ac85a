"""Paraphrase reuse: precision 1.0 over every written question pair, the guard on numbers, comparisons and values,
and through the API a paraphrase answered with a past question's SQL, run fresh, in its own project only."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.catalog.embeddings import MiniLMEmbedder
from hugdata.config import Settings
from hugdata.evaluation.paraphrase_eval import demo_values, evaluate, pair_similarities
from hugdata.evaluation.paraphrases import PAIRS
from hugdata.memory.paraphrases import REUSE_THRESHOLD, question_constants
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from tests.helpers import ADMIN_TOKEN, catalogued_shop
from tests.llm import ScriptedLlm, scripted_llm

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BY_COUNTRY = "SELECT shipping_country_code, SUM(total_amount) AS revenue FROM main.orders GROUP BY 1"


def test_reuse_is_right_on_every_written_pair_it_fires_on(tmp_path: Path) -> None:
    report = evaluate(PAIRS, pair_similarities(PAIRS, MiniLMEmbedder()), demo_values(tmp_path),
                      threshold=REUSE_THRESHOLD)  # fmt: skip
    assert report.same_pairs >= 40 and report.different_pairs >= 40
    assert report.reused_different == [] and report.precision == 1.0
    assert report.hit_rate >= 0.4, report.as_json()


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("top five products", "top 5 products", True),
        ("orders in 2024", "orders in 2025", False),
        ("hired before 2019", "hired after 2019", False),
        ("the biggest accounts", "the largest accounts", True),
        ("more than 10 employees", "fewer than 10 employees", False),
        ("revenue in March", "revenue in April", False),
        ("orders shipped to Germany", "orders shipped to France", False),
        ("paid invoices", "open invoices", False),
        ("accounts with a past due subscription", "accounts with a past_due subscription", True),
    ],
)
def test_numbers_dates_limits_comparisons_and_values_must_match(a: str, b: str, same: bool) -> None:
    values = {"paid", "open", "past_due", "past due"}
    assert (question_constants(a, values) == question_constants(b, values)) is same


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


def _refresh(settings: Settings, project_id: str) -> None:
    instance = open_instance(settings.resolved_dagster_home)
    try:
        job = defs.resolve_job_def("analytics_refresh")
        assert job.execute_in_process(partition_key=project_id, instance=instance).success
    finally:
        instance.dispose()


def _ask(api: TestClient, project_id: str, question: str) -> dict:
    response = api.post(f"/v1/projects/{project_id}/ask", json={"question": question}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_paraphrase_reuses_the_past_sql_fresh_and_only_in_its_own_project(
    api: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    for project_id in ("reuse-a", "reuse-b"):
        catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / project_id, project_id)
    ScriptedLlm.by_question = {"Revenue split by destination country": BY_COUNTRY}
    first = _ask(api, "reuse-a", "Revenue split by destination country")
    assert first["answered_by"] == "llm" and first["reused_from"] is None
    _refresh(settings, "reuse-a")  # the past pair is indexed by query_history_index

    ScriptedLlm.requests.clear()
    again = _ask(api, "reuse-a", "What is the revenue by destination country?")
    assert again["answered_by"] == "past_question" and ScriptedLlm.requests == []
    assert again["reused_from"]["question"] == "Revenue split by destination country"
    assert again["reused_from"]["similarity"] >= REUSE_THRESHOLD
    assert again["sql"] == first["sql"] and again["rows"] == first["rows"] and not again["cached"]

    # A different year is a different question: the LLM is asked.
    ScriptedLlm.answers = [BY_COUNTRY]
    other_year = _ask(api, "reuse-a", "What is the revenue by destination country in 2025?")
    assert other_year["answered_by"] == "llm" and len(ScriptedLlm.requests) == 1
    # The same schema in another project: nothing of reuse-a's is reused there.
    ScriptedLlm.answers = [BY_COUNTRY]
    foreign = _ask(api, "reuse-b", "What is the revenue by destination country?")
    assert foreign["answered_by"] == "llm" and foreign["reused_from"] is None
