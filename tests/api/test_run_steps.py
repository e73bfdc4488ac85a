"""A run as the API reads it from Dagster's GraphQL answer and the platform's own step records: a job's run names the
assets of its job (Dagster gives no selection for it), lists its steps in the order they started, and of a batch shows
each project only its own steps, each failed one with its cause."""

from datetime import UTC, datetime, timedelta

from hugdata.api.batch_runs import own_part, with_own_steps
from hugdata.api.dagster_runs import RunInfo, StepInfo, _run_info
from hugdata.api.routes.runs import RunFailureRead, RunRead
from hugdata.api.runtime import ApiRuntime
from hugdata.platform.automation import SCHEMA_SYNC_BATCH_JOB, member_tag
from hugdata.tenants.run_steps import StepOutcome, record_steps
from tests.helpers import register

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


def test_a_failed_step_without_a_recorded_cause_fails_for_the_runs_reason() -> None:
    failure = RunFailureRead(cause="semantic_model: the source is gone", failed_at=None)
    run = RunRead.of(_run_info(NODE), failure)
    assert [s.cause for s in run.steps] == [None, failure.cause, None]


def _batch(status: str, steps: tuple[StepInfo, ...]) -> RunInfo:
    now = datetime.now(UTC)
    return RunInfo(
        run_id="batch-1",
        status=status,
        job=SCHEMA_SYNC_BATCH_JOB,
        project_id=None,
        tier="standard",
        assets=[],
        created_at=now - timedelta(minutes=1),
        started_at=now - timedelta(minutes=1),
        ended_at=None if status == "STARTED" else now,
        tags={member_tag("steps-a"): "1", member_tag("steps-b"): "1"},
        members=("steps-a", "steps-b"),
        steps=steps,
    )


def test_a_project_sees_only_its_own_steps_of_a_batch_each_with_its_cause(clean_platform: ApiRuntime) -> None:
    register(clean_platform, "steps-a")
    register(clean_platform, "steps-b")
    t0 = datetime.now(UTC) - timedelta(seconds=30)
    cause = "project steps-a: the database at db.example cannot be reached"
    with clean_platform.sessions() as session:
        record_steps(session, [
            StepOutcome("batch-1", "steps-a", "database_schema", "SUCCESS", t0, t0 + timedelta(seconds=1)),
            StepOutcome("batch-1", "steps-a", "semantic_model", "FAILURE", t0 + timedelta(seconds=1),
                        t0 + timedelta(seconds=2), cause),
            StepOutcome("batch-1", "steps-a", "schema_vector_index", "SKIPPED", None, t0 + timedelta(seconds=2),
                        "not run: semantic_model failed"),
            StepOutcome("batch-1", "steps-b", "database_schema", "SUCCESS", t0 + timedelta(seconds=3),
                        t0 + timedelta(seconds=4)),
        ])  # fmt: skip
        session.commit()
        batch = _batch("FAILURE", (StepInfo("sync_listed_projects", "FAILURE", t0, t0 + timedelta(seconds=9)),))
        [mine] = with_own_steps(session, [own_part(session, batch, "steps-a")], "steps-a")
        [theirs] = with_own_steps(session, [own_part(session, batch, "steps-b")], "steps-b")
    read = RunRead.of(mine)
    assert [(s.asset, s.status, s.cause) for s in read.steps] == [
        ("database_schema", "SUCCESS", None),
        ("semantic_model", "FAILURE", cause),
        ("schema_vector_index", "SKIPPED", "not run: semantic_model failed"),
    ]
    assert "steps-b" not in read.model_dump_json() and "sync_listed_projects" not in read.model_dump_json()
    assert [(s.asset, s.status) for s in RunRead.of(theirs).steps] == [("database_schema", "SUCCESS")]
    assert "steps-a" not in RunRead.of(theirs).model_dump_json()


def test_a_running_batch_shows_a_project_the_step_still_running_for_it(clean_platform: ApiRuntime) -> None:
    register(clean_platform, "steps-a")
    register(clean_platform, "steps-b")
    t0 = datetime.now(UTC) - timedelta(seconds=5)
    running = _batch("STARTED", (StepInfo("database_schema", "IN_PROGRESS", t0, None),))
    with clean_platform.sessions() as session:
        [mine] = with_own_steps(session, [own_part(session, running, "steps-a")], "steps-a")
    assert [(s.asset, s.status) for s in RunRead.of(mine).steps] == [("database_schema", "IN_PROGRESS")]
