"""The release as a platform engineer would install it, checked as a whole without a cluster: the documented
production values (deploy/production-values.yaml) rendered by Helm, every object valid for Kubernetes, every Secret
and key a pod or a run Job reads present in that pod's namespace, tokens only where the Kubernetes API is called,
every pod isolated both ways by NetworkPolicies with only what it needs allowed, and no field the HPA owns."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from hugdata.config import get_settings
from hugdata.tenants.models import Tier
from tests.k8s.fake_apiserver import ClusterState, install_dry_run
from tests.k8s.release import (
    Endpoint,
    PodTemplate,
    built_run_job,
    isolated_both_ways,
    missing_secret_references,
    pod_templates,
    reachable,
)
from tests.k8s.test_chart import CHART, DEV_CLUSTER_VALUES, KUBERNETES_VERSIONS, PRODUCTION_VALUES, render

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED = yaml.safe_load((ROOT / "deploy" / "production-values.yaml").read_text())
IMAGE = {"image": {"repository": "registry.example.com/hugdata/platform", "tag": "1.4.0"}}
PRODUCTION = {**DOCUMENTED, **IMAGE, "imagePullSecrets": [{"name": "registry-login"}]}
# What docs/deploy.md has the operator create before `helm install` with those values.
EXISTING = {
    ("hugdata", "hugdata-postgres"): {"postgresql-password"},
    ("hugdata", "hugdata-platform"): {"admin-token", "encryption-keys", "webhook-secret", "metrics-token"},
    ("hugdata-runs", "hugdata-run"): {"postgresql-password", "encryption-keys"},
}
PER_TENANT = {"runs": {"namespace": "hugdata-runs", "createNamespace": True,
                       "namespacePerTenant": {"enabled": True, "createNamespaces": True,
                                              "namespaces": ["hugdata-t-acme-42"]}}}  # fmt: skip
LAYOUTS = {
    "documented production": (PRODUCTION, False),
    "chart-kept secrets, runs apart": (PRODUCTION_VALUES, True),
    "development cluster": (DEV_CLUSTER_VALUES, True),
    "per-tenant namespaces": (PER_TENANT, True),
}


def _release(layout: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict[str, Any]], PodTemplate]:
    """The rendered objects of a layout and the run Job dagster-k8s builds for a project in it."""
    values, secrets = LAYOUTS[layout]
    if layout == "per-tenant namespaces":
        monkeypatch.setenv("HUGDATA_RUN_NAMESPACE_PREFIX", "hugdata-t-")
        get_settings.cache_clear()
    try:
        objects = render(values, secrets=secrets)
        job = built_run_job(objects, project_id="acme-42", tier=Tier.enterprise)
    finally:
        get_settings.cache_clear()
    run = PodTemplate(
        owner=f"Job/{job['metadata']['name']}",
        namespace=job["metadata"]["namespace"],
        labels=job["spec"]["template"]["metadata"]["labels"],
        spec=job["spec"]["template"]["spec"],
    )
    return objects, run


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_secret_and_key_a_pod_or_run_job_reads_exists_in_its_namespace(
    layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    objects, run = _release(layout, monkeypatch)
    existing = EXISTING if layout == "documented production" else {}
    assert missing_secret_references([*pod_templates(objects), run], objects, existing) == []
    if layout == "per-tenant namespaces":
        assert run.namespace == "hugdata-t-acme-42"
    # Run pods read only what runs use.
    names = {e["name"] for c in run.spec["containers"] for e in c["env"] if "valueFrom" in e}
    assert "HUGDATA_ADMIN_TOKEN" not in names and "HUGDATA_WEBHOOK_SECRET" not in names
    assert {"HUGDATA_DB_PASSWORD", "DAGSTER_PG_PASSWORD", "HUGDATA_ENCRYPTION_KEYS"} <= names


def test_the_documented_production_install_renders_valid_objects_and_a_valid_run_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    objects, run = _release("documented production", monkeypatch)
    assert not [o for o in objects if o["kind"] == "Secret"]  # every secret is the operator's
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "run"},
           "spec": {"template": {"metadata": {"labels": run.labels}, "spec": run.spec}}}  # fmt: skip
    for version in KUBERNETES_VERSIONS:
        for obj in [*objects, job]:
            if not obj["apiVersion"].startswith("monitoring.coreos.com/"):  # CRDs: promtool checks the rules
                kubernetes_validate.validate(obj, version, strict=True)
    docs = (ROOT / "docs" / "deploy.md").read_text()
    assert "-f deploy/production-values.yaml" in docs
    for (namespace, name), keys in EXISTING.items():
        assert name in docs and namespace in docs and all(key in docs for key in keys), name


def test_rendering_without_a_cluster_refuses_to_generate_secrets_it_could_not_keep() -> None:
    with pytest.raises(helm.HelmError, match="secrets.adminToken is empty"):
        render(None, secrets=False)
    external = {"secrets": {"existingSecret": "ops"}, "postgres": {"existingSecret": "ops-pg"}}
    with pytest.raises(helm.HelmError, match="set runs.existingSecret"):
        render(external, secrets=False)
    # What it renders from given values it renders the same every time: no key rotates on a GitOps sync.
    first, second = ([o["data"] for o in render(PRODUCTION_VALUES) if o["kind"] == "Secret"] for _ in range(2))
    assert first == second and first


def test_an_autoscaled_api_leaves_its_replicas_to_the_autoscaler() -> None:
    [api] = [o for o in render({"autoscaling": {"enabled": True}}) if o["metadata"]["name"] == "hd-hugdata-api"
             and o["kind"] == "Deployment"]  # fmt: skip
    assert "replicas" not in api["spec"]
    [fixed] = [o for o in render() if o["metadata"]["name"] == "hd-hugdata-api" and o["kind"] == "Deployment"]
    assert fixed["spec"]["replicas"] == 2


def _deployment(objects: list[dict[str, Any]], component: str) -> dict[str, Any]:
    [found] = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == f"hd-hugdata-{component}"]
    return found


def test_the_daemon_is_replaced_never_doubled_and_every_workload_is_probed() -> None:
    objects = render(PRODUCTION, secrets=False)
    daemon = _deployment(objects, "daemon")
    assert daemon["spec"]["strategy"] == {"type": "Recreate"}
    [container] = daemon["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["exec"]["command"] == ["dagster-daemon", "liveness-check"]
    for component in ("api", "webserver", "code-server", "exporter", "daemon"):
        [container] = _deployment(objects, component)["spec"]["template"]["spec"]["containers"]
        assert {"startupProbe", "livenessProbe"} <= set(container), component


def test_image_pull_secrets_reach_the_hook_every_workload_and_run_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    objects, run = _release("documented production", monkeypatch)
    for pod in [*pod_templates(objects), run]:
        assert pod.spec.get("imagePullSecrets") == [{"name": "registry-login"}], pod.owner
    assert any(p.owner == "Job/hd-hugdata-migrations" for p in pod_templates(objects))


def _checksums(values: dict[str, Any]) -> dict[str, str]:
    return {
        o["metadata"]["name"]: o["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]
        for o in render(values)
        if o["kind"] == "Deployment"
    }


def test_a_rotated_secret_rolls_every_workload_and_other_changes_do_not() -> None:
    before = _checksums({})
    rotated = _checksums({"secrets": {"adminToken": "rotated-admin-token-0123456789"}})
    unrelated = _checksums({"quotas": {"askPerMinute": {"free": 5}}})
    assert set(before) == set(rotated) and all(before[n] != rotated[n] for n in before)
    assert unrelated == before


def test_only_the_daemon_and_the_webserver_hold_a_service_account_token(monkeypatch: pytest.MonkeyPatch) -> None:
    objects, run = _release("documented production", monkeypatch)
    holders = {p.owner for p in [*pod_templates(objects), run] if p.spec.get("automountServiceAccountToken", True)}
    assert holders == {"Deployment/hd-hugdata-daemon", "Deployment/hd-hugdata-webserver"}


def test_scratch_space_is_bounded_everywhere_and_a_drain_is_never_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    objects, run = _release("development cluster", monkeypatch)
    for pod in [*pod_templates(objects), run]:
        for container in pod.spec["containers"]:
            assert "ephemeral-storage" in container["resources"]["limits"], (pod.owner, container["name"])
        for volume in pod.spec.get("volumes", []):
            if "emptyDir" in volume:
                assert volume["emptyDir"].get("sizeLimit"), (pod.owner, volume["name"])
    one = render({"api": {"replicas": 1}})
    [budget] = [o for o in one if o["kind"] == "PodDisruptionBudget"]
    assert budget["spec"] == {"maxUnavailable": 1, "selector": budget["spec"]["selector"]}
    spread = _deployment(one, "api")["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in spread} == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    assert all(c["whenUnsatisfiable"] == "ScheduleAnyway" for c in spread)


# Addresses of the documented production install (deploy/production-values.yaml) and some outside it.
METADATA, KUBE_API, PLATFORM_DB = "169.254.169.254", "10.0.0.1", "10.20.0.10"
TENANT_DB, ELSEWHERE = "203.0.113.7", "198.51.100.3"
DNS = Endpoint.pod("10.96.0.10", "kube-system", {"k8s-app": "kube-dns"})


def _pods(objects: list[dict[str, Any]], run: PodTemplate) -> dict[str, Endpoint]:
    pods = {p.owner.split("/")[1].removeprefix("hd-hugdata-"): p for p in pod_templates(objects)}
    pods["run"] = run
    return {name: Endpoint.pod(f"10.244.0.{i + 10}", p.namespace, p.labels) for i, (name, p) in enumerate(pods.items())}


@pytest.mark.parametrize("layout", ["documented production", "development cluster"])
def test_every_pod_is_isolated_both_ways(layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    objects, run = _release(layout, monkeypatch)
    for pod in [*pod_templates(objects), run]:
        assert isolated_both_ways(objects, pod), pod.owner
    stray = PodTemplate("Pod/stray", "hugdata-runs", {"app": "whatever"}, {})
    if layout == "documented production":
        assert isolated_both_ways(objects, stray)  # a dedicated run namespace denies everything in it first


def test_each_pod_reaches_exactly_what_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    objects, run_template = _release("documented production", monkeypatch)
    pods = _pods(objects, run_template)
    outside = lambda ip: Endpoint(ip)  # noqa: E731

    def may(source: str, target: Endpoint, port: int, protocol: str = "TCP") -> bool:
        return reachable(objects, pods[source], target, port, protocol)

    for source in ("api", "daemon", "webserver", "code-server", "exporter", "migrations", "run"):
        assert may(source, DNS, 53, "UDP"), source
        assert may(source, outside(PLATFORM_DB), 5432), source
        assert not may(source, outside(METADATA), 80), source
    # Tenants' databases: what answers asks, probes schemas and runs materializations; nothing else.
    for source, allowed in {"api": True, "code-server": True, "run": True, "daemon": False, "webserver": False,
                            "exporter": False, "migrations": False}.items():  # fmt: skip
        assert may(source, outside(TENANT_DB), 3306) is allowed, source
    # The Kubernetes API: the daemon launches and watches Jobs, the webserver terminates them; nobody else.
    for source in ("api", "daemon", "webserver", "code-server", "exporter", "migrations", "run"):
        assert may(source, outside(KUBE_API), 443) is (source in ("daemon", "webserver")), source
    # HTTPS out (LLM, webhooks) for the API and runs only.
    assert may("api", outside(ELSEWHERE), 443) and may("run", outside(ELSEWHERE), 443)
    assert not may("code-server", outside(ELSEWHERE), 443) and not may("run", outside(ELSEWHERE), 22)
    # Inside: GraphQL only from the API, gRPC only from the webserver and the daemon; run pods reach neither.
    assert may("api", pods["webserver"], 3000) and not may("run", pods["webserver"], 3000)
    assert may("daemon", pods["code-server"], 4000) and may("webserver", pods["code-server"], 4000)
    assert not may("run", pods["code-server"], 4000) and not may("api", pods["code-server"], 4000)
    assert not may("exporter", pods["webserver"], 3000)
    # From outside the release: the API from the ingress controller, metrics from the monitoring namespace.
    ingress = Endpoint.pod("10.244.9.1", "ingress-nginx", {"app": "controller"})
    prometheus = Endpoint.pod("10.244.9.2", "monitoring", {"app": "prometheus"})
    stranger = Endpoint.pod("10.244.9.3", "default", {"app": "curious"})
    assert reachable(objects, ingress, pods["api"], 8000) and not reachable(objects, stranger, pods["api"], 8000)
    assert reachable(objects, prometheus, pods["exporter"], 9102)
    assert not reachable(objects, stranger, pods["exporter"], 9102)
    assert not reachable(objects, ingress, pods["webserver"], 3000)  # the UI is not exposed here
    assert not reachable(objects, stranger, pods["run"], 8080)


def test_production_docs_give_a_checklist_per_workload() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text()
    checklist = docs[docs.index("## Platform engineer's checklist") :]
    for workload in ("api", "webserver", "daemon", "code server", "exporter", "migrations", "run pods"):
        assert re.search(rf"\| {re.escape(workload)} \|", checklist, re.IGNORECASE), workload
    for topic in ("rotate", "autoscaling", "token"):
        assert topic in checklist.lower(), topic


# With a cluster: Helm's own client talks to a Kubernetes API stand-in (tests/k8s/fake_apiserver.py) holding
# namespaces and Secrets, so the chart's lookups and its checks before any hook run as in `helm install`.
PLATFORM_KEYS = {"admin-token": "a" * 32, "encryption-keys": "k" * 44, "webhook-secret": "w" * 32, "metrics-token": "m"}


def _cluster(**secrets: dict[str, str]) -> ClusterState:
    state = ClusterState(namespaces={"hugdata", "hugdata-runs"})
    names = {"postgres": ("hugdata", "hugdata-postgres"), "platform": ("hugdata", "hugdata-platform"),
             "run": ("hugdata-runs", "hugdata-run")}  # fmt: skip
    state.secrets = {names[kind]: values for kind, values in secrets.items()}
    return state


@pytest.mark.parametrize(
    ("state", "values", "refusal"),
    [
        (ClusterState(namespaces={"hugdata"}), {"runs": {"namespace": "hugdata-runs"}},
         "run namespace hugdata-runs does not exist"),
        (_cluster(), PRODUCTION, "Secret hugdata-platform is not in namespace hugdata"),
        (_cluster(platform=PLATFORM_KEYS), PRODUCTION, "Secret hugdata-postgres is not in namespace hugdata"),
        (_cluster(platform={"admin-token": "a"}, postgres={"postgresql-password": "p"}), PRODUCTION,
         "Secret hugdata-platform in namespace hugdata has no key encryption-keys"),
        (_cluster(platform=PLATFORM_KEYS, postgres={"postgresql-password": "p"}), PRODUCTION,
         "Secret hugdata-run is not in run namespace hugdata-runs"),
        (_cluster(platform=PLATFORM_KEYS, postgres={"postgresql-password": "p"}, run={"postgresql-password": "p"}),
         PRODUCTION, "Secret hugdata-run in run namespace hugdata-runs has no key encryption-keys"),
    ],
)  # fmt: skip
def test_with_a_cluster_a_missing_namespace_or_secret_fails_the_install_before_any_hook(
    state: ClusterState, values: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(helm.HelmError) as refused:
        install_dry_run(CHART, values, state)
    assert refusal in str(refused.value) and "validate.yaml" in str(refused.value)  # rendering, before any hook ran


def test_with_a_cluster_the_documented_install_renders_once_its_secrets_exist() -> None:
    state = _cluster(platform=PLATFORM_KEYS, postgres={"postgresql-password": "p"},
                     run={"postgresql-password": "p", "encryption-keys": "k" * 44})  # fmt: skip
    objects = install_dry_run(CHART, PRODUCTION, state)
    assert {o["kind"] for o in objects} >= {"Deployment", "NetworkPolicy"} and not [
        o for o in objects if o["kind"] == "Secret"
    ]


def _secrets(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, str]]:
    return {
        (o["metadata"]["namespace"], o["metadata"]["name"]): {
            k: base64.b64decode(v).decode() for k, v in o["data"].items()
        }
        for o in objects
        if o["kind"] == "Secret"
    }


def test_with_a_cluster_generated_secrets_are_kept_and_existing_ones_copied_for_runs() -> None:
    empty = ClusterState(namespaces={"hugdata"})
    first = _secrets(install_dry_run(CHART, {}, empty))[("hugdata", "hd-hugdata-secrets")]
    assert len(first["encryption-keys"]) >= 32 and len(first["admin-token"]) >= 32
    # An upgrade reads them back: the same keys, however often the chart is rendered.
    kept = ClusterState(namespaces={"hugdata"}, secrets={("hugdata", "hd-hugdata-secrets"): first})
    assert _secrets(install_dry_run(CHART, {}, kept))[("hugdata", "hd-hugdata-secrets")] == first
    # Existing Secrets and no runs.existingSecret: the run namespace gets the keys runs read, copied from them.
    external = {"secrets": {"existingSecret": "hugdata-platform"}, "postgres": {"existingSecret": "hugdata-postgres"},
                "runs": {"namespace": "hugdata-runs"}}  # fmt: skip
    state = _cluster(platform=PLATFORM_KEYS, postgres={"postgresql-password": "pg-secret"})
    copied = _secrets(install_dry_run(CHART, external, state))
    run_keys = {"postgresql-password": "pg-secret", "encryption-keys": PLATFORM_KEYS["encryption-keys"]}
    assert copied == {("hugdata-runs", "hd-hugdata-run"): run_keys}


def test_rotating_an_existing_secret_rolls_the_pods_at_the_next_upgrade() -> None:
    def checksums(admin_token: str) -> dict[str, str]:
        state = _cluster(platform={**PLATFORM_KEYS, "admin-token": admin_token}, postgres={"postgresql-password": "p"},
                         run={"postgresql-password": "p", "encryption-keys": "k" * 44})  # fmt: skip
        return {
            o["metadata"]["name"]: o["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]
            for o in install_dry_run(CHART, PRODUCTION, state)
            if o["kind"] == "Deployment"
        }

    before, same, rotated = checksums("a" * 32), checksums("a" * 32), checksums("b" * 32)
    assert before == same and all(before[name] != rotated[name] for name in before)
