"""Runs over many projects at once: onboarding batches that share one run worker, and their failure fan-out.

Most of a small tenant's run is the run worker starting (Python, Dagster, the code location, the model); a batch of
newly registered projects in one run pays that once. Isolation is kept by what happens on failure: a failing
project never stops the others in its step, and a failed batch is re-run as one run per project, so each project
ends with its own run, its own status and its own error message.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import (
    DagsterInstance,
    DagsterRun,
    RunRequest,
)
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from hugdata.config import get_settings
from hugdata.k8s.tenant_runs import run_k8s_tags
from hugdata.platform.instance import PARTITION_TAG, TIER_TAG, project_tags
from hugdata.platform.jobs import analytics_refresh, schema_sync
from hugdata.platform.partitions import PROJECTS_PARTITION

BATCH_TAG = "hugdata/batch"
MEMBER_TAG_PREFIX = "hugdata/in/"


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


def batch_metadata(per_project: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Materialization metadata: one project's own, or for a batch the count and each project's summary."""
    if len(per_project) == 1:
        return next(iter(per_project.values()))
    return {"projects": len(per_project), "per_project": per_project}
