"""Automation batches: the nightly schema sync, the hourly analytics refresh and the syncs after a schema change
start many projects per run instead of one run each.

A batch is a run of a batch job (batch_jobs.py) that lists its projects in tags, one tag per project
(``hugdata/in/<project>``), so Dagster can find every run that touched a project with one tag filter, and the
projects need not be neighbours in the partition order (a nightly slot's projects are spread by a hash). Each
project in it is processed on its own and recorded as a materialization of its own partition; one tier per batch,
since a run's Job has one size. A failed project is re-run alone with the single-project job.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from dagster import DagsterRun, RunRequest

from hugdata.config import get_settings
from hugdata.k8s.tenant_runs import run_k8s_tags
from hugdata.platform.batches import BATCH_TAG, MEMBER_TAG_PREFIX, batch_members, member_tag
from hugdata.platform.instance import TIER_TAG

__all__ = ["MEMBER_TAG_PREFIX", "batch_members", "member_tag"]  # kept here for their callers
SCHEMA_SYNC_BATCH_JOB = "schema_sync_batch"
ANALYTICS_BATCH_JOB = "analytics_refresh_batch"
# Which batch job does a single-project job's work, and back: a failed project is re-run with the single job.
BATCH_JOB_OF = {"schema_sync": SCHEMA_SYNC_BATCH_JOB, "analytics_refresh": ANALYTICS_BATCH_JOB}
SINGLE_JOB_OF = {batch: single for single, batch in BATCH_JOB_OF.items()}


def is_member_batch(run: DagsterRun) -> bool:
    return run.job_name in SINGLE_JOB_OF


def automation_requests(
    kind: str, run_key: str, projects: Sequence[tuple[str, str]], *, batch_size: int | None = None
) -> list[RunRequest]:
    """Batch runs for ``projects`` ((id, tier) pairs): up to ``batch_size`` projects of one tier each, keyed
    ``<run_key>:...`` so a repeated tick requests nothing twice. The target job is the caller's batch job."""
    size = batch_size or get_settings().automation_batch_size
    resources = get_settings().run_tier_resources
    requests = []
    ordered = sorted((str(tier), project_id) for project_id, tier in projects)
    for tier, group in groupby(ordered, key=lambda pair: pair[0]):
        ids = [project_id for _, project_id in group]
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            requests.append(
                RunRequest(
                    run_key=f"{run_key}:{tier}:{chunk[0]}..{chunk[-1]}:{len(chunk)}",
                    tags={
                        TIER_TAG: tier,
                        BATCH_TAG: kind,
                        **run_k8s_tags(tier, batch=kind, resources=resources),
                        **{member_tag(project_id): "1" for project_id in chunk},
                    },
                )
            )
    return requests
