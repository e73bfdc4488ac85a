"""An answer's lineage is parsed after the answer goes out; when the process dies before that, nothing is lost: the
project's next analytics refresh parses every logged answer that has no lineage yet."""

from __future__ import annotations

from pathlib import Path

from dagster import materialize
from sqlalchemy import select

from hugdata.api.runtime import ApiRuntime
from hugdata.catalog.embedder_factory import embedder_for
from hugdata.config import Settings
from hugdata.lineage.store import LineageSource, query_source_key
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.query.ask import ask, record_deferred_lineage
from hugdata.query.context import ask_context
from tests.helpers import catalogued_shop


def _lineage_of(runtime: ApiRuntime, query_id: int) -> list[str]:
    with runtime.sessions() as session:
        return list(session.scalars(select(LineageSource.source_key).where(
            LineageSource.source_key == query_source_key(query_id)
        )))  # fmt: skip


def test_an_answer_whose_lineage_was_never_written_gets_it_at_the_next_analytics_refresh(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "late-a")
    context = ask_context(
        settings, sessions=clean_platform.sessions, vault=clean_platform.vault, embedder=embedder_for(settings)
    )
    question = "How many orders are there?"
    lost = ask(context, project_id="late-a", question=question, execute=True, max_rows=10, lineage_later=True)
    kept = ask(context, project_id="late-a", question=question, execute=True, max_rows=10, lineage_later=True)
    assert lost.pending_lineage is not None and kept.pending_lineage is not None and lost.query_id is not None
    assert _lineage_of(clean_platform, lost.query_id) == []  # answered and logged; its lineage not written yet
    record_deferred_lineage(clean_platform.sessions, kept.pending_lineage)
    assert kept.query_id is not None and _lineage_of(clean_platform, kept.query_id) != []
    # The process died before writing the first one's: the next refresh of the project's analytics parses it.
    instance = open_instance(settings.resolved_dagster_home)
    try:
        index = defs.get_assets_def("query_history_index")
        assert materialize([index], partition_key="late-a", instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
    finally:
        instance.dispose()
    assert _lineage_of(clean_platform, lost.query_id) == [query_source_key(lost.query_id)]
