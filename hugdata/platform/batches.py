"""Runs over many projects at once: onboarding batches that share one run worker, and their failure fan-out.

Most of a small tenant's run is the run worker starting (Python, Dagster, the code location, the model); a batch of
newly registered projects in one run pays that once. Isolation is kept by what happens on failure: a failing
project never stops the others in its step, and a failed batch is re-run as one run per project, so each project
ends with its own run, its own status and its own error message.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from dagster import (
    AssetExecutionContext,
    DagsterExecutionInterruptedError,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    Failure,
    RunRequest,
)
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from hugdata.config import get_settings
from hugdata.k8s.tenant_runs import run_k8s_tags
from hugdata.observability.run_logs import working_on
from hugdata.platform.instance import PARTITION_TAG, TIER_TAG, project_tags
from hugdata.platform.jobs import analytics_refresh, schema_sync
from hugdata.platform.partitions import PROJECTS_PARTITION
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.project_locks import project_lock

BATCH_TAG = "hugdata/batch"
MEMBER_TAG_PREFIX = "hugdata/in/"
T = TypeVar("T")


def member_tag(project_id: str) -> str:
    """The tag that marks a batch run as touching ``project_id``: the API lists the run for that project by it."""
    return f"{MEMBER_TAG_PREFIX}{project_id}"


def batch_members(tags: Mapping[str, str]) -> list[str]:
    """The projects a batch run lists, in order; empty for any other run."""
    return sorted(key[len(MEMBER_TAG_PREFIX) :] for key in tags if key.startswith(MEMBER_TAG_PREFIX))


def onboarding_requests(new_projects: Sequence[tuple[str, str]], *, batch_size: int) -> list[RunRequest]:
    """First runs for newly added projects (in partition order): consecutive projects of one tier share a run."""
    groups: list[list[tuple[str, str]]] = []
    for project_id, tier in new_projects:
        if groups and len(groups[-1]) < batch_size and groups[-1][-1][1] == tier:
            groups[-1].append((project_id, tier))
        else:
            groups.append([(project_id, tier)])
    requests = []
    for group in groups:
        first, tier = group[0]
        last = group[-1][0]
        if len(group) == 1:
            requests.append(RunRequest(run_key=f"onboard:{first}", partition_key=first, tags=project_tags(first, tier)))
        else:
            # A partition range covers exactly these projects: they are consecutive in the partition order.
            requests.append(
                RunRequest(
                    run_key=f"onboard:{first}..{last}",
                    tags={
                        ASSET_PARTITION_RANGE_START_TAG: first,
                        ASSET_PARTITION_RANGE_END_TAG: last,
                        TIER_TAG: tier,
                        BATCH_TAG: "onboarding",
                        **run_k8s_tags(tier, batch="onboarding", resources=get_settings().run_tier_resources),
                        # Each project finds its first run by its own tag, as in a nightly batch.
                        **{member_tag(project_id): "1" for project_id, _ in group},
                    },
                )
            )
    return requests


def is_batch(run: DagsterRun) -> bool:
    return ASSET_PARTITION_RANGE_START_TAG in run.tags


def projects_of_run(run: DagsterRun, instance: DagsterInstance) -> list[str]:
    """The projects a tenant run works on: its partition, or every partition of its range."""
    if PARTITION_TAG in run.tags:
        return [run.tags[PARTITION_TAG]]
    if not is_batch(run):
        return []
    # The range is a slice of the partitions in insertion order. Reading all keys costs one query per batch event
    # (a few hundred ms at 100,000 projects), paid only by batch runs.
    keys = instance.get_dynamic_partitions(PROJECTS_PARTITION)
    first, last = run.tags[ASSET_PARTITION_RANGE_START_TAG], run.tags[ASSET_PARTITION_RANGE_END_TAG]
    if first not in keys or last not in keys:
        return []  # offboarded meanwhile
    return keys[keys.index(first) : keys.index(last) + 1]


def isolated_reruns(run: DagsterRun, instance: DagsterInstance) -> list[RunRequest]:
    """One single-project run for every project of a failed batch run."""
    tier = run.tags.get(TIER_TAG, "standard")
    return [
        RunRequest(
            run_key=f"isolate:{run.run_id}:{project_id}",
            job_name=run.job_name if run.job_name in (schema_sync.name, analytics_refresh.name) else schema_sync.name,
            partition_key=project_id,
            tags=project_tags(project_id, tier),
        )
        for project_id in projects_of_run(run, instance)
    ]


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
    if len(keys) == 1:
        try:
            with project_lock(platform_db.engine, keys[0], wait_s=PROJECT_LOCK_WAIT_S) as held:
                if not held:
                    raise Failure(f"project {keys[0]}: another run kept working on it for {PROJECT_LOCK_WAIT_S:.0f} s")
                return {keys[0]: work(keys[0])}
        except (Exception, KeyboardInterrupt, DagsterExecutionInterruptedError) as failure:
            if _being_cancelled(context):
                # The cancel reached the step (as an interrupt, or as the error of an interrupted query). Dagster
                # answers an interrupt with the retry policy, which would run the step again, to success, on a run
                # already shown as cancelling: fail it for good instead.
                raise Failure(f"project {keys[0]}: the run was cancelled", allow_retries=False) from failure
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
    done: dict[str, T] = {}
    failures: list[str] = []
    for project_id in keys:
        try:
            with project_lock(platform_db.engine, project_id, wait_s=PROJECT_LOCK_WAIT_S) as held:
                if not held:
                    raise Failure(f"project {project_id}: another run kept working on it")
                done[project_id] = work(project_id)
        except Exception as exc:
            message = project_failure_message(project_id, exc)
            with working_on(project_id):
                context.log.error(message)
            failures.append(message)
    if failures:
        raise Failure(
            description=f"{len(failures)} of {len(keys)} projects failed; each is re-run on its own: "
            + "; ".join(failures[:5]),
            allow_retries=False,
        )
    return done


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


def batch_metadata(per_project: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Materialization metadata: one project's own, or for a batch the count and each project's summary."""
    if len(per_project) == 1:
        return next(iter(per_project.values()))
    return {"projects": len(per_project), "per_project": per_project}
