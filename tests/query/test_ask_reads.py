"""An ask served by the API reads what it needs from the platform in one round trip and logs itself in another, on
autocommit connections under row-level security: no session, no pre-ping, no BEGIN and ROLLBACK around them. The
assets, which have no such connections, read and log the same in a session."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select

from hugdata.api.routes.ask import runtime_ask_context
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.query.ask import ask
from hugdata.query.log import QueryLogEntry
from hugdata.tenants.errors import ProjectNotFound
from tests.helpers import catalogued_shop


@contextmanager
def _checkouts(engine: Engine) -> Iterator[list[object]]:
    taken: list[object] = []

    def count(*args: object) -> None:
        taken.append(args[0])

    event.listen(engine, "checkout", count)
    try:
        yield taken
    finally:
        event.remove(engine, "checkout", count)


@pytest.fixture
def shop_project(clean_platform: ApiRuntime, settings: Settings, tmp_path: Path) -> ApiRuntime:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "reads-shop")
    return clean_platform


def test_an_api_ask_takes_two_autocommit_connections_and_no_session(shop_project: ApiRuntime) -> None:
    runtime = shop_project
    context = runtime_ask_context(runtime, runtime.sessions)
    ask(context, project_id="reads-shop", question="How many customers are there?", execute=True, max_rows=10)
    with _checkouts(runtime.reads) as reads, _checkouts(runtime.engine) as sessions:
        result = ask(
            context,
            project_id="reads-shop",
            question="How many orders per status?",
            execute=True,
            max_rows=10,
            lineage_later=True,
        )
    # One for the reads before planning, one for the log entry; the model in force was remembered.
    assert len(reads) == 2 and sessions == []
    assert result.rows and result.pending_lineage is not None
    with runtime.sessions() as session:
        logged = session.scalars(select(QueryLogEntry).where(QueryLogEntry.id == result.query_id)).one()
    assert logged.project_id == "reads-shop" and logged.sql == result.sql and logged.executed and logged.rows


def test_an_ask_without_api_connections_reads_and_logs_in_sessions(shop_project: ApiRuntime) -> None:
    runtime = shop_project
    context = runtime_ask_context(runtime, runtime.sessions)
    context = dataclasses.replace(context, reads=None)
    with _checkouts(runtime.reads) as reads:
        result = ask(context, project_id="reads-shop", question="How many customers are there?", execute=True,
                     max_rows=10)  # fmt: skip
    assert reads == [] and result.query_id is not None and result.rows
    with runtime.sessions() as session:
        assert session.get(QueryLogEntry, result.query_id) is not None
    with pytest.raises(ProjectNotFound):
        ask(runtime_ask_context(runtime, runtime.sessions), project_id="reads-nobody", question="How many customers?",
            execute=True, max_rows=10)  # fmt: skip

