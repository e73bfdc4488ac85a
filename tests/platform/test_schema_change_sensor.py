"""The schema-change sensor: round-robin probes with a cursor; a run only for projects whose schema changed."""

import sqlite3
from pathlib import Path

import pytest
from dagster import DagsterInstance, SensorResult, build_sensor_context

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.platform import sensors
from hugdata.platform.instance import open_instance
from hugdata.platform.resources import PlatformDatabaseResource, TenantDatabaseResource
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from tests.helpers import register


def _tick(instance: DagsterInstance, cursor: str | None) -> SensorResult:
    resources = {"platform_db": PlatformDatabaseResource(), "tenant_db": TenantDatabaseResource()}
    with build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        return sensors.schema_change_sensor(context)


def test_only_changed_schemas_get_a_run_and_the_batches_go_round(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sensors, "SCHEMA_CHECK_BATCH", 2)
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
    assert [r.partition_key for r in again.run_requests] == ["b"]
    assert again.run_requests[0].tags["hugdata/project_id"] == "b"
    assert again.run_requests[0].run_key.startswith("schema-change:b:")
    assert _tick(instance, "").run_requests == []  # the new schema is now the known one


def test_an_unreachable_source_is_skipped_not_fatal(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    register(clean_platform, "gone", DataSourceSpec(dialect=Dialect.sqlite, path=str(tmp_path / "missing.db")))
    result = _tick(open_instance(settings.resolved_dagster_home), None)
    assert result.run_requests == [] and result.cursor == "gone"
