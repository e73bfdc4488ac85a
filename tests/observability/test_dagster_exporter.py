"""The platform exporter: run queue depth and the oldest queued run's age from Dagster's run storage, recently
finished runs by status, failed asset partitions, stale catalogs, registered projects and the probe rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus
from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hugdata.api.runtime import ApiRuntime
from hugdata.observability.dagster_exporter import PlatformExporter
from hugdata.tenants.asset_states import record_failed, swap_schema_fingerprint
from hugdata.tenants.freshness import CatalogStaleness
from tests.helpers import register


def _samples(collector: PlatformExporter) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for s in family.samples
    }


def test_the_exporter_reads_the_queue_and_tenant_health(clean_platform: ApiRuntime) -> None:
    for project_id in ("exp-a", "exp-b", "exp-c"):
        register(clean_platform, project_id)
    with clean_platform.sessions() as session:
        record_failed(session, project_id="exp-a", assets=["database_schema", "semantic_model"], run_id="r1",
                      cause="project exp-a: the source is unreachable")  # fmt: skip
        record_failed(session, project_id="exp-b", assets=["database_schema"], run_id="r2", cause="gone")
        session.add(CatalogStaleness(project_id="exp-c", stale_since=datetime.now(UTC)))
        swap_schema_fingerprint(session, project_id="exp-a", fingerprint="f" * 64)
        session.commit()
    instance = DagsterInstance.ephemeral()
    # Queued runs carry where they come from; a stand-in origin of the platform's code location does here.
    location = InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="hugdata.platform.definitions"))
    origin = RemoteJobOrigin(RemoteRepositoryOrigin(location, "__repository__"), "schema_sync")
    for status in (
        DagsterRunStatus.QUEUED,
        DagsterRunStatus.QUEUED,
        DagsterRunStatus.STARTED,
        DagsterRunStatus.FAILURE,
    ):
        instance.run_storage.add_run(DagsterRun(job_name="schema_sync", status=status, remote_job_origin=origin))
    later = datetime.now(UTC) + timedelta(minutes=10)
    samples = _samples(PlatformExporter(instance, clean_platform.sessions, clock=lambda: later))

    assert samples[("hugdata_dagster_runs", (("status", "queued"),))] == 2
    assert samples[("hugdata_dagster_runs", (("status", "started"),))] == 1
    assert 590 <= samples[("hugdata_dagster_oldest_queued_run_age_seconds", ())] <= 620
    assert samples[("hugdata_dagster_runs_finished_recently", (("status", "failure"),))] == 1
    assert samples[("hugdata_asset_failed_partitions", (("asset", "database_schema"),))] == 2
    assert samples[("hugdata_asset_failed_partitions", (("asset", "semantic_model"),))] == 1
    assert samples[("hugdata_catalogs_stale", ())] == 1 and samples[("hugdata_projects", ())] == 3
    assert samples[("hugdata_schema_probes_per_second", ())] == 1 / 3600
    assert not [labels for _, labels in samples if any("exp-" in v for _, v in labels)]  # no label names a project


def test_hugdata_exporter_serves_the_metrics_over_http(clean_platform: ApiRuntime) -> None:
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    register(clean_platform, "exp-served")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hugdata = Path(sys.executable).parent / "hugdata"
    server = subprocess.Popen([str(hugdata), "exporter", "--port", str(port)], start_new_session=True)
    try:
        deadline, body = time.monotonic() + 60, ""
        while time.monotonic() < deadline and "hugdata_projects" not in body:
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            except httpx.HTTPError:
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(20)
    assert "hugdata_projects 1.0" in body and 'hugdata_dagster_runs{status="queued"}' in body
