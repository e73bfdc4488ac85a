"""Feedback on answers: a rating up or a correction that validates and runs becomes a golden-question candidate,
reviewed or accepted at once by the project's setting; ratings feed /analytics and model_accuracy; a rating never
reaches another project."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from tests.helpers import ADMIN_TOKEN, catalogued_shop, project_keys

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
URL = "/v1/projects/rated-shop"


@pytest.fixture
def shop(clean_platform: ApiRuntime, settings: Settings, tmp_path: Path) -> Path:
    return catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "rated-shop")


def _asked(client: TestClient, question: str, headers: dict[str, str] = ADMIN) -> int:
    answer = client.post(f"{URL}/ask", json={"question": question}, headers=headers)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["query_id"])


def _rate(client: TestClient, query_id: int, body: dict, headers: dict[str, str] = ADMIN):  # type: ignore[no-untyped-def]
    return client.post(f"{URL}/queries/{query_id}/feedback", json=body, headers=headers)


def test_an_answer_rated_up_is_a_candidate_until_accepted_as_a_golden_question(client: TestClient, shop: Path) -> None:
    query_id = _asked(client, "How many orders are there?")
    rated = _rate(client, query_id, {"rating": "up", "note": "right"}, {**ADMIN, "X-HugData-User": "u-1"})
    assert rated.status_code == 201 and rated.json()["candidate"] == "pending", rated.text
    candidates = client.get(f"{URL}/golden-candidates", headers=ADMIN).json()["items"]
    assert [(c["question"], c["end_user"], "COUNT(*)" in c["sql"]) for c in candidates] == [
        ("How many orders are there?", "u-1", True)
    ]
    accepted = client.post(f"{URL}/golden-candidates/{candidates[0]['id']}/accept", headers=ADMIN)
    assert accepted.status_code == 201, accepted.text
    golden = client.get(f"{URL}/golden-questions", headers=ADMIN).json()["items"]
    assert [g["question"] for g in golden] == ["How many orders are there?"]
    assert client.post(f"{URL}/golden-candidates/{candidates[0]['id']}/accept", headers=ADMIN).status_code == 404
    assert client.get(f"{URL}/golden-candidates", headers=ADMIN).json()["items"] == []
    # A rating down keeps nothing; a rejected candidate leaves no golden question.
    down = _rate(client, _asked(client, "How many customers are there?"), {"rating": "down"})
    assert down.json()["candidate"] == "none"
    other = _rate(client, _asked(client, "How many products are there?"), {"rating": "up"}).json()
    assert client.post(f"{URL}/golden-candidates/{other['id']}/reject", headers=ADMIN).status_code == 204
    assert len(client.get(f"{URL}/golden-questions", headers=ADMIN).json()["items"]) == 1


def test_a_correction_is_kept_only_when_it_validates_and_runs(client: TestClient, shop: Path) -> None:
    query_id = _asked(client, "How many orders are there?")
    outside = _rate(client, query_id, {"rating": "down", "corrected_sql": "SELECT * FROM sqlite_master"})
    assert outside.status_code == 422 and "corrected_sql is refused" in outside.json()["detail"], outside.text
    unknown = _rate(client, query_id, {"rating": "down", "corrected_sql": "SELECT nope FROM orders"})
    assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]
    fixed = _rate(
        client, query_id, {"rating": "down", "corrected_sql": "SELECT COUNT(*) FROM orders WHERE status <> 'cancelled'"}
    )
    assert fixed.status_code == 201 and fixed.json()["candidate"] == "pending", fixed.text
    [candidate] = client.get(f"{URL}/golden-candidates", headers=ADMIN).json()["items"]
    assert candidate["sql"] == "SELECT COUNT(*) FROM orders WHERE status <> 'cancelled'"
    declined = client.post(f"{URL}/ask", json={"question": "only the shiny ones"}, headers=ADMIN)
    assert declined.status_code == 422
    assert _rate(client, 10**12, {"rating": "up"}).status_code == 404


def test_a_project_may_accept_its_candidates_without_review(client: TestClient, shop: Path) -> None:
    patched = client.patch(URL, json={"accept_golden_candidates": True}, headers=ADMIN)
    assert patched.status_code == 200 and patched.json()["accept_golden_candidates"] is True
    rated = _rate(client, _asked(client, "How many orders are there?"), {"rating": "up"}).json()
    assert rated["candidate"] == "accepted" and rated["golden_question_id"] is not None
    again = _rate(client, _asked(client, "How many orders are there?"), {"rating": "up"}).json()
    assert again["candidate"] == "duplicate"


def test_ratings_feed_analytics_and_model_accuracy_per_answerer(
    client: TestClient, shop: Path, settings: Settings
) -> None:
    for question, rating in (("How many orders are there?", "up"), ("How many customers are there?", "up"),
                             ("How many products are there?", "down")):  # fmt: skip
        assert _rate(client, _asked(client, question), {"rating": rating}).status_code == 201
    instance = open_instance(settings.resolved_dagster_home)
    try:
        result = defs.resolve_job_def("analytics_refresh").execute_in_process(
            partition_key="rated-shop", instance=instance
        )
    finally:
        instance.dispose()
    assert result.success
    [accuracy] = [{k: v.value for k, v in m.metadata.items()} for m in result.asset_materializations_for_node(
        "model_accuracy")]  # fmt: skip
    assert accuracy["rated_up_share"] == 0.6667
    feedback = client.get(f"{URL}/analytics", headers=ADMIN).json()["feedback"]
    assert feedback["rated"] == 3 and feedback["rated_up"] == 2 and feedback["share_up"] == 0.6667
    assert feedback["by_answerer"] == {"offline_planner": {"rated": 3, "rated_up": 2, "share_up": 0.6667}}


def test_a_rating_never_reaches_another_project(
    client: TestClient, shop: Path, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path / "b", "other-rated")
    keys = project_keys(client, "rated-shop", "other-rated")
    query_id = _asked(client, "How many orders are there?", keys["rated-shop"])
    assert _rate(client, query_id, {"rating": "up"}, keys["other-rated"]).status_code == 404
    through_own = client.post(f"/v1/projects/other-rated/queries/{query_id}/feedback", json={"rating": "up"},
                              headers=keys["other-rated"])  # fmt: skip
    assert through_own.status_code == 404
    assert client.get(f"{URL}/golden-candidates", headers=keys["other-rated"]).status_code == 404
    mine = _rate(client, query_id, {"rating": "up"}, keys["rated-shop"])
    assert mine.status_code == 201, mine.text
    assert client.get("/v1/projects/other-rated/golden-candidates", headers=keys["other-rated"]).json()["items"] == []
    accept = client.post(f"/v1/projects/other-rated/golden-candidates/{mine.json()['id']}/accept",
                         headers=keys["other-rated"])  # fmt: skip
    assert accept.status_code == 404
    # The project's own key reviews its candidates.
    own = client.post(f"{URL}/golden-candidates/{mine.json()['id']}/accept", headers=keys["rated-shop"])
    assert own.status_code == 201, own.text
