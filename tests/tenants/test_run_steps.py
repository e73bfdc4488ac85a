"""Each project's own steps of a run: kept per project, a retried step's last attempt wins, old ones forgotten."""

from datetime import UTC, datetime, timedelta

from hugdata.api.runtime import ApiRuntime
from hugdata.tenants.run_steps import StepOutcome, forget_steps_before, record_steps, steps_of_runs
from tests.helpers import register


def test_a_retried_steps_last_attempt_replaces_the_first(clean_platform: ApiRuntime) -> None:
    register(clean_platform, "rs-a")
    t0 = datetime.now(UTC)
    with clean_platform.sessions() as session:
        record_steps(session, [StepOutcome("r1", "rs-a", "database_schema", "FAILURE", t0, t0, "timed out")])
        record_steps(session, [StepOutcome("r1", "rs-a", "database_schema", "SUCCESS", t0, t0 + timedelta(1))])
        session.commit()
        [step] = steps_of_runs(session, ["r1"], "rs-a")["r1"]
    assert (step.status, step.cause) == ("SUCCESS", None)


def test_steps_older_than_the_retention_are_forgotten_in_bounded_batches(clean_platform: ApiRuntime) -> None:
    register(clean_platform, "rs-b")
    now = datetime.now(UTC)
    old = now - timedelta(days=40)
    with clean_platform.sessions() as session:
        record_steps(session, [
            StepOutcome(f"old-{i}", "rs-b", "database_schema", "SUCCESS", old, old) for i in range(3)
        ] + [StepOutcome("new", "rs-b", "database_schema", "SUCCESS", now, now)])  # fmt: skip
        session.commit()
        assert forget_steps_before(session, now - timedelta(days=30), limit=2) == 2
        assert forget_steps_before(session, now - timedelta(days=30), limit=2) == 1
        session.commit()
        left = steps_of_runs(session, ["old-0", "old-1", "old-2", "new"], "rs-b")
    assert list(left) == ["new"]
