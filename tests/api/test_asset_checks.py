"""A failed asset check counts: /assets reports each asset's latest check results for the project, and a failed
one makes the asset's health a warning with the reason, while its status stays materialized."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from tests.helpers import ADMIN_TOKEN, catalogued, catalogued_shop

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_a_failed_check_makes_the_asset_a_warning_with_the_reason(
    client: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "dangling.sqlite"
    with sqlite3.connect(path) as db:  # SQLite keeps a foreign key to a column its parent does not have
        db.executescript(
            "CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT);"
            "CREATE TABLE players (id INTEGER PRIMARY KEY, team_code TEXT REFERENCES teams(code), name TEXT);"
        )
    catalogued(clean_platform, settings.resolved_dagster_home, "checked", DataSourceSpec(dialect=Dialect.sqlite,
                                                                                          path=str(path)))  # fmt: skip
    assets = {a["asset"]: a for a in client.get("/v1/projects/checked/assets", headers=ADMIN).json()}
    model = assets["semantic_model"]
    assert model["status"] == "materialized" and model["health"] == "warning"
    message = "relationships point at columns that do not exist (1): main.teams.code"
    assert model["checks"] == [{"name": "relationships_point_at_existing_columns", "passed": False, "message": message}]
    assert "check relationships_point_at_existing_columns failed" in model["health_reason"]
    index = assets["schema_vector_index"]
    assert index["health"] == "ok" and [c["passed"] for c in index["checks"]] == [True, True]
    assert assets["database_schema"]["health"] == "ok" and assets["usage_analytics"]["health"] == "never"


def test_a_healthy_project_reports_its_checks_passed(
    client: TestClient, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> None:
    catalogued_shop(clean_platform, settings.resolved_dagster_home, tmp_path, "healthy")
    assets = {a["asset"]: a for a in client.get("/v1/projects/healthy/assets", headers=ADMIN).json()}
    assert assets["semantic_model"]["health"] == "ok" and assets["semantic_model"]["checks"][0]["passed"]
