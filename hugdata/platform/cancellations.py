"""Honouring cancel requests for runs that were STARTING when asked: Dagster can terminate a run only once its
worker exists, so the API records the request and this sensor terminates the run as soon as it can."""

from __future__ import annotations

from dagster import DagsterRunStatus, DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor

from hugdata.observability.run_logs import log_tick
from hugdata.platform.resources import PlatformDatabaseResource
from hugdata.tenants.run_cancellations import forget_cancellations, pending_cancellations

_WAITING = frozenset({DagsterRunStatus.STARTING, DagsterRunStatus.NOT_STARTED})


@sensor(minimum_interval_seconds=2, default_status=DefaultSensorStatus.RUNNING)
def run_cancellation_sensor(context: SensorEvaluationContext, platform_db: PlatformDatabaseResource) -> SkipReason:
    """Cancel every requested run that can be cancelled now; forget requests whose runs are done or cancelled."""
    with platform_db.session() as session:
        run_ids = pending_cancellations(session)
        settled = []
        for run_id in run_ids:
            run = context.instance.get_run_by_id(run_id)
            if run is None or run.is_finished or run.status == DagsterRunStatus.CANCELING:
                settled.append(run_id)
            elif run.status not in _WAITING and context.instance.run_coordinator.cancel_run(run_id):
                log_tick(context, f"cancelled run {run_id}, requested while it was starting")
                settled.append(run_id)
        forget_cancellations(session, settled)
        session.commit()
    return SkipReason(f"{len(run_ids)} requested, {len(settled)} settled")
