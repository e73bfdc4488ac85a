"""Logs from Dagster code: in production every line a run writes is JSON with its run ID and step, inside a batch
each line names the project it is about, a sensor's note is a JSON line naming the sensor; a tenant's password
never reaches one."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance, build_sensor_context

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings, get_settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.observability.logs import configure_logging
from hugdata.platform import schema_probes
from hugdata.platform.automation import member_tag
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.platform.resources import PlatformDatabaseResource, TenantDatabaseResource
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from tests.helpers import register
from tests.platform.test_assets import RESOURCES

SOURCE_PASSWORD = "canary-run-log-pw-7d41"


@pytest.fixture
def instance(settings: Settings) -> Iterator[DagsterInstance]:
    opened = open_instance(settings.resolved_dagster_home)
    yield opened
    opened.dispose()


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HUGDATA_ENVIRONMENT", "production")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("HUGDATA_ENVIRONMENT")
    get_settings.cache_clear()


def test_a_batch_runs_lines_are_json_with_its_run_step_and_each_projects_own_failure(
    clean_platform: ApiRuntime,
    instance: DagsterInstance,
    tmp_path: Path,
    production: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = DataSourceSpec(dialect=Dialect.sqlite, path=str(build_demo_database(DEMO_TENANTS[0], tmp_path)))
    refused = DataSourceSpec(dialect=Dialect.postgresql, host="127.0.0.1", port=1, database="app",
                             username="reader", password=SOURCE_PASSWORD)  # fmt: skip
    register(clean_platform, "rl-good", good)
    register(clean_platform, "rl-refused", refused)
    job = defs.resolve_job_def("schema_sync_batch")  # with the code location's loggers, as a deployment runs it
    tags = {"hugdata/tier": "standard", "hugdata/batch": "nightly", member_tag("rl-good"): "1",
            member_tag("rl-refused"): "1"}  # fmt: skip
    result = job.execute_in_process(instance=instance, resources=RESOURCES, tags=tags, raise_on_error=False)

    err = capsys.readouterr().err
    assert SOURCE_PASSWORD not in err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert lines and all(line["run_id"] == result.run_id for line in lines)
    [failure] = [line for line in lines if line["level"] == "error" and line.get("project_id") == "rl-refused"]
    assert failure["step"] == "sync_listed_projects" and "rl-refused" in failure["message"]
    assert not failure["message"].startswith("schema_sync_batch")  # the message itself, not Dagster's prefix
    # The batch's own summary is about no single project; nothing names the good project as failed.
    [summary] = [line for line in lines if line["message"].startswith("batch of 2 projects")]
    assert "project_id" not in summary
    assert not [line for line in lines if line.get("project_id") == "rl-good" and line["level"] == "error"]
    assert {line["event"] for line in lines if "event" in line} >= {"STEP_FAILURE", "PIPELINE_FAILURE"}


def test_a_sensors_note_is_also_a_json_line_naming_the_sensor(
    clean_platform: ApiRuntime, instance: DagsterInstance, tmp_path: Path, production: None
) -> None:
    source = DataSourceSpec(dialect=Dialect.sqlite, path=str(build_demo_database(DEMO_TENANTS[0], tmp_path)))
    register(clean_platform, "rl-probed", source)
    stream = io.StringIO()
    handler = configure_logging(get_settings(), stream=stream)
    resources = {"platform_db": PlatformDatabaseResource(), "tenant_db": TenantDatabaseResource()}
    try:
        with build_sensor_context(instance=instance, resources=resources, sensor_name="schema_change_sensor") as ctx:
            schema_probes.schema_change_sensor(ctx)
    finally:
        logging.getLogger().removeHandler(handler)
    notes = [json.loads(line) for line in stream.getvalue().splitlines() if '"hugdata.ticks"' in line]
    assert [n["instigator"] for n in notes] == ["schema_change_sensor"]
    assert notes[0]["message"].startswith("schema probes: 1 of 1") and notes[0]["level"] == "info"
