"""A tenant asset's work, project by project: each under its project lock, a batch going on past a failing project,
and the run's "started" event queued before any of it (so a project's stream shows the start first)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from dagster import AssetExecutionContext, DagsterExecutionInterruptedError, DagsterRunStatus, Failure
from sqlalchemy import select

from hugdata.observability.run_logs import working_on
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.platform.run_events import announce_started
from hugdata.tenants.models import Project
from hugdata.tenants.project_locks import project_lock
from hugdata.tenants.run_steps import StepOutcome, record_steps

T = TypeVar("T")


# A single-project run waits this long for a batch that is working on the same project (seconds per project).
PROJECT_LOCK_WAIT_S = 600.0


def for_each_project(
    context: AssetExecutionContext, work: Callable[[str], T], platform_db: PlatformDatabaseResource
) -> dict[str, T]:
    """``work(project_id)`` for every project of the run, in partition order, each under its project lock.

    A single-project run raises what ``work`` raises (so the asset's RetryPolicy applies; the last attempt's failure
    is the cause itself), unless the run is being cancelled: then it fails without retries. A batch keeps going past
    a failing project and fails afterwards, without retries: its projects are then re-run one by one.
    """
    keys = context.partition_keys
    announce_started(context.instance, context.run, platform_db, keys)
    steps = _StepLog(context.run.run_id, context.asset_key.to_user_string(), platform_db)
    if len(keys) == 1:
        started = datetime.now(UTC)
        try:
            with project_lock(platform_db.engine, keys[0], wait_s=PROJECT_LOCK_WAIT_S) as held:
                if not held:
                    raise Failure(f"project {keys[0]}: another run kept working on it for {PROJECT_LOCK_WAIT_S:.0f} s")
                result = {keys[0]: work(keys[0])}
        except (Exception, KeyboardInterrupt, DagsterExecutionInterruptedError) as failure:
            cancelled = _being_cancelled(context)
            cause = (
                f"project {keys[0]}: the run was cancelled" if cancelled else project_failure_message(keys[0], failure)
            )
            steps.failed(keys[0], started, cause)
            steps.save_beside_failure(context)
            if cancelled:
                # The cancel reached the step (as an interrupt, or as the error of an interrupted query). Dagster
                # answers an interrupt with the retry policy, which would run the step again, to success, on a run
                # already shown as cancelling: fail it for good instead.
                raise Failure(cause, allow_retries=False) from failure
            if not isinstance(failure, Exception):
                raise  # an interrupt of a run that goes on (a pod moved): Dagster retries the step
            policy = context.op_def.retry_policy
            if (
                isinstance(failure, Failure)
                and failure.allow_retries
                and policy is not None
                and context.retry_number >= policy.max_retries
            ):
                # Out of retries: fail with the cause itself, not Dagster's "Exceeded max_retries" summary.
                raise Failure(
                    description=f"{failure.description} (after {policy.max_retries + 1} attempts)",
                    metadata=failure.metadata,
                    allow_retries=False,
                ) from None
            raise
        steps.succeeded(keys[0], started)
        steps.save()
        return result
    done: dict[str, T] = {}
    failures: list[str] = []
    for project_id in keys:
        started = datetime.now(UTC)
        try:
            with project_lock(platform_db.engine, project_id, wait_s=PROJECT_LOCK_WAIT_S) as held:
                if not held:
                    raise Failure(f"project {project_id}: another run kept working on it")
                done[project_id] = work(project_id)
            steps.succeeded(project_id, started)
        except Exception as exc:
            message = project_failure_message(project_id, exc)
            steps.failed(project_id, started, message)
            with working_on(project_id):
                context.log.error(message)
            failures.append(message)
    steps.save()
    if failures:
        raise Failure(
            description=f"{len(failures)} of {len(keys)} projects failed; each is re-run on its own: "
            + "; ".join(failures[:5]),
            allow_retries=False,
        )
    return done


class _StepLog:
    """One asset step's outcome for each project of the run, kept in one write when the step ends."""

    def __init__(self, run_id: str, asset: str, platform_db: PlatformDatabaseResource) -> None:
        self._run_id, self._asset, self._platform_db = run_id, asset, platform_db
        self._outcomes: list[StepOutcome] = []

    def succeeded(self, project_id: str, started: datetime) -> None:
        self._add(project_id, started, "SUCCESS", None)

    def failed(self, project_id: str, started: datetime, cause: str) -> None:
        self._add(project_id, started, "FAILURE", cause)

    def _add(self, project_id: str, started: datetime, status: str, cause: str | None) -> None:
        self._outcomes.append(
            StepOutcome(self._run_id, project_id, self._asset, status, started, datetime.now(UTC), cause)
        )

    def save(self) -> None:
        """Write what was kept; a project offboarded meanwhile is left out (its rows would have no project)."""
        save_step_outcomes(self._platform_db, self._outcomes)
        self._outcomes = []

    def save_beside_failure(self, context: AssetExecutionContext) -> None:
        """Like save, but a platform database that cannot take the write (it may be the failure) never hides the
        step's own failure: the run's failure cause still tells it."""
        try:
            self.save()
        except Exception as exc:  # noqa: BLE001
            context.log.warning(f"the step's outcome was not kept: {type(exc).__name__}")


def save_step_outcomes(platform_db: PlatformDatabaseResource, outcomes: list[StepOutcome]) -> None:
    """Keep the projects' step outcomes of a run, leaving out projects that are gone."""
    if not outcomes:
        return
    with platform_db.session() as session:
        present = set(session.scalars(select(Project.id).where(Project.id.in_({o.project_id for o in outcomes}))))
        record_steps(session, [o for o in outcomes if o.project_id in present])
        session.commit()


def _being_cancelled(context: AssetExecutionContext) -> bool:
    run = context.instance.get_run_by_id(context.run_id)
    return run is not None and run.status in (DagsterRunStatus.CANCELING, DagsterRunStatus.CANCELED)


def project_failure_message(project_id: str, exc: BaseException) -> str:
    """What to say about one project's failure in a batch."""
    # A Failure from a resource already names the project and the cause (never a password); anything else is
    # reported by class only, since its text may quote a connection string.
    if isinstance(exc, Failure) and exc.description:
        return exc.description
    return f"project {project_id}: {type(exc).__name__}"
