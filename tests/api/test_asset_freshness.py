"""A catalog that missed its nightly sync shows as stale in GET /assets, with its age; Dagster has the same rule."""

from datetime import UTC, datetime, timedelta

from dagster import AssetKey
from fastapi.testclient import TestClient
from sqlalchemy import update

from hugdata.api.runtime import ApiRuntime
from hugdata.tenants.asset_states import AssetState, record_materialized
from hugdata.tenants.freshness import catalog_freshness
from tests.helpers import ADMIN_TOKEN, register

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_freshness_turns_stale_past_the_max_age() -> None:
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    max_age = timedelta(hours=36)
    assert catalog_freshness(now - timedelta(hours=35), now=now, max_age=max_age).state == "fresh"
    stale = catalog_freshness(now - timedelta(hours=37), now=now, max_age=max_age)
    assert (stale.state, stale.age_seconds) == ("stale", 37 * 3600)
    assert catalog_freshness(None, now=now, max_age=max_age).state == "never"


def test_assets_say_which_catalog_asset_is_stale_and_how_old(client: TestClient, clean_platform: ApiRuntime) -> None:
    register(clean_platform, "fresh-check")
    with clean_platform.sessions() as session:
        for asset in ("database_schema", "semantic_model", "schema_vector_index", "usage_analytics"):
            record_materialized(session, project_id="fresh-check", asset=asset, run_id="r1", summary={})
        session.execute(  # the nightly sync of the schema was missed: its state is two days old
            update(AssetState)
            .where(AssetState.project_id == "fresh-check", AssetState.asset == "database_schema")
            .values(last_materialized_at=datetime.now(UTC) - timedelta(hours=48))
        )
        session.commit()
    states = {a["asset"]: a for a in client.get("/v1/projects/fresh-check/assets", headers=ADMIN).json()}
    assert states["database_schema"]["freshness"] == "stale"
    assert 47 * 3600 < states["database_schema"]["age_seconds"] < 49 * 3600
    assert states["semantic_model"]["freshness"] == "fresh" and states["semantic_model"]["age_seconds"] < 600
    assert states["model_accuracy"]["freshness"] is None  # analytics assets have no catalog age rule
    assert states["usage_analytics"]["freshness"] is None


def test_dagster_carries_the_same_freshness_rule_on_every_catalog_asset() -> None:
    from hugdata.platform.definitions import defs

    for name in ("database_schema", "semantic_model", "schema_vector_index"):
        policy = defs.get_assets_def(name).specs_by_key[AssetKey(name)].freshness_policy
        assert policy is not None and policy.fail_window.to_timedelta() == timedelta(hours=36), name
