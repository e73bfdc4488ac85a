"""Schema upgrades of both platform databases: Alembic for `hugdata`, Dagster's own for `dagster`."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from hugdata.config import Settings
from hugdata.db import PlatformDatabases, resolve_platform_databases
from hugdata.platform.instance import migrate_instance, open_instance, prepare_dagster_home

REPO_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(hugdata_url: str, migrations_dir: Path | None = None) -> Config:
    """Alembic configuration for the migrations (in the checkout, or ``migrations_dir`` in the image)."""
    root = migrations_dir or REPO_ROOT
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "alembic"))
    config.attributes["hugdata_url"] = hugdata_url
    return config


def upgrade_all(settings: Settings) -> PlatformDatabases:
    """`alembic upgrade head` on `hugdata` and Dagster's instance migration on `dagster`."""
    databases = resolve_platform_databases(settings)
    command.upgrade(alembic_config(databases.hugdata_url, settings.migrations_dir), "head")
    instance = open_instance(prepare_dagster_home(settings, databases.dagster_url))
    migrate_instance(instance)
    instance.dispose()
    return databases
