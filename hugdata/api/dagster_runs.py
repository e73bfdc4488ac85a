"""Runs of tenant partitions, through the Dagster webserver's GraphQL API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from hugdata.platform.automation import (
    ANALYTICS_BATCH_JOB,
    SCHEMA_SYNC_BATCH_JOB,
    batch_members,
    member_tag,
)
from hugdata.platform.instance import PARTITION_TAG, PROJECT_TAG, TIER_TAG, project_tags
from hugdata.platform.jobs import ANALYTICS_ASSET_NAMES, SCHEMA_SYNC_ASSET_NAMES

CODE_LOCATION = "hugdata.platform.definitions"
REPOSITORY = "__repository__"
TENANT_JOB = "schema_sync"

_RUN_FIELDS = """
  runId status jobName creationTime startTime endTime
  tags { key value }
  assetSelection { path }
  stepStats { stepKey status startTime endTime }
"""
_RUNS_QUERY = (
    "query Runs($filter: RunsFilter, $cursor: String, $limit: Int) {"
    " runsOrError(filter: $filter, cursor: $cursor, limit: $limit) {"
    " __typename ... on Runs { results {" + _RUN_FIELDS + "} } ... on PythonError { message } } }"
)
_RUN_QUERY = (
    "query Run($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run {" + _RUN_FIELDS + "}"
    " ... on RunNotFoundError { message } ... on PythonError { message } } }"
)


_EPOCH = datetime.fromtimestamp(0, tz=UTC)


class DagsterUnavailable(Exception):
    """The Dagster webserver could not be reached or answered with an error."""


@dataclass(frozen=True)
class StepInfo:
    """One step of a run: the asset it materializes, how it ended, when."""

    asset: str
    status: str  # SUCCESS, FAILURE, SKIPPED, IN_PROGRESS
    started_at: datetime | None
    ended_at: datetime | None
    cause: str | None = None  # why it failed or was skipped


# A job's runs carry no asset selection in Dagster's API (only ad-hoc selections do): the job says what it runs.
JOB_ASSETS = {
    "schema_sync": SCHEMA_SYNC_ASSET_NAMES,
    SCHEMA_SYNC_BATCH_JOB: SCHEMA_SYNC_ASSET_NAMES,
    "analytics_refresh": ANALYTICS_ASSET_NAMES,
    ANALYTICS_BATCH_JOB: ANALYTICS_ASSET_NAMES,
}


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    status: str
    job: str
    project_id: str | None
    tier: str | None
    assets: list[str]
    created_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    tags: dict[str, str]
    members: tuple[str, ...] = ()  # the projects a batch lists; empty for any other run
    steps: tuple[StepInfo, ...] = ()


def _time(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def _run_info(node: dict[str, Any]) -> RunInfo:
    tags = {t["key"]: t["value"] for t in node.get("tags") or []}
    return RunInfo(
        run_id=node["runId"],
        status=node["status"],
        job=node["jobName"],
        project_id=tags.get(PROJECT_TAG) or tags.get(PARTITION_TAG),
        tier=tags.get(TIER_TAG),
        assets=["/".join(a["path"]) for a in node.get("assetSelection") or []]
        or list(JOB_ASSETS.get(node["jobName"], ())),
        created_at=_time(node.get("creationTime")),
        started_at=_time(node.get("startTime")),
        ended_at=_time(node.get("endTime")),
        tags=tags,
        members=tuple(batch_members(tags)),
        steps=tuple(
            StepInfo(
                asset=step["stepKey"],
                status=step["status"] or "IN_PROGRESS",
                started_at=_time(step.get("startTime")),
                ended_at=_time(step.get("endTime")),
            )
            for step in node.get("stepStats") or []
        ),  # fmt: skip
    )


class DagsterRuns:
    """Launch, list, read and cancel tenant runs; every tenant run carries the project's partition and tags."""

    def __init__(self, graphql_url: str, *, timeout_s: float = 30) -> None:
        parts = urlsplit(graphql_url)
        prefix = parts.path.removesuffix("/graphql").rstrip("/")
        self._client = DagsterGraphQLClient(
            parts.hostname or "127.0.0.1",
            port_number=parts.port,
            use_https=parts.scheme == "https",
            timeout=int(timeout_s),
            path_prefix=prefix,
        )
        self._url = graphql_url
        self._http = httpx.Client(timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def _query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(self._url, json={"query": query, "variables": variables})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DagsterUnavailable(f"the Dagster webserver is unavailable ({type(exc).__name__})") from exc
        if body.get("errors"):
            raise DagsterUnavailable(f"Dagster rejected the query: {body['errors'][0].get('message', '')}")
        return dict(body["data"])

    def launch(self, *, project_id: str, tier: str, assets: Sequence[str] | None = None, job: str = TENANT_JOB) -> str:
        """Queue a run of ``job`` over the project's partition (all its assets, or ``assets``); return its run ID."""
        tags = {PARTITION_TAG: project_id, **project_tags(project_id, tier)}
        try:
            return self._client.submit_job_execution(
                job,
                repository_location_name=CODE_LOCATION,
                repository_name=REPOSITORY,
                tags=tags,
                asset_selection=list(assets) if assets else None,
            )
        except DagsterGraphQLClientError as exc:
            raise DagsterUnavailable(f"Dagster did not launch the run: {exc}") from exc
        except Exception as exc:  # transport errors from gql/requests
            raise DagsterUnavailable(f"the Dagster webserver is unavailable ({type(exc).__name__})") from exc

    def project_runs(self, *, project_id: str, limit: int, cursor: str | None = None) -> list[RunInfo]:
        """The project's runs, newest first; ``cursor`` is the last run ID of the previous page.

        A run is the project's when its project tag or its partition names it (runs the platform launches carry
        both, runs Dagster's backfill daemon launches only the partition), or when an automation batch lists it.
        The lists are read from the same cursor and merged, which keeps keyset paging exact.
        """
        merged: dict[str, RunInfo] = {}
        for key, value in ((PROJECT_TAG, project_id), (PARTITION_TAG, project_id), (member_tag(project_id), "1")):
            for run in self._runs({"tags": [{"key": key, "value": value}]}, cursor=cursor, limit=limit):
                merged[run.run_id] = run
        newest = sorted(merged.values(), key=lambda r: r.created_at or _EPOCH, reverse=True)
        return newest[:limit]

    def _runs(self, runs_filter: dict[str, Any], *, cursor: str | None, limit: int) -> list[RunInfo]:
        data = self._query(_RUNS_QUERY, {"filter": runs_filter, "cursor": cursor, "limit": limit})
        result = data["runsOrError"]
        if result["__typename"] != "Runs":
            raise DagsterUnavailable(f"Dagster could not list runs: {result.get('message', '')}")
        return [_run_info(node) for node in result["results"]]

    def run(self, run_id: str) -> RunInfo | None:
        """One run, or None when Dagster does not know it."""
        result = self._query(_RUN_QUERY, {"runId": run_id})["runOrError"]
        if result["__typename"] == "RunNotFoundError":
            return None
        if result["__typename"] != "Run":
            raise DagsterUnavailable(f"Dagster could not read the run: {result.get('message', '')}")
        return _run_info(result)

    def launch_backfill(self, *, project_ids: Sequence[str], assets: Sequence[str], tags: dict[str, str]) -> str:
        """Start an asset backfill of these projects' partitions; one run per project, each failing alone."""
        params = {
            "partitionNames": list(project_ids),
            "assetSelection": [{"path": [a]} for a in assets],
            "tags": [{"key": k, "value": v} for k, v in tags.items()],
            "title": f"hugdata: {len(project_ids)} project(s)",
        }
        result = self._query(_LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            raise DagsterUnavailable(f"Dagster did not start the backfill: {result.get('message', result)}")
        return str(result["backfillId"])

    def backfill(self, backfill_id: str, *, asset_order: Sequence[str]) -> BackfillInfo | None:
        """A backfill with its progress in projects, or None when Dagster does not know it. A project whose run
        failed before its first step (a launch failure) counts as failed, which Dagster's asset counts miss."""
        result = self._query(_BACKFILL_QUERY, {"id": backfill_id})["partitionBackfillOrError"]
        if result["__typename"] == "BackfillNotFoundError":
            return None
        if result["__typename"] != "PartitionBackfill":
            raise DagsterUnavailable(f"Dagster could not read the backfill: {result.get('message', '')}")
        counted = _backfill_info(result, asset_order)
        if counted.status in TERMINAL_BACKFILL:
            return counted.settled()
        failed_runs = self._backfill_failed_projects(backfill_id)
        return counted.with_failed(failed_runs)

    def _backfill_failed_projects(self, backfill_id: str, page: int = 500) -> set[str]:
        """Projects whose latest run of the backfill ended FAILURE or CANCELED."""
        latest: dict[str, str] = {}
        cursor = None
        while True:
            runs = self._runs({"tags": [{"key": BACKFILL_TAG, "value": backfill_id}]}, cursor=cursor, limit=page)
            for run in runs:  # newest first: the first seen is a project's latest run
                if run.project_id is not None:
                    latest.setdefault(run.project_id, run.status)
            if len(runs) < page:
                break
            cursor = runs[-1].run_id
        return {project for project, status in latest.items() if status in ("FAILURE", "CANCELED")}

    def all_project_runs(self, project_id: str, *, page: int = 200) -> list[RunInfo]:
        """Every run tagged with the project, newest first."""
        runs: list[RunInfo] = []
        while batch := self.project_runs(project_id=project_id, limit=page, cursor=runs[-1].run_id if runs else None):
            runs.extend(batch)
            if len(batch) < page:
                break
        return runs

    def delete_run(self, run_id: str) -> bool:
        """Remove a finished run and its event log from Dagster's storage; False when Dagster does not know it."""
        result = self._query(_DELETE_RUN, {"runId": run_id})["deleteRun"]
        if result["__typename"] == "RunNotFoundError":
            return False
        if result["__typename"] != "DeletePipelineRunSuccess":
            raise DagsterUnavailable(f"Dagster did not delete the run: {result.get('message', result['__typename'])}")
        return True

    def wipe_partition(self, project_id: str, assets: Sequence[str]) -> bool:
        """Wipe the materialization history of the project's partition of ``assets`` (needs the partition); False
        when the instance's event log storage cannot wipe single partitions (Dagster's SQL storages cannot yet)."""
        ranges = [
            {"assetKey": {"path": [a]}, "partitions": {"range": {"start": project_id, "end": project_id}}}
            for a in assets
        ]
        result = self._query(_WIPE_ASSETS, {"ranges": ranges})["wipeAssets"]
        if result["__typename"] == "UnsupportedOperationError":
            return False
        if result["__typename"] != "AssetWipeSuccess":
            raise DagsterUnavailable(f"Dagster did not wipe the history: {result.get('message', result['__typename'])}")
        return True

    def failure_cause(self, run_id: str) -> str | None:
        """Why a failed run failed, from its own events: failing steps' messages, else the run's error."""
        result = self._query(_FAILURE_EVENTS, {"runId": run_id})["runOrError"]
        if result["__typename"] != "Run":
            return None
        events = result["eventConnection"]["events"]
        steps = [
            f"{e.get('stepKey')}: {_step_message(e)}" for e in events if e["__typename"] == "ExecutionStepFailureEvent"
        ]
        if steps:
            return "; ".join(s.strip() for s in steps)[:2000]
        run_errors = [(e.get("error") or {}).get("message") for e in events if e["__typename"] == "RunFailureEvent"]
        return next((m.strip() for m in run_errors if m), None)

    def cancel(self, run_id: str) -> None:
        """Cancel a queued run or terminate a running one."""
        try:
            self._client.terminate_run(run_id)
        except DagsterGraphQLClientError as exc:
            raise DagsterUnavailable(f"Dagster did not cancel the run: {exc}") from exc

    def try_cancel(self, run_id: str) -> bool:
        """Like cancel, but False when the run cannot be terminated in its current state (STARTING)."""
        try:
            self._client.terminate_run(run_id)
        except DagsterGraphQLClientError as exc:
            if exc.args and exc.args[0] == "TerminateRunFailure":
                return False
            raise DagsterUnavailable(f"Dagster did not cancel the run: {exc}") from exc
        return True


_FAILURE_EVENTS = (
    "query Failure($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { eventConnection(limit: 1000) {"
    " events { __typename ... on ExecutionStepFailureEvent { stepKey error { message }"
    " failureMetadata { description } } ... on RunFailureEvent { error { message } } } } } } }"
)


def _step_message(event: dict[str, Any]) -> str:
    description = (event.get("failureMetadata") or {}).get("description")
    return str(description or (event.get("error") or {}).get("message", ""))


_DELETE_RUN = (
    "mutation Delete($runId: String!) { deleteRun(runId: $runId) { __typename"
    " ... on RunNotFoundError { message } ... on PythonError { message } ... on UnauthorizedError { message } } }"
)
_WIPE_ASSETS = (
    "mutation Wipe($ranges: [PartitionsByAssetSelector!]!) { wipeAssets(assetPartitionRanges: $ranges) {"
    " __typename ... on PythonError { message } ... on UnauthorizedError { message } } }"
)
_LAUNCH_BACKFILL = (
    "mutation Backfill($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {"
    " __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message }"
    " ... on PartitionKeysNotFoundError { message } ... on InvalidSubsetError { message } } }"
)
_BACKFILL_QUERY = (
    "query Backfill($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename"
    " ... on PartitionBackfill { id status partitionNames numPartitions tags { key value }"
    " assetBackfillData { assetBackfillStatuses { __typename ... on AssetPartitionsStatusCounts {"
    " assetKey { path } numPartitionsTargeted numPartitionsInProgress numPartitionsMaterialized"
    " numPartitionsFailed } } } }"
    " ... on BackfillNotFoundError { message } ... on PythonError { message } } }"
)


TERMINAL_BACKFILL = frozenset({"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"})
BACKFILL_TAG = "dagster/backfill"


@dataclass(frozen=True)
class BackfillInfo:
    backfill_id: str
    status: str
    project_ids: list[str]
    total: int
    done: int
    failed: int
    in_progress: int

    def settled(self) -> BackfillInfo:
        """A finished backfill: every project not done failed, whether or not its run ever started."""
        return replace(self, failed=self.total - self.done, in_progress=0)

    def with_failed(self, projects: set[str]) -> BackfillInfo:
        """Counts that also know the projects whose runs failed before materializing or failing an asset."""
        failed = min(self.total - self.done, max(self.failed, len(projects)))
        return replace(self, failed=failed, in_progress=max(0, self.total - self.done - failed))


def _backfill_info(node: dict[str, Any], asset_order: Sequence[str]) -> BackfillInfo:
    counts = {
        "/".join(s["assetKey"]["path"]): s
        for s in (node.get("assetBackfillData") or {}).get("assetBackfillStatuses") or []
        if s["__typename"] == "AssetPartitionsStatusCounts"
    }
    # A project is done when the last asset of its graph is; a failure upstream counts against it too.
    # The last asset of the graph the backfill covers stands for the project: done when it is.
    final = next((a for a in reversed(asset_order) if a in counts), None)
    last = counts.get(final) or {} if final else {}
    projects = list(node.get("partitionNames") or [])
    return BackfillInfo(
        backfill_id=node["id"],
        status=node["status"],
        project_ids=projects,
        total=int(last.get("numPartitionsTargeted", node.get("numPartitions") or len(projects))),
        done=int(last.get("numPartitionsMaterialized", 0)),
        failed=max([int(c.get("numPartitionsFailed", 0)) for c in counts.values()] or [0]),
        in_progress=int(last.get("numPartitionsInProgress", 0)),
    )
