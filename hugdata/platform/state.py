"""Each asset records its latest state per project in the platform's own table, as it materializes."""

from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.asset_states import record_materialized


def record_state(
    platform_db: PlatformDatabaseResource, *, project_id: str, asset: str, run_id: str, summary: dict[str, object]
) -> None:
    """Mark ``asset`` materialized for ``project_id`` by ``run_id`` with its metadata summary."""
    # The platform's own asset-state table answers GET /assets without asking Dagster about every partition.
    with platform_db.session() as session:
        record_materialized(session, project_id=project_id, asset=asset, run_id=run_id, summary=summary)
        session.commit()
