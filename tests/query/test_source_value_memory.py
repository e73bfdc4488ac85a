"""Source values a project's asks read (category lists, probed names) serve its next asks for a while, under the same
model in force; a new model, the end of that while, or a failed read starts afresh."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.query.values import SourceValueMemory, category_value_lookup, value_probe
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import open_source_engine


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Engine, SemanticModel, list[str]]:
    path = tmp_path / "orders.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT, city TEXT)")
        rows = [(i, ("paid", "cancelled")[i % 2], f"Town {i:03d}") for i in range(1, 201)]
        db.executemany("INSERT INTO orders VALUES (?, ?, ?)", rows)
    engine = open_source_engine(DataSourceSpec(dialect=Dialect.sqlite, path=str(path)))
    model = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect="sqlite")))
    return engine, model, []


def _ask(engine: Engine, model: SemanticModel, memory: SourceValueMemory, reads: list[str]) -> tuple[object, str]:
    """What one ask's planner reads (each read of the source noted in ``reads``): the status categories and whether a
    city is stored."""
    read = memory.of("shop", model)

    def source() -> Engine:
        reads.append("read")
        return engine

    entity = model.entity("main.orders") or model.entities[0]
    status = next(c for c in entity.columns if c.name == "status")
    city = next(c for c in entity.columns if c.name == "city")
    values = category_value_lookup(source, dialect=Dialect.sqlite, model=model, read=read)
    probe = value_probe(source, dialect=Dialect.sqlite, model=model, read=read)
    return sorted(values(entity, status) or []), probe(entity, city, "Town 007")


def test_the_next_ask_reads_nothing_of_the_source_for_what_an_earlier_one_read(
    shop: tuple[Engine, SemanticModel, list[str]],
) -> None:
    engine, model, reads = shop
    memory = SourceValueMemory(ttl_s=60)
    first = _ask(engine, model, memory, reads)
    assert first == (["cancelled", "paid"], "only") and reads
    reads.clear()
    assert _ask(engine, model, memory, reads) == first and reads == []


def test_a_new_model_or_the_end_of_the_while_reads_again(shop: tuple[Engine, SemanticModel, list[str]]) -> None:
    engine, model, reads = shop
    memory = SourceValueMemory(ttl_s=0.2)
    _ask(engine, model, memory, reads)
    reads.clear()
    _ask(engine, model.model_copy(), memory, reads)  # a new schema version or layer: another model in force
    assert reads
    reads.clear()
    time.sleep(0.3)
    _ask(engine, model, memory, reads)
    assert reads


def test_a_failed_probe_is_not_remembered(shop: tuple[Engine, SemanticModel, list[str]]) -> None:
    engine, model, _ = shop
    memory = SourceValueMemory(ttl_s=60)
    read = memory.of("shop", model)
    entity = model.entity("main.orders") or model.entities[0]
    city = next(c for c in entity.columns if c.name == "city")

    def broken() -> Engine:
        raise ConnectionError("the source went away")

    with pytest.raises(ConnectionError):
        value_probe(broken, dialect=Dialect.sqlite, model=model, read=read)(entity, city, "Town 007")
    assert read.probes == {}
    assert (
        value_probe(lambda: engine, dialect=Dialect.sqlite, model=model, read=read)(entity, city, "Town 007") == "only"
    )
