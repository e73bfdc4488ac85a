"""The event hub: a write for a project wakes that project's streams through NOTIFY, not another's; the cap per
project holds and a freed place can be taken again."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.concurrency import run_in_threadpool

from hugdata.api.runtime import ApiRuntime, listen_conninfo
from hugdata.events.hub import EventHub, StreamLimitReached
from hugdata.tenants.asset_states import record_materialized
from tests.helpers import register


def _write(runtime: ApiRuntime, project_id: str) -> None:
    with runtime.sessions() as session:
        record_materialized(session, project_id=project_id, asset="database_schema", run_id="r1", summary={})
        session.commit()


def test_a_write_wakes_only_its_own_projects_streams(clean_platform: ApiRuntime) -> None:
    register(clean_platform, "hub-a")
    register(clean_platform, "hub-b")

    async def scenario() -> tuple[bool, bool]:
        hub = EventHub(listen_conninfo(clean_platform), streams_per_project=2)
        hub.start()
        try:
            await asyncio.wait_for(hub.listening.wait(), 10)
            with hub.subscribe("hub-a") as wake_a, hub.subscribe("hub-b") as wake_b:
                wake_a.clear(), wake_b.clear()
                await run_in_threadpool(_write, clean_platform, "hub-a")
                await asyncio.wait_for(wake_a.wait(), 2)
                await asyncio.sleep(0.3)
                return wake_a.is_set(), wake_b.is_set()
        finally:
            await hub.close()

    assert asyncio.run(scenario()) == (True, False)


def test_the_cap_per_project_holds_and_frees_on_close(clean_platform: ApiRuntime) -> None:
    async def scenario() -> None:
        hub = EventHub(listen_conninfo(clean_platform), streams_per_project=1)
        with hub.subscribe("hub-a"):
            with pytest.raises(StreamLimitReached), hub.subscribe("hub-a"):
                pass
            with hub.subscribe("hub-b"):
                assert hub.open_streams() == 2
        with hub.subscribe("hub-a"):
            assert hub.open_streams() == 1

    asyncio.run(scenario())


def test_one_write_wakes_the_streams_of_every_replica(clean_platform: ApiRuntime) -> None:
    register(clean_platform, "hub-r")

    async def scenario() -> list[bool]:
        replicas = [EventHub(listen_conninfo(clean_platform), streams_per_project=2) for _ in range(2)]
        for hub in replicas:
            hub.start()
        try:
            await asyncio.gather(*(asyncio.wait_for(h.listening.wait(), 10) for h in replicas))
            with replicas[0].subscribe("hub-r") as first, replicas[1].subscribe("hub-r") as second:
                first.clear(), second.clear()
                await run_in_threadpool(_write, clean_platform, "hub-r")
                await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), 3)
                return [first.is_set(), second.is_set()]
        finally:
            for hub in replicas:
                await hub.close()

    assert asyncio.run(scenario()) == [True, True]
