"""The schema-change sensor: round-robin probes with a cursor; a run only for projects whose schema changed."""

import sqlite3
from pathlib import Path

import pytest
from dagster import DagsterInstance, SensorResult, build_sensor_context

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.platform import schema_probes
from hugdata.platform.automation import batch_members
from hugdata.platform.instance import open_instance
from hugdata.platform.resources import PlatformDatabaseResource, TenantDatabaseResource
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from tests.helpers import register


def _tick(instance: DagsterInstance, cursor: str | None) -> SensorResult:
    resources = {"platform_db": PlatformDatabaseResource(), "tenant_db": TenantDatabaseResource()}
    with build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        return schema_probes.schema_change_sensor(context)


def test_only_changed_schemas_get_a_run_and_the_batches_go_round(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema_probes, "MIN_BATCH", 2)
    monkeypatch.setattr(schema_probes, "MAX_BATCH", 2)
    files = {}
    for project_id in ("a", "b", "c"):
        files[project_id] = tmp_path / f"{project_id}.sqlite"
        with sqlite3.connect(files[project_id]) as db:
            db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC)")
        register(clean_platform, project_id, DataSourceSpec(dialect=Dialect.sqlite, path=str(files[project_id])))
    instance = open_instance(settings.resolved_dagster_home)

    first = _tick(instance, None)  # a, b: fingerprints recorded, nothing to run yet
    assert first.run_requests == [] and first.cursor == "b"
    second = _tick(instance, first.cursor)  # c
    assert second.run_requests == [] and second.cursor == "c"
    wrapped = _tick(instance, second.cursor)  # past the end: start over
    assert wrapped.cursor == ""

    with sqlite3.connect(files["b"]) as db:
        db.execute("ALTER TABLE orders ADD COLUMN shipped_at TIMESTAMP")
    again = _tick(instance, wrapped.cursor)  # a (same), b (changed)
    assert [batch_members(r.tags) for r in again.run_requests] == [["b"]]
    assert again.run_requests[0].tags["hugdata/batch"] == "schema-change"
    assert again.run_requests[0].run_key.startswith("schema-change:")
    assert _tick(instance, "").run_requests == []  # the new schema is now the known one


def test_an_unreachable_source_is_skipped_not_fatal(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    register(clean_platform, "gone", DataSourceSpec(dialect=Dialect.sqlite, path=str(tmp_path / "missing.db")))
    result = _tick(open_instance(settings.resolved_dagster_home), None)
    assert result.run_requests == [] and result.cursor == "gone"


def test_a_ticks_batch_covers_every_tenant_once_per_probe_interval() -> None:
    # 10,000 tenants probed hourly by a sensor ticking every minute: 167 a tick, with headroom
    assert schema_probes.probe_batch_size(10_000, interval_s=3600, tick_s=60) == 209
    assert schema_probes.probe_batch_size(10_000, interval_s=3600) * 60 >= 10_000
    assert schema_probes.probe_batch_size(3, interval_s=3600) == schema_probes.MIN_BATCH
    assert schema_probes.probe_batch_size(10_000_000, interval_s=3600) == schema_probes.MAX_BATCH


def test_probes_run_in_parallel_and_a_slow_source_only_delays_the_cursor(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time as clock

    for project_id in ("p1", "p2", "p3", "p4"):
        path = tmp_path / f"{project_id}.sqlite"
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        register(clean_platform, project_id, DataSourceSpec(dialect=Dialect.sqlite, path=str(path)))
    at_once, lock, peak = [0], threading.Lock(), [0]
    real = TenantDatabaseResource.schema_fingerprint

    def slow(self, project_id, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            at_once[0] += 1
            peak[0] = max(peak[0], at_once[0])
        clock.sleep(6 if project_id == "p3" else 0.5)
        with lock:
            at_once[0] -= 1
        return real(self, project_id, **kwargs)

    monkeypatch.setattr(TenantDatabaseResource, "schema_fingerprint", slow)
    # Budget and margins leave room for a loaded machine: the real fingerprint after each sleep can take a second.
    monkeypatch.setattr(schema_probes, "TIME_BUDGET_S", 2.5)
    started = clock.monotonic()
    result = _tick(open_instance(settings.resolved_dagster_home), None)
    assert clock.monotonic() - started < 4.0  # not p3's 6 s: the tick stopped waiting at its budget
    assert peak[0] == 4
    assert result.cursor == "p2"  # p3 had not answered within the budget: the next tick starts at p3
