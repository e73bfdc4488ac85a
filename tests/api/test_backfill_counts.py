"""Backfill progress in projects agrees with its status, whatever Dagster's asset counts missed."""

from hugdata.api.dagster_runs import BackfillInfo


def _info(status: str, *, done: int, failed: int, in_progress: int) -> BackfillInfo:
    return BackfillInfo("b", status, [f"p{i}" for i in range(7)], 7, done, failed, in_progress)


def test_an_ended_backfill_counts_every_project_not_done_as_failed() -> None:
    # What Dagster answered for runs that failed before their first step: failed, yet nothing failed.
    settled = _info("FAILED", done=0, failed=0, in_progress=7).settled()
    assert (settled.done, settled.failed, settled.in_progress) == (0, 7, 0)
    assert _info("COMPLETED_SUCCESS", done=7, failed=0, in_progress=0).settled().failed == 0


def test_a_running_backfill_counts_runs_that_failed_to_start() -> None:
    counted = _info("REQUESTED", done=2, failed=0, in_progress=5).with_failed({"p3", "p4"})
    assert (counted.done, counted.failed, counted.in_progress) == (2, 2, 3)
    assert counted.done + counted.failed + counted.in_progress == counted.total
