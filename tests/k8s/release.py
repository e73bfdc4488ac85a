"""A rendered release as a whole, for cross-object checks without a cluster: its pod templates (run Jobs built by
dagster-k8s's own launcher code from the chart's instance config included), the Secrets and keys they read, and what
its NetworkPolicies let each pod reach."""

from __future__ import annotations

import ipaddress
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from dagster import DagsterInstance
from dagster._core.code_pointer import CodePointer
from dagster._core.launcher import LaunchRunContext
from dagster._core.origin import JobPythonOrigin, RepositoryPythonOrigin
from kubernetes import client as k8s

from hugdata.platform.definitions import defs
from hugdata.platform.instance import PARTITION_TAG, project_tags
from hugdata.platform.k8s_launcher import TenantNamespaceK8sRunLauncher
from hugdata.tenants.models import Tier

RELEASE_NAMESPACE = "hugdata"
_KUBECONFIG = """
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""


@dataclass(frozen=True)
class PodTemplate:
    """A pod the release (or its launcher) would create: where it runs and what its spec says."""

    owner: str  # kind/name of what creates it
    namespace: str
    labels: dict[str, str]
    spec: dict[str, Any]


def pod_templates(objects: list[dict[str, Any]]) -> Iterator[PodTemplate]:
    """The pod templates of every Deployment, StatefulSet and Job the release renders."""
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            template = obj["spec"]["template"]
            yield PodTemplate(
                owner=f"{obj['kind']}/{obj['metadata']['name']}",
                namespace=obj["metadata"].get("namespace", RELEASE_NAMESPACE),
                labels=template["metadata"].get("labels", {}),
                spec=template["spec"],
            )


def instance_launcher_config(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The run launcher's config in the dagster.yaml of the ordinary instance ConfigMap."""
    [config_map] = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].endswith("-instance")
                    and "migrations" not in o["metadata"]["name"]]  # fmt: skip
    config: dict[str, Any] = yaml.safe_load(config_map["data"]["dagster.yaml"])["run_launcher"]["config"]
    return config


def built_run_job(objects: list[dict[str, Any]], *, project_id: str = "acme-42", tier: Tier = Tier.standard) -> dict:
    """The Job dagster-k8s's launcher (the chart's TenantNamespaceK8sRunLauncher, configured from the rendered
    instance ConfigMap) builds for a tenant run, caught where it would be sent to the cluster."""
    with tempfile.TemporaryDirectory() as folder:
        kubeconfig = Path(folder) / "kubeconfig"
        kubeconfig.write_text(_KUBECONFIG)
        config = {**instance_launcher_config(objects), "load_incluster_config": False,
                  "kubeconfig_file": str(kubeconfig)}  # fmt: skip
        launcher = TenantNamespaceK8sRunLauncher(**config)
        created: list[tuple[str, k8s.V1Job]] = []
        launcher._api_client.create_namespaced_job_with_retries = (  # type: ignore[method-assign]
            lambda body, namespace: created.append((namespace, body))
        )
        with DagsterInstance.local_temp(folder) as instance:
            launcher.register_instance(instance)
            origin = JobPythonOrigin(
                "schema_sync",
                RepositoryPythonOrigin(
                    executable_path=sys.executable,
                    code_pointer=CodePointer.from_module("hugdata.platform.definitions", "defs", None),
                ),
            )
            run = instance.create_run_for_job(
                job_def=defs.resolve_job_def("schema_sync"),
                tags={PARTITION_TAG: project_id, **project_tags(project_id, tier.value)},
                job_code_origin=origin,
            )
            launcher.launch_run(LaunchRunContext(dagster_run=run, workspace=None))
    [(namespace, job)] = created
    found: dict[str, Any] = k8s.ApiClient().sanitize_for_serialization(job)
    found["metadata"]["namespace"] = namespace
    return found


def secret_references(pod: PodTemplate) -> set[tuple[str, str | None, bool]]:
    """(Secret, key or None for the whole Secret, optional) for everything the pod reads from a Secret."""
    found: set[tuple[str, str | None, bool]] = set()
    for container in pod.spec.get("containers", []) + pod.spec.get("initContainers", []):
        for env in container.get("env", []):
            ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                found.add((ref["name"], ref["key"], bool(ref.get("optional"))))
        for source in container.get("envFrom", []):
            if "secretRef" in source:
                found.add((source["secretRef"]["name"], None, bool(source["secretRef"].get("optional"))))
    for volume in pod.spec.get("volumes", []):
        if "secret" in volume:
            found.add((volume["secret"]["secretName"], None, bool(volume["secret"].get("optional"))))
    return found


def missing_secret_references(
    pods: list[PodTemplate], objects: list[dict[str, Any]], existing: dict[tuple[str, str], set[str]]
) -> list[str]:
    """Every non-optional reference of ``pods`` to a Secret or key that is neither rendered in the pod's namespace
    nor among ``existing`` ((namespace, name) -> keys: what the operator creates before installing)."""
    available = {k: set(v) for k, v in existing.items()}
    for obj in objects:
        if obj["kind"] == "Secret":
            key = (obj["metadata"].get("namespace", RELEASE_NAMESPACE), obj["metadata"]["name"])
            available.setdefault(key, set()).update(obj.get("data", {}))
    missing = []
    for pod in pods:
        for name, key, optional in secret_references(pod):
            keys = available.get((pod.namespace, name))
            if optional:
                continue
            if keys is None or (key is not None and key not in keys):
                missing.append(f"{pod.owner} in {pod.namespace} reads {name}/{key}")
    return missing


# What a NetworkPolicy would let through, evaluated as the Kubernetes API documents it: a pod selected by any policy
# of a direction is isolated in it, and then allowed only what one of those policies' rules admits.


@dataclass(frozen=True)
class Endpoint:
    """A pod (namespace and labels) or an address outside the cluster's pods; both have an IP."""

    ip: str
    namespace: str | None = None
    labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def pod(cls, ip: str, namespace: str, labels: dict[str, str]) -> Endpoint:
        return cls(ip, namespace, tuple(sorted(labels.items())))

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return True
    unsupported = set(selector) - {"matchLabels"}
    assert not unsupported, f"the evaluator reads matchLabels only, not {unsupported}"
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def _peer_matches(peer: dict[str, Any], policy_namespace: str, other: Endpoint) -> bool:
    if "ipBlock" in peer:
        address = ipaddress.ip_address(other.ip)
        block = peer["ipBlock"]
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(e) for e in block.get("except", [])
        )
    if other.namespace is None:
        return False  # selectors only ever match pods
    if "namespaceSelector" in peer:
        if not _selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": other.namespace}):
            return False
    elif other.namespace != policy_namespace:
        return False
    return _selects(peer.get("podSelector"), other.label_map)


def _port_matches(ports: list[dict[str, Any]] | None, port: int, protocol: str) -> bool:
    return not ports or any(p.get("port") == port and p.get("protocol", "TCP") == protocol for p in ports)


def _direction_allows(
    policies: list[dict[str, Any]], pod: Endpoint, other: Endpoint, port: int, protocol: str, direction: str
) -> bool:
    rules_key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    selecting = [
        p for p in policies
        if p["metadata"].get("namespace", RELEASE_NAMESPACE) == pod.namespace
        and _selects(p["spec"]["podSelector"] or None, pod.label_map)
        and direction in p["spec"].get("policyTypes", ["Ingress"])
    ]  # fmt: skip
    if not selecting:
        return True
    for policy in selecting:
        namespace = policy["metadata"].get("namespace", RELEASE_NAMESPACE)
        for rule in policy["spec"].get(rules_key) or []:
            peers = rule.get(peers_key)
            if _port_matches(rule.get("ports"), port, protocol) and (
                not peers or any(_peer_matches(peer, namespace, other) for peer in peers)
            ):
                return True
    return False


def reachable(
    objects: list[dict[str, Any]], source: Endpoint, target: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    """Whether the release's NetworkPolicies let ``source`` open ``port`` on ``target``."""
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    if not _direction_allows(policies, source, target, port, protocol, "Egress"):
        return False
    return target.namespace is None or _direction_allows(policies, target, source, port, protocol, "Ingress")


def isolated_both_ways(objects: list[dict[str, Any]], pod: PodTemplate) -> bool:
    """Whether some policy selects the pod for both Ingress and Egress (a default deny in each direction)."""
    types: set[str] = set()
    for policy in (o for o in objects if o["kind"] == "NetworkPolicy"):
        if policy["metadata"].get("namespace", RELEASE_NAMESPACE) == pod.namespace and _selects(
            policy["spec"]["podSelector"] or None, pod.labels
        ):
            types |= set(policy["spec"].get("policyTypes", ["Ingress"]))
    return types >= {"Ingress", "Egress"}
