"""Alembic environment: migrates the `hugdata` database the settings point at."""

from __future__ import annotations

import hugdata.catalog.models  # noqa: F401  (registers the catalog tables on Base.metadata)
import hugdata.dashboard.sessions  # noqa: F401
import hugdata.events.store  # noqa: F401
import hugdata.query.log  # noqa: F401
import hugdata.query.quality_models  # noqa: F401
import hugdata.semantic_layer.store  # noqa: F401
import hugdata.tenants.asset_states  # noqa: F401
import hugdata.tenants.audit  # noqa: F401
import hugdata.tenants.run_cancellations  # noqa: F401
import hugdata.tenants.run_failures  # noqa: F401
import hugdata.tenants.run_steps  # noqa: F401
import hugdata.webhooks.outbox  # noqa: F401
from alembic import context
from hugdata.config import get_settings
from hugdata.db import make_engine, resolve_platform_databases
from hugdata.tenants.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.attributes.get("hugdata_url") or resolve_platform_databases(get_settings()).hugdata_url
    engine = make_engine(url, pool_size=1)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
