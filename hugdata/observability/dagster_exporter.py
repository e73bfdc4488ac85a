"""The platform exporter: run-queue and tenant-health gauges read from Dagster's run storage and the platform's own
tables at scrape time, each with one bounded query (status-indexed counts, a one-row oldest-first read, partial
indexes over failed and probed rows), so a scrape costs the same at 100 tenants and at 100,000.

Served by `hugdata exporter` (a Deployment in the chart) on its own port for Prometheus.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hugdata.tenants.asset_states import AssetState, SchemaWatch
from hugdata.tenants.freshness import CatalogStaleness
from hugdata.tenants.models import Project

UNFINISHED = (DagsterRunStatus.QUEUED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED)
FINISHED = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)
RECENT = timedelta(minutes=15)


class PlatformExporter(Collector):
    def __init__(
        self, instance: DagsterInstance, sessions: sessionmaker[Session], clock: Callable[[], datetime] | None = None
    ) -> None:
        self._instance, self._sessions = instance, sessions
        self._clock = clock or (lambda: datetime.now(UTC))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self._clock()
        runs = GaugeMetricFamily("hugdata_dagster_runs", "runs not finished, by status", labels=["status"])
        for status in UNFINISHED:
            runs.add_metric([status.value.lower()], self._instance.get_runs_count(RunsFilter(statuses=[status])))
        yield runs
        oldest = self._instance.get_run_records(RunsFilter(statuses=[DagsterRunStatus.QUEUED]), limit=1, ascending=True)
        age = (now - oldest[0].create_timestamp).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "hugdata_dagster_oldest_queued_run_age_seconds", "age of the oldest queued run (0 when none)", value=age
        )
        finished = GaugeMetricFamily(
            "hugdata_dagster_runs_finished_recently",
            f"runs that finished in the last {int(RECENT.total_seconds() // 60)} minutes, by status",
            labels=["status"],
        )
        for status in FINISHED:
            count = self._instance.get_runs_count(RunsFilter(statuses=[status], updated_after=now - RECENT))
            finished.add_metric([status.value.lower()], count)
        yield finished
        with self._sessions() as session:
            failed = session.execute(
                select(AssetState.asset, func.count()).where(AssetState.status == "failed").group_by(AssetState.asset)
            ).all()
            stale = session.scalar(select(func.count()).select_from(CatalogStaleness)) or 0
            projects = session.scalar(select(func.count()).select_from(Project)) or 0
            probed = session.scalar(
                select(func.count()).select_from(SchemaWatch).where(SchemaWatch.checked_at > now - timedelta(hours=1))
            ) or 0  # fmt: skip
        failures = GaugeMetricFamily(
            "hugdata_asset_failed_partitions", "projects whose latest run of the asset failed", labels=["asset"]
        )
        for asset, count in failed:
            failures.add_metric([asset], count)
        yield failures
        yield GaugeMetricFamily("hugdata_projects", "registered projects", value=projects)
        yield GaugeMetricFamily("hugdata_catalogs_stale", "projects whose catalog is stale (missed syncs)", value=stale)
        yield GaugeMetricFamily(
            "hugdata_schema_probes_per_second",
            "schema-change probes over the last hour, per second",
            value=probed / 3600,
        )


def serve(instance: DagsterInstance, sessions: sessionmaker[Session], *, port: int) -> None:
    """Serve the exporter's metrics on ``port`` until the process is stopped."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PlatformExporter(instance, sessions))
    start_http_server(port, registry=registry)
    # Stop at once on SIGTERM (a pod's shutdown, `kill`): a scrape in flight holds nothing worth finishing, and
    # Dagster's instance may have taken SIGTERM over for its own interrupt handling.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        time.sleep(3600)
