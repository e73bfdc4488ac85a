"""The Dagster instance: its dagster.yaml for local runs, opening it, and migrating its storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from dagster import DagsterInstance

from hugdata.config import Settings, get_settings
from hugdata.k8s.tenant_runs import NAMESPACE_TAG, run_k8s_tags, tenant_namespace

PROJECT_TAG = "hugdata/project_id"
TIER_TAG = "hugdata/tier"
# Every tenant run carries its project as the partition tag, whoever launched it (sensor, API, backfill daemon),
# so the per-project limit keys on it; `hugdata/project_id` is added where the launcher can set tags.
PARTITION_TAG = "dagster/partition"


def project_tags(project_id: str, tier: str) -> dict[str, str]:
    """Tags every single-project run carries: filtered by project, limited per project, sized by tier on Kubernetes.
    ``tier`` may be a `Tier` (a StrEnum) or its value."""
    tier = str(tier)
    settings = get_settings()
    tags = {
        PROJECT_TAG: project_id,
        TIER_TAG: tier,
        **run_k8s_tags(tier, project_id, resources=settings.run_tier_resources),
    }
    if settings.run_namespace_prefix:
        tags[NAMESPACE_TAG] = tenant_namespace(settings.run_namespace_prefix, project_id)
    return tags


def run_queue_config(settings: Settings) -> dict[str, Any]:
    """The run coordinator: a global cap, a cap per unique project so one tenant cannot starve the others, and
    runs whose code server did not answer at launch put back in line instead of failed."""
    return {
        "module": "dagster.core.run_coordinator",
        "class": "QueuedRunCoordinator",
        "config": {
            "max_concurrent_runs": settings.runs_max_concurrent,
            "tag_concurrency_limits": [
                {"key": PARTITION_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": settings.runs_per_project}
            ],
            "max_user_code_failure_retries": settings.run_launch_retries,
            "user_code_failure_retry_delay": settings.run_launch_retry_delay_s,
            "dequeue_use_threads": True,
            "dequeue_num_workers": settings.run_dequeue_workers,
            "dequeue_interval_seconds": settings.run_dequeue_interval_s,
        },
    }


def run_retries_config(settings: Settings) -> dict[str, Any]:
    """Dagster's run retries for runs that failed outside their steps (a worker that crashed or never started);
    a step's own failure is its retry policy's business, so it is not retried twice."""
    return {
        "enabled": settings.run_retries > 0,
        "max_retries": settings.run_retries,
        "retry_on_asset_or_op_failure": False,
    }


def tick_retention_config(settings: Settings) -> dict[str, Any]:
    """Schedule and sensor ticks purged after a while (Dagster keeps them forever by default); skipped ticks, the
    bulk of a sensor's history, after a day."""
    days = settings.tick_retention_days
    purge = {"purge_after_days": {"skipped": 1, "success": days, "failure": days, "started": days}}
    return {"schedule": purge, "sensor": purge}


def instance_config(dagster_url: str, settings: Settings | None = None) -> dict[str, Any]:
    """dagster.yaml for a local instance on the platform's Postgres."""
    settings = settings or get_settings()
    return {
        "storage": {"postgres": {"postgres_url": dagster_url}},
        "run_coordinator": run_queue_config(settings),
        "run_retries": run_retries_config(settings),
        "retention": tick_retention_config(settings),
        # Runs whose worker died are marked failed instead of hanging in STARTED forever: run monitoring asks the
        # launcher about the worker, which Dagster's default launcher cannot answer and this one can.
        "run_launcher": {"module": "hugdata.platform.local_launcher", "class": "LocalProcessRunLauncher"},
        "run_monitoring": {"enabled": True, "start_timeout_seconds": 180, "poll_interval_seconds": 5},
        "telemetry": {"enabled": False},
    }


def write_instance_config(dagster_home: Path, dagster_url: str, settings: Settings | None = None) -> Path:
    """Write dagster.yaml into ``dagster_home`` (only when its content changes) and return its path."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    path = dagster_home / "dagster.yaml"
    text = "# Written by `hugdata`; edit HUGDATA_* settings instead.\n" + yaml.safe_dump(
        instance_config(dagster_url, settings), sort_keys=False
    )
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def prepare_dagster_home(settings: Settings, dagster_url: str) -> Path:
    """The Dagster home to use: locally generated for the embedded Postgres, else the configured one as is."""
    home = settings.resolved_dagster_home
    if settings.dagster_home is None:
        write_instance_config(home, dagster_url, settings)
    if not (home / "dagster.yaml").exists():
        raise RuntimeError(f"no dagster.yaml in {home}; set HUGDATA_DAGSTER_HOME to a folder that has one")
    return home


def open_instance(dagster_home: Path) -> DagsterInstance:
    """A Dagster instance from ``dagster_home/dagster.yaml``."""
    return DagsterInstance.from_config(str(dagster_home))


def migrate_instance(instance: DagsterInstance) -> None:
    """Bring Dagster's run, event and schedule storage to the installed Dagster's schema."""
    instance.upgrade(print_fn=lambda _msg: None)
