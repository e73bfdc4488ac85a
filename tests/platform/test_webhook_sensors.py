"""The run status sensors' webhook events: one per run and status, and never for a tenant that only reuses the ID."""

import time

from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context
from sqlalchemy import delete, select

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.events.store import events_after
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.platform.sensors import webhook_sensors
from hugdata.tenants.models import Project
from hugdata.webhooks.outbox import WebhookEvent
from tests.helpers import register

SUCCEEDED = next(s for s in webhook_sensors if s.name == "webhook_on_run_succeeded")


def _succeeded_run(instance: DagsterInstance, project_id: str):  # type: ignore[no-untyped-def]
    result = defs.resolve_job_def("analytics_refresh").execute_in_process(partition_key=project_id, instance=instance)
    assert result.success
    return result.dagster_run, next(e for e in result.all_events if e.event_type == DagsterEventType.RUN_SUCCESS)


def _notify(instance: DagsterInstance, run, event) -> None:  # type: ignore[no-untyped-def]
    with build_run_status_sensor_context(
        sensor_name=SUCCEEDED.name,
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=event,
        resources={"platform_db": PlatformDatabaseResource()},
    ) as context:
        SUCCEEDED(context)


def _events(runtime: ApiRuntime) -> list[str]:
    with runtime.sessions() as session:
        return list(session.scalars(select(WebhookEvent.event_id).order_by(WebhookEvent.id)))


def test_a_projects_stream_shows_the_run_starting_before_its_materializations(
    clean_platform: ApiRuntime, settings: Settings
) -> None:
    instance = open_instance(settings.resolved_dagster_home)
    try:
        register(clean_platform, "ordered")
        run, event = _succeeded_run(instance, "ordered")
        _notify(instance, run, event)
    finally:
        instance.dispose()
    with clean_platform.engine.connect() as connection:
        stream = events_after(connection, project_id="ordered", after_id=0)
    seen = [(e.kind, e.payload.get("status")) for e in stream]
    assert seen[0] == ("run", "started") and seen[-1] == ("run", "succeeded"), seen
    assert {kind for kind, _ in seen[1:-1]} == {"asset"}  # every materialization between the two


def test_a_reused_project_id_gets_no_events_of_the_earlier_tenants_runs(
    clean_platform: ApiRuntime, settings: Settings
) -> None:
    instance = open_instance(settings.resolved_dagster_home)
    try:
        register(clean_platform, "reused-id")
        old_run, old_event = _succeeded_run(instance, "reused-id")
        _notify(instance, old_run, old_event)
        # The run queued its start itself, before its work; the sensor adds the outcome.
        assert _events(clean_platform) == [f"{old_run.run_id}:started", f"{old_run.run_id}:succeeded"]

        with clean_platform.sessions() as session:  # the first tenant leaves; a new one registers the same ID
            session.execute(delete(Project).where(Project.id == "reused-id"))
            session.commit()
        time.sleep(0.05)
        register(clean_platform, "reused-id")
        _notify(instance, old_run, old_event)  # the daemon catching up late on the old run
        assert _events(clean_platform) == []

        new_run, new_event = _succeeded_run(instance, "reused-id")
        _notify(instance, new_run, new_event)
        assert _events(clean_platform) == [f"{new_run.run_id}:started", f"{new_run.run_id}:succeeded"]
    finally:
        instance.dispose()
