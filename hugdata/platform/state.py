"""Each asset records its latest state per project in the platform's own table, as it materializes."""

from dagster import AssetExecutionContext

from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.asset_states import record_materialized


def record_state(
    context: AssetExecutionContext, platform_db: PlatformDatabaseResource, project_id: str, summary: dict[str, object]
) -> None:
    """Mark this asset materialized for ``project_id`` with its metadata summary."""
    # The platform's own asset-state table answers GET /assets without asking Dagster about every partition.
    with platform_db.session() as session:
        record_materialized(
            session,
            project_id=project_id,
            asset=context.asset_key.to_user_string(),
            run_id=context.run.run_id,
            summary=summary,
        )
        session.commit()
