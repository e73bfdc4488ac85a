"""The nightly schema sync: every active project exactly once a night, spread over the window's slots, in batches."""

from datetime import UTC, datetime, timedelta

from dagster import build_schedule_context

from hugdata.api.runtime import ApiRuntime
from hugdata.platform.automation import batch_members
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.platform.schedules import NIGHTLY_SLOTS, build_nightly_schema_sync
from hugdata.tenants.models import Tier
from tests.helpers import register


def test_each_project_runs_once_per_night_and_the_night_is_spread(clean_platform: ApiRuntime) -> None:
    projects = [f"p{i}" for i in range(60)]
    for project_id in projects:
        register(clean_platform, project_id, tier=Tier.free)
    start = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    seen: list[str] = []
    per_slot = []
    for slot in range(NIGHTLY_SLOTS):
        with build_schedule_context(
            scheduled_execution_time=start + timedelta(minutes=10 * slot),
            resources={"platform_db": PlatformDatabaseResource()},
        ) as context:
            requests = build_nightly_schema_sync()(context)
        assert len(requests) <= 1  # a slot's few projects share one run
        members = [p for r in requests for p in batch_members(r.tags)]
        per_slot.append(len(members))
        for request in requests:
            assert request.tags["hugdata/tier"] == "free" and request.tags["hugdata/batch"] == "nightly"
            assert request.run_key.startswith(f"nightly:2026-11-27:{slot}:free:")
        seen += members
    assert sorted(seen) == sorted(projects)  # everyone once, nobody twice
    assert max(per_slot) < len(projects) / 4  # no slot carries the whole night
