"""A catalog that misses its nightly sync turns stale: one `catalog.stale` webhook per stale period, one
`catalog.fresh` when it is materialized again, none for projects that stay fresh."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from dagster import DagsterInstance, build_sensor_context
from sqlalchemy import select, update

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.platform.freshness_sensor import catalog_freshness_sensor
from hugdata.platform.instance import open_instance
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.asset_states import AssetState, record_materialized
from hugdata.tenants.freshness import CATALOG_ASSETS
from hugdata.webhooks.outbox import WebhookEvent
from tests.helpers import register


@pytest.fixture
def instance(settings: Settings) -> Iterator[DagsterInstance]:
    opened = open_instance(settings.resolved_dagster_home)
    yield opened
    opened.dispose()


def _tick(instance: DagsterInstance) -> None:
    with build_sensor_context(instance=instance, resources={"platform_db": PlatformDatabaseResource()}) as context:
        catalog_freshness_sensor(context)


def _events(runtime: ApiRuntime) -> list[dict]:
    with runtime.sessions() as session:
        return [e.payload for e in session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))]


def _catalogued(runtime: ApiRuntime, project_id: str, *, age: timedelta) -> None:
    with runtime.sessions() as session:
        for asset in CATALOG_ASSETS:
            record_materialized(session, project_id=project_id, asset=asset, run_id="r", summary={})
        session.execute(
            update(AssetState)
            .where(AssetState.project_id == project_id)
            .values(last_materialized_at=datetime.now(UTC) - age)
        )
        session.commit()


def test_stale_is_told_once_and_fresh_once_when_it_recovers(
    clean_platform: ApiRuntime, instance: DagsterInstance
) -> None:
    register(clean_platform, "goes-stale")
    register(clean_platform, "stays-fresh")
    _catalogued(clean_platform, "goes-stale", age=timedelta(hours=40))  # the nightly sync was missed
    _catalogued(clean_platform, "stays-fresh", age=timedelta(hours=2))
    _tick(instance)
    _tick(instance)  # still stale: nothing new
    events = _events(clean_platform)
    assert [(e["project_id"], e["event"]) for e in events] == [("goes-stale", "catalog.stale")]
    since = datetime.fromisoformat(events[0]["stale_since"])
    assert abs((datetime.now(UTC) - since) - timedelta(hours=4)).total_seconds() < 120  # it turned stale at 36 h

    _catalogued(clean_platform, "goes-stale", age=timedelta(0))  # the next sync ran
    _tick(instance)
    _tick(instance)
    events = _events(clean_platform)
    assert [(e["project_id"], e["event"]) for e in events] == [
        ("goes-stale", "catalog.stale"),
        ("goes-stale", "catalog.fresh"),
    ]
    assert events[1]["stale_since"] == events[0]["stale_since"]

    _catalogued(clean_platform, "goes-stale", age=timedelta(hours=50))  # stale again: a new period, told again
    _tick(instance)
    assert [e["event"] for e in _events(clean_platform)] == ["catalog.stale", "catalog.fresh", "catalog.stale"]
