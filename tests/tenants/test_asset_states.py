"""Asset states: a failure never hides a newer success, however late it is reported."""

from datetime import UTC, datetime, timedelta

from hugdata.api.runtime import ApiRuntime
from hugdata.tenants.asset_states import project_asset_states, record_failed, record_materialized
from tests.helpers import register


def _states(runtime: ApiRuntime, project_id: str) -> dict[str, tuple[str, str]]:
    with runtime.sessions() as session:
        return {s.asset: (s.status, s.last_run_id) for s in project_asset_states(session, project_id)}


def test_a_failure_reported_after_a_newer_success_keeps_the_asset_materialized(clean_platform: ApiRuntime) -> None:
    register(clean_platform, "states-a")
    failed_at = datetime.now(UTC) - timedelta(seconds=30)  # the run ended before the next run succeeded
    with clean_platform.sessions() as session:
        record_materialized(session, project_id="states-a", asset="schema_vector_index", run_id="run-2", summary={})
        session.commit()
        record_failed(
            session, project_id="states-a", assets=["schema_vector_index"], run_id="run-1", cause="gone",
            failed_at=failed_at,
        )  # fmt: skip
        session.commit()
    assert _states(clean_platform, "states-a") == {"schema_vector_index": ("materialized", "run-2")}


def test_a_failure_after_the_last_success_marks_the_asset_failed_and_keeps_when_it_last_succeeded(
    clean_platform: ApiRuntime,
) -> None:
    register(clean_platform, "states-b")
    with clean_platform.sessions() as session:
        record_materialized(session, project_id="states-b", asset="semantic_model", run_id="run-1", summary={})
        session.commit()
        record_failed(session, project_id="states-b", assets=["semantic_model", "database_schema"], run_id="run-2")
        session.commit()
        states = {s.asset: s for s in project_asset_states(session, "states-b")}
    assert _states(clean_platform, "states-b") == {
        "semantic_model": ("failed", "run-2"),
        "database_schema": ("failed", "run-2"),
    }
    assert states["semantic_model"].last_materialized_at is not None
    assert states["database_schema"].last_materialized_at is None
