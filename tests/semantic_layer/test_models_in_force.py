"""The model in force is remembered per project while what makes it stays the same: an ask then reads the project and
the version numbers in one statement (sent with its searches), a layer write or a new schema version is seen at once,
and a new tenant that takes a departed tenant's ID never gets the departed one's model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import event

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.query.ask_reads import read_project_source
from hugdata.semantic_layer.document import SemanticLayerDocument
from hugdata.semantic_layer.in_force import ModelsInForce
from hugdata.semantic_layer.store import current_layer, write_layer
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from tests.conftest import truncate_platform
from tests.helpers import catalogued


@contextmanager
def _statements(runtime: ApiRuntime) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)


def _tables(memory: ModelsInForce, runtime: ApiRuntime, project_id: str) -> set[str]:
    with runtime.sessions() as session:
        source = read_project_source(session, project_id, runtime.vault)
        found = memory.model_for(source.versions, lambda: nullcontext(session))
        assert found is not None and source.versions.project_id == project_id
        return {e.name for e in found[1].entities}


def _catalogued(runtime: ApiRuntime, settings: Settings, folder: Path, project_id: str, tenant: int) -> None:
    path = build_demo_database(DEMO_TENANTS[tenant], folder)
    catalogued(
        runtime, settings.resolved_dagster_home, project_id, DataSourceSpec(dialect=Dialect.sqlite, path=str(path))
    )


def test_a_remembered_model_costs_one_statement_and_a_layer_write_is_seen_at_once(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    _catalogued(clean_platform, settings, tmp_path, "mif-a", 0)
    memory = ModelsInForce()
    first = _tables(memory, clean_platform, "mif-a")
    with _statements(clean_platform) as seen:
        assert _tables(memory, clean_platform, "mif-a") == first
    # Remembered: one statement, the project with the version numbers; neither the model nor the layer is read.
    assert len(seen) == 1 and "semantic_models.model" not in seen[0]
    table = sorted(first)[0]
    with clean_platform.sessions() as session:
        document = SemanticLayerDocument.model_validate({"tables": {table: {"description": "curated words"}}})
        write_layer(session, "mif-a", document, if_match=current_layer(session, "mif-a").etag, author="test")
        session.commit()
        found = memory.model_for(read_project_source(session, "mif-a", clean_platform.vault).versions,
                                 lambda: nullcontext(session))  # fmt: skip
    assert found is not None
    assert next(e for e in found[1].entities if e.name == table).description == "curated words"


def test_a_new_tenant_with_a_departed_tenants_id_never_reads_its_model(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    memory = ModelsInForce()
    _catalogued(clean_platform, settings, tmp_path / "shop", "mif-b", 0)
    shop = _tables(memory, clean_platform, "mif-b")
    truncate_platform(clean_platform)  # the tenant leaves; a new one registers the same ID with another database
    _catalogued(clean_platform, settings, tmp_path / "billing", "mif-b", 1)
    billing = _tables(memory, clean_platform, "mif-b")
    assert billing and billing != shop


def test_the_least_recently_asked_projects_are_forgotten_first(
    clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    memory = ModelsInForce(capacity=2)
    for index, project_id in enumerate(("mif-c", "mif-d", "mif-e")):
        _catalogued(clean_platform, settings, tmp_path / project_id, project_id, index)
        _tables(memory, clean_platform, project_id)
    assert list(memory._models) == ["mif-d", "mif-e"]
