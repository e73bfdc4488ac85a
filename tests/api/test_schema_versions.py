"""GET /v1/projects/{id}/schema/versions: every stored schema version, newest first, with what changed in it."""

import sqlite3
from pathlib import Path

from dagster import materialize
from fastapi.testclient import TestClient

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from tests.helpers import ADMIN_TOKEN, register

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_each_schema_version_is_listed_with_its_diff(
    client: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    path = build_demo_database(DEMO_TENANTS[0], tmp_path)
    register(clean_platform, "versions", DataSourceSpec(dialect=Dialect.sqlite, path=str(path)))
    register(clean_platform, "other", DataSourceSpec(dialect=Dialect.sqlite, path=str(path)))
    instance = open_instance(settings.resolved_dagster_home)
    schema = [defs.get_assets_def("database_schema")]
    try:
        assert materialize(schema, partition_key="versions", instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
        with sqlite3.connect(path) as db:
            db.execute("ALTER TABLE orders ADD COLUMN shipped_at TIMESTAMP")
            db.execute("CREATE TABLE shipments (id INTEGER PRIMARY KEY, order_id INTEGER)")
        assert materialize(schema, partition_key="versions", instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
        assert materialize(schema, partition_key="versions", instance=instance, resources=defs.resources).success  # type: ignore[arg-type]
    finally:
        instance.dispose()
    page = client.get("/v1/projects/versions/schema/versions", headers=ADMIN).json()
    assert [v["version"] for v in page["items"]] == [2, 1]  # an unchanged re-run adds no version
    newest, first = page["items"]
    assert newest["diff"]["tables_added"] == ["main.shipments"] and newest["tables"] == first["tables"] + 1
    assert any("shipped_at" in c for c in newest["diff"]["columns_added"])
    assert "main.orders" in first["diff"]["tables_added"] and page["next_before"] is None
    one = client.get("/v1/projects/versions/schema/versions?limit=1", headers=ADMIN).json()
    assert [v["version"] for v in one["items"]] == [2] and one["next_before"] == 2
    older = client.get("/v1/projects/versions/schema/versions?limit=1&before=2", headers=ADMIN).json()
    assert [v["version"] for v in older["items"]] == [1]
    # Another project, never ingested, has no versions; a bad page size is a 422 naming the parameter.
    assert client.get("/v1/projects/other/schema/versions", headers=ADMIN).json()["items"] == []
    bad = client.get("/v1/projects/versions/schema/versions?limit=0", headers=ADMIN)
    assert bad.status_code == 422 and "limit" in bad.text
