"""The schema-change sensor: every tenant's schema probed at least once per `HUGDATA_SCHEMA_PROBE_INTERVAL_S`, in
parallel, a tick's batch sized to what that interval needs; a run only where a schema changed.

A probe is one catalog query on the tenant's database (`tenants.schema_probe`), so the cost is the number of
tenants over the interval, not their size. A tick takes the next projects after its cursor, probes them on a
bounded thread pool until its time budget is spent, and moves the cursor past the ones it finished; a source that
does not answer costs its connect timeout on one thread and is left to the nightly sync to report.
"""

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from dagster import DefaultSensorStatus, SensorEvaluationContext, SensorResult, sensor
from sqlalchemy import func, select

from hugdata.config import get_settings
from hugdata.observability.run_logs import log_tick
from hugdata.platform.automation import automation_requests
from hugdata.platform.batch_jobs import schema_sync_batch
from hugdata.platform.resources import PlatformDatabaseResource, TenantDatabaseResource
from hugdata.tenants.asset_states import swap_schema_fingerprint
from hugdata.tenants.models import Project, ProjectStatus

TICK_S = 60
TIME_BUDGET_S = 40.0  # a tick stops early rather than run past the next one; the cursor resumes where it stopped
MIN_BATCH = 50
MAX_BATCH = 5000
# A little more than the exact share per tick, so ticks that run late or stop early are caught up.
_HEADROOM = 1.25


def probe_batch_size(active_projects: int, *, interval_s: int, tick_s: int = TICK_S) -> int:
    """Projects one tick must probe so that every active project is probed once per ``interval_s``."""
    needed = math.ceil(active_projects * tick_s / interval_s * _HEADROOM)
    return max(MIN_BATCH, min(MAX_BATCH, needed))


def _finished_prefix(ids: list[str], futures: dict[str, Future[str]]) -> list[str]:
    """The projects, in order, up to the first one whose probe did not finish in time."""
    done = []
    for project_id in ids:
        if not futures[project_id].done():
            break
        done.append(project_id)
    return done


@sensor(job=schema_sync_batch, minimum_interval_seconds=TICK_S, default_status=DefaultSensorStatus.RUNNING)
def schema_change_sensor(
    context: SensorEvaluationContext, platform_db: PlatformDatabaseResource, tenant_db: TenantDatabaseResource
) -> SensorResult:
    """Probe the next batch of projects' schemas in parallel; request a schema_sync only where one changed."""
    settings = get_settings()
    started = time.monotonic()
    after = context.cursor or ""
    with platform_db.session() as session:
        active = session.scalar(select(func.count()).where(Project.status == ProjectStatus.active)) or 0
        size = probe_batch_size(active, interval_s=settings.schema_probe_interval_s)
        batch = session.execute(
            select(Project.id, Project.tier)
            .where(Project.status == ProjectStatus.active, Project.id > after)
            .order_by(Project.id)
            .limit(size)
        ).all()
    if not batch:
        return SensorResult(run_requests=[], cursor="")  # end of the list: start over next tick
    tiers = {project_id: str(tier) for project_id, tier in batch}
    ids = list(tiers)
    pool = ThreadPoolExecutor(max_workers=settings.schema_probe_workers, thread_name_prefix="schema-probe")
    futures = {project_id: pool.submit(tenant_db.schema_fingerprint, project_id) for project_id in ids}
    # Past the budget, whatever has not started is dropped; probes in flight end on their own timeouts.
    wait(futures.values(), timeout=max(0.0, TIME_BUDGET_S - (time.monotonic() - started)))
    finished = _finished_prefix(ids, futures)
    pool.shutdown(wait=False, cancel_futures=True)
    changed, failed = [], 0
    with platform_db.session() as session:
        for project_id in finished:
            error = futures[project_id].exception()
            if error is not None:  # an unreachable source is the sync's business, not the probe's
                failed += 1
                continue
            fingerprint = futures[project_id].result()
            previous = swap_schema_fingerprint(session, project_id=project_id, fingerprint=fingerprint)
            if previous is not None and previous != fingerprint:
                changed.append((project_id, tiers[project_id]))
        session.commit()
    # A change is seen once (the fingerprint is swapped above), so the tick's own time makes the key unique.
    requests = automation_requests("schema-change", f"schema-change:{time.time_ns()}", changed)
    elapsed = time.monotonic() - started
    log_tick(
        context,
        f"schema probes: {len(finished)} of {len(ids)} in {elapsed:.1f}s ({len(finished) / max(elapsed, 1e-3):.1f}/s), "
        f"{failed} unreachable, {len(changed)} changed in {len(requests)} runs",
    )
    return SensorResult(run_requests=requests, cursor=finished[-1] if finished else after)
