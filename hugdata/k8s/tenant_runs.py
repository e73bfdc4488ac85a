"""How a tenant's run looks on Kubernetes: container resources by tier and labels that name the project.

dagster-k8s's K8sRunLauncher reads the `dagster-k8s/config` run tag when it builds the run's Job, so everything here
travels as that tag; with any other run launcher the tag is inert.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from hugdata.tenants.models import Tier

K8S_CONFIG_TAG = "dagster-k8s/config"
NAMESPACE_TAG = "hugdata/k8s-namespace"
PROJECT_LABEL = "hugdata.io/project-id"
TIER_LABEL = "hugdata.io/tier"
BATCH_LABEL = "hugdata.io/batch"

# Sized from the measured single-run footprint (Python + Dagster + the int8 model: ~450 MB resident, one busy core
# while embedding); enterprise schemas are larger, so their runs get more room and a higher CPU ceiling.
# Every run's scratch space is bounded too: a pod past its ephemeral-storage limit is evicted alone.
_SCRATCH = {"requests": {"ephemeral-storage": "256Mi"}, "limits": {"ephemeral-storage": "2Gi"}}
TIER_RESOURCES: dict[Tier, dict[str, dict[str, str]]] = {
    tier: {part: {**sizes[part], **_SCRATCH[part]} for part in ("requests", "limits")}
    for tier, sizes in {
        Tier.free: {"requests": {"cpu": "250m", "memory": "768Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        Tier.standard: {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
        Tier.enterprise: {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "4", "memory": "4Gi"}},
    }.items()
}


def tenant_labels(tier: Tier, project_id: str | None = None, *, batch: str | None = None) -> dict[str, str]:
    """Labels for a tenant run's Job and Pod; project IDs already obey Kubernetes' label-value syntax."""
    labels = {TIER_LABEL: tier.value}
    if project_id is not None:
        labels[PROJECT_LABEL] = project_id
    if batch is not None:
        labels[BATCH_LABEL] = batch
    return labels


TierResources = Mapping[str, Mapping[str, Mapping[str, str]]]


def run_k8s_config(
    tier: Tier, project_id: str | None = None, *, batch: str | None = None, resources: TierResources | None = None
) -> dict[str, Any]:
    """The `dagster-k8s/config` value for one tenant run (or a batch of one tier's projects).

    ``resources`` overrides the built-in sizes per tier (the chart's `runs.tiers`).
    """
    labels = tenant_labels(tier, project_id, batch=batch)
    sized = (resources or {}).get(tier.value) or TIER_RESOURCES[tier]
    return {
        "container_config": {"resources": sized},
        "pod_template_spec_metadata": {"labels": labels},
        "job_metadata": {"labels": labels},
    }


def run_k8s_tags(
    tier: Tier | str, project_id: str | None = None, *, batch: str | None = None, resources: TierResources | None = None
) -> dict[str, str]:
    """The run tag that carries ``run_k8s_config``."""
    config = run_k8s_config(Tier(tier), project_id, batch=batch, resources=resources)
    return {K8S_CONFIG_TAG: json.dumps(config, sort_keys=True)}


def tenant_namespace(prefix: str, project_id: str) -> str:
    """The namespace of one tenant's runs: ``prefix`` + the project ID as a DNS label, unique per project.

    A project ID that is not already a lowercase DNS label (capitals, dots, underscores, too long) is folded to one
    and given a short hash of the original, so `Acme` and `acme` never share a namespace.
    """
    wanted = f"{prefix}{project_id}"
    if re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", wanted):
        return wanted
    folded = re.sub(r"[^a-z0-9-]+", "-", wanted.lower()).strip("-")
    digest = hashlib.sha256(project_id.encode()).hexdigest()[:8]
    return f"{folded[: 63 - 9].rstrip('-')}-{digest}"
