"""The demo tenants' SQLite databases and semantic models, built without the platform (for planner tests)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import ColumnSemantics, Entity, SemanticModel, build_semantic_model
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.query.values import category_value_lookup
from hugdata.tenants.models import Dialect


@dataclass(frozen=True)
class DemoCatalog:
    path: Path
    model: SemanticModel

    def rows(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.path) as db:
            return db.execute(sql).fetchall()

    def values(self) -> Callable[[Entity, ColumnSemantics], Sequence[str] | None]:
        engine = create_engine(f"sqlite:///{self.path}")
        return category_value_lookup(lambda: engine, dialect=Dialect.sqlite, model=self.model)


def build_demo_catalogs(folder: Path) -> dict[str, DemoCatalog]:
    """project ID -> its demo database and the semantic model the catalog assets would derive from it."""
    catalogs = {}
    for tenant in DEMO_TENANTS:
        path = build_demo_database(tenant, folder)
        engine = create_engine(f"sqlite:///{path}")
        snapshot = profile_source(engine, introspect_schema(engine, dialect="sqlite", include=[], exclude=[]))
        engine.dispose()
        catalogs[tenant.project_id] = DemoCatalog(path, build_semantic_model(snapshot))
    return catalogs
