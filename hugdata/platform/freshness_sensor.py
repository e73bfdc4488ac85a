"""The catalog freshness sensor: `catalog.stale` once when a project's catalog goes stale (a missed nightly sync),
`catalog.fresh` once when it recovers, both through the signed webhook outbox."""

from datetime import UTC, datetime

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor
from sqlalchemy import delete

from hugdata.config import get_settings
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.freshness import CatalogStaleness, newly_stale, recovered
from hugdata.webhooks.outbox import enqueue

PER_TICK = 1000  # projects changing state per tick; a backlog drains over the next ticks


@sensor(minimum_interval_seconds=300, default_status=DefaultSensorStatus.RUNNING)
def catalog_freshness_sensor(context: SensorEvaluationContext, platform_db: PlatformDatabaseResource) -> SkipReason:
    """Tell each project once that its catalog went stale, and once that it is fresh again."""
    now, max_age = datetime.now(UTC), get_settings().catalog_max_age
    with platform_db.session() as session:
        stale = newly_stale(session, now=now, max_age=max_age, limit=PER_TICK)
        for project_id, since in stale:
            session.add(CatalogStaleness(project_id=project_id, stale_since=since))
            event_id = f"catalog.stale:{project_id}:{since.isoformat()}"
            payload = {
                "event_id": event_id,
                "project_id": project_id,
                "event": "catalog.stale",
                "status": "stale",
                "stale_since": since.isoformat(),
                "max_age_seconds": max_age.total_seconds(),
            }
            enqueue(session, event_id=event_id, project_id=project_id, payload=payload)
        fresh = recovered(session, now=now, max_age=max_age, limit=PER_TICK)
        for row in fresh:
            event_id = f"catalog.fresh:{row.project_id}:{row.stale_since.isoformat()}"
            payload = {
                "event_id": event_id,
                "project_id": row.project_id,
                "event": "catalog.fresh",
                "status": "fresh",
                "stale_since": row.stale_since.isoformat(),
                "fresh_at": now.isoformat(),
            }
            enqueue(session, event_id=event_id, project_id=row.project_id, payload=payload)
        session.execute(delete(CatalogStaleness).where(CatalogStaleness.project_id.in_([r.project_id for r in fresh])))
        session.commit()
    return SkipReason(f"{len(stale)} catalogs went stale, {len(fresh)} are fresh again")
