"""A run as the API reads it from Dagster's GraphQL answer: a job's run names the assets of its job (Dagster gives no
selection for it), and lists its steps in the order they started."""

from hugdata.api.dagster_runs import _run_info
from hugdata.api.routes.runs import RunRead

NODE = {
    "runId": "0f1e",
    "status": "FAILURE",
    "jobName": "schema_sync",
    "creationTime": 1765000000.0,
    "startTime": 1765000001.0,
    "endTime": 1765000009.0,
    "tags": [{"key": "dagster/partition", "value": "shop"}],
    "assetSelection": None,
    "stepStats": [
        {"stepKey": "semantic_model", "status": "FAILURE", "startTime": 1765000004.0, "endTime": 1765000005.0},
        {"stepKey": "database_schema", "status": "SUCCESS", "startTime": 1765000002.0, "endTime": 1765000003.0},
        {"stepKey": "schema_vector_index", "status": None, "startTime": None, "endTime": None},
    ],
}


def test_a_job_run_names_its_assets_and_its_steps_in_order() -> None:
    run = RunRead.of(_run_info(NODE))
    assert run.project_id == "shop" and run.assets == ["database_schema", "semantic_model", "schema_vector_index"]
    expected = [("database_schema", "SUCCESS"), ("semantic_model", "FAILURE"), ("schema_vector_index", "IN_PROGRESS")]
    assert [(s.asset, s.status) for s in run.steps] == expected
    assert run.steps[0].ended_at is not None and run.steps[0].ended_at <= run.steps[1].started_at  # type: ignore[operator]
