"""The public schemas as registered tenants of a fresh platform, one per schema and dialect, catalogs materialized.

Sources: each schema's SQLite build and, when the machine's servers answer, its copies on PostgreSQL and MariaDB
(`BENCH_DIALECTS=sqlite,postgresql,mariadb` chooses; `BENCH_SCHEMAS=chinook,tpch` narrows the schemas).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import httpx
from dagster import DagsterInstance, materialize

from bench.harness import RESULTS
from hugdata.evaluation.public_schemas import PUBLIC_SCHEMAS, public_database
from hugdata.evaluation.servers import server_copy, server_reachable
from hugdata.platform.definitions import defs
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect

CATALOG = ("database_schema", "semantic_model", "schema_vector_index")
BUILDS = RESULTS.parent / ".hugdata" / "evaluation"


@dataclass(frozen=True)
class PublicTenant:
    project_id: str
    schema: str
    dialect: Dialect
    sqlite_path: Path
    source: DataSourceSpec


def chosen_schemas(among: tuple[str, ...] = PUBLIC_SCHEMAS) -> list[str]:
    wanted = [s for s in os.environ.get("BENCH_SCHEMAS", ",".join(among)).split(",") if s]
    return [s for s in among if s in wanted]


def chosen_dialects() -> list[Dialect]:
    wanted = os.environ.get("BENCH_DIALECTS", "sqlite,postgresql,mariadb").split(",")
    dialects = [Dialect(d) for d in wanted if d]
    available = [d for d in dialects if d is Dialect.sqlite or server_reachable(d)]
    skipped = sorted(set(dialects) - set(available))
    if skipped:
        print(f"not reachable, left out: {[d.value for d in skipped]}")
    return available


def source_for(schema: str, dialect: Dialect) -> tuple[Path, DataSourceSpec]:
    """The SQLite build of ``schema`` and the data source of its ``dialect`` copy."""
    path = public_database(schema, BUILDS)
    if dialect is Dialect.sqlite:
        return path, DataSourceSpec(dialect=Dialect.sqlite, path=str(path))
    return path, server_copy(schema, path, dialect)


def register_public_tenants(
    http: httpx.Client, instance: DagsterInstance, *, among: tuple[str, ...] = PUBLIC_SCHEMAS
) -> list[PublicTenant]:
    """Register and catalog every chosen schema (of ``among``) on every chosen dialect through the API and Dagster."""
    tenants = []
    for dialect in chosen_dialects():
        for schema in chosen_schemas(among):
            path, source = source_for(schema, dialect)
            project_id = f"eval-{schema}-{dialect.value}"
            body = {
                "id": project_id,
                "name": f"{schema} ({dialect.value})",
                "data_source": {
                    k: v for k, v in dataclasses.asdict(source).items() if v is not None and k != "options"
                },
            }
            response = http.post("/v1/projects", json=body)
            assert response.status_code == 201, response.text
            assets = [defs.get_assets_def(k) for k in CATALOG]
            result = materialize(assets, partition_key=project_id, instance=instance, resources=defs.resources)  # type: ignore[arg-type]
            assert result.success, f"catalog of {project_id} failed"
            tenants.append(PublicTenant(project_id, schema, dialect, path, source))
    return tenants
