"""The Helm chart, rendered by real Helm (helm-python-sdk) and checked against Kubernetes' own API schemas."""

import json
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml
from dagster._config import process_config
from dagster_k8s import K8sRunLauncher

from hugdata.api.dagster_runs import CODE_LOCATION
from hugdata.config import Settings
from hugdata.platform.k8s_launcher import TenantNamespaceK8sRunLauncher

CHART = Path(__file__).resolve().parents[2] / "helm" / "hugdata"
KUBERNETES_VERSIONS = ["1.29.0", "1.37.0"]
# A production-like values file; its secret values are canaries that must appear in the Secret and nowhere else.
PRODUCTION_VALUES: dict[str, Any] = yaml.safe_load((CHART / "ci" / "production-values.yaml").read_text())
CANARIES: dict[str, str] = PRODUCTION_VALUES["secrets"]
# A development cluster: everything optional switched on, Postgres inside the release.
DEV_CLUSTER_VALUES: dict[str, Any] = {
    "bundledPostgres": {"enabled": True},
    "ingress": {"enabled": True, "className": "nginx", "uiHost": "dagster.hugdata.example.com", "tlsSecret": "tls"},
    "autoscaling": {"enabled": True},
    "networkPolicy": {"enabled": True},
}


# Rendering without a cluster, as these tests do, needs every secret given: the chart refuses to generate values it
# could not read back at the next render (test_release.py checks that refusal).
OFFLINE_SECRETS: dict[str, Any] = {
    "secrets": {"adminToken": "offline-admin-token-0123456789", "encryptionKeys": "offline-fernet-key",
                "webhookSecret": "offline-webhook-secret", "metricsToken": "offline-metrics-token"},
    "postgres": {"password": "offline-pg-password"},
}  # fmt: skip


def with_secrets(values: dict[str, Any] | None) -> dict[str, Any]:
    """``values`` over OFFLINE_SECRETS (what ``values`` sets wins)."""

    def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        merged = dict(base)
        for key, value in over.items():
            merged[key] = (
                merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
            )
        return merged

    return merge(OFFLINE_SECRETS, values or {})


def render(values: dict[str, Any] | None = None, *, secrets: bool = True) -> list[dict[str, Any]]:
    """The release as Helm renders it without a cluster; ``secrets`` fills in OFFLINE_SECRETS under ``values``."""
    values = with_secrets(values) if secrets else values
    manifests = helm.Chart.load(CHART).render(values, name="hd", namespace="hugdata", is_install=True)
    return [
        doc
        for path, text in manifests.items()
        if path.endswith(".yaml")  # NOTES.txt is text for the operator, not a manifest
        for doc in yaml.safe_load_all(text)
        if doc
    ]


def notes(values: dict[str, Any] | None = None) -> str:
    manifests = helm.Chart.load(CHART).render(with_secrets(values), name="hd", namespace="hugdata", is_install=True)
    return next(text for path, text in manifests.items() if path.endswith("NOTES.txt"))


def instance_config(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The dagster.yaml the platform's pods and run pods mount."""
    [config_map] = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "hd-hugdata-instance"]
    found: dict[str, Any] = yaml.safe_load(config_map["data"]["dagster.yaml"])
    return found


def containers(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    found = []
    for obj in objects:
        if obj["kind"] in ("Deployment", "Job", "StatefulSet"):
            pod = obj["spec"]["template"]["spec"]
            found += [(obj["metadata"]["name"], pod, c) for c in pod["containers"] + pod.get("initContainers", [])]
    return found


@pytest.fixture(scope="module", params=["default", "production", "dev-cluster"])
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render({"default": None, "production": PRODUCTION_VALUES, "dev-cluster": DEV_CLUSTER_VALUES}[request.param])


DOCUMENTED_PRODUCTION: dict[str, Any] = yaml.safe_load(
    (CHART.parents[1] / "deploy" / "production-values.yaml").read_text()
)


@pytest.mark.parametrize(
    ("values", "secrets"),
    [(None, True), (PRODUCTION_VALUES, True), (DOCUMENTED_PRODUCTION, False)],
    ids=["default", "production", "documented-production"],
)
def test_chart_lints_clean_in_strict_mode(values: dict[str, Any] | None, secrets: bool) -> None:
    report = helm.lint(str(CHART), with_secrets(values) if secrets else values, strict=True, kube_version="v1.29.0")
    assert report["errors"] == [] and [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_is_valid_for_kubernetes_strictly(rendered: list[dict[str, Any]], version: str) -> None:
    assert {o["kind"] for o in rendered} >= {"Deployment", "Service", "ConfigMap", "Role", "RoleBinding", "Job"}
    for obj in rendered:
        kubernetes_validate.validate(obj, version, strict=True)


def test_every_container_is_hardened_and_sized(rendered: list[dict[str, Any]]) -> None:
    found = containers(rendered)
    assert {name.removeprefix("hd-hugdata-") for name, _, _ in found} - {"postgres"} == {
        "api",
        "webserver",
        "daemon",
        "code-server",
        "migrations",
        "exporter",
    }
    for name, pod, container in found:
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"] == {"drop": ["ALL"]}, name
        assert set(container["resources"]) == {"requests", "limits"}, name
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
        # Everything a read-only container writes goes to an emptyDir.
        writable = {m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")}
        assert "/tmp" in writable, name


def test_api_is_probed_on_health_and_readiness(rendered: list[dict[str, Any]]) -> None:
    [api] = [c for name, _, c in containers(rendered) if name == "hd-hugdata-api"]
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_launcher_role_grants_exactly_what_the_run_launcher_needs_and_nothing_cluster_wide() -> None:
    objects = render(PRODUCTION_VALUES)
    assert not [o for o in objects if o["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    [role] = [o for o in objects if o["kind"] == "Role"]
    assert role["metadata"]["namespace"] == "hugdata-runs"
    # What dagster-k8s calls (checked against a real API server in test_on_cluster.py), and nothing more.
    assert role["rules"] == [
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "list", "delete"]},
        {"apiGroups": ["batch"], "resources": ["jobs/status"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "delete"]},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["list"]},
    ]
    [binding] = [o for o in objects if o["kind"] == "RoleBinding"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "hd-hugdata", "namespace": "hugdata"}]


def test_no_secret_value_is_written_outside_the_secrets_and_run_namespaces_get_only_what_runs_read() -> None:
    objects = render(PRODUCTION_VALUES)
    canaries = [*CANARIES.values(), PRODUCTION_VALUES["postgres"]["password"]]
    for obj in objects:
        if obj["kind"] != "Secret":
            assert not [c for c in canaries if c in yaml.safe_dump(obj)], obj["metadata"]["name"]
    secrets = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in objects if o["kind"] == "Secret"}
    assert set(secrets) == {("hugdata", "hd-hugdata-secrets"), ("hugdata", "hd-hugdata-migrations"),
                            ("hugdata-runs", "hd-hugdata-run")}  # fmt: skip
    platform = secrets[("hugdata", "hd-hugdata-secrets")]["data"]
    assert set(platform) == {"admin-token", "encryption-keys", "webhook-secret", "metrics-token", "llm-api-key",
                             "postgresql-password"}  # fmt: skip
    # Run pods read the database password, the encryption keys and the LLM key: no admin, webhook or metrics token.
    run = secrets[("hugdata-runs", "hd-hugdata-run")]["data"]
    assert run == {k: platform[k] for k in ("postgresql-password", "encryption-keys", "llm-api-key")}
    # The migrations hook gets a hook copy of the password alone, deleted once it has run.
    hook = secrets[("hugdata", "hd-hugdata-migrations")]
    assert hook["data"] == {"postgresql-password": platform["postgresql-password"]}
    assert hook["metadata"]["annotations"]["helm.sh/hook-delete-policy"] == (
        "before-hook-creation,hook-succeeded,hook-failed"
    )
    # The platform Secret is an ordinary object of the release: no hook, kept on uninstall only when asked.
    assert "helm.sh/hook" not in secrets[("hugdata", "hd-hugdata-secrets")]["metadata"].get("annotations", {})
    kept = [o for o in render({**PRODUCTION_VALUES, "secrets": {**CANARIES, "keepOnUninstall": True}})
            if o["kind"] == "Secret" and o["metadata"]["name"] == "hd-hugdata-secrets"]  # fmt: skip
    assert kept[0]["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}


def test_existing_secrets_are_referenced_and_none_is_created() -> None:
    existing = {"secrets": {"existingSecret": "ops-hugdata"}, "postgres": {"existingSecret": "ops-pg"},
                "runs": {"existingSecret": "ops-run"}}  # fmt: skip
    objects = render(existing, secrets=False)
    assert not [o for o in objects if o["kind"] == "Secret"]
    [(_, _, api)] = [(n, p, c) for n, p, c in containers(objects) if n == "hd-hugdata-api"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in api["env"] if "valueFrom" in e}
    assert refs["HUGDATA_ADMIN_TOKEN"] == "ops-hugdata" and refs["DAGSTER_PG_PASSWORD"] == "ops-pg"


def test_instance_config_holds_a_valid_k8s_run_launcher_and_the_per_project_limit() -> None:
    instance = instance_config(render(PRODUCTION_VALUES))
    launcher = instance["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("hugdata.platform.k8s_launcher", "TenantNamespaceK8sRunLauncher")
    assert issubclass(TenantNamespaceK8sRunLauncher, K8sRunLauncher)
    result = process_config(TenantNamespaceK8sRunLauncher.config_type(), launcher["config"])
    assert result.success, result.errors
    assert launcher["config"]["job_namespace"] == "hugdata-runs"
    assert launcher["config"]["job_image"] == "registry.example.com/hugdata/platform:1.4.0"
    # Run pods get the platform's own environment (secrets by reference), not the Secret's keys as variables.
    assert "env_secrets" not in launcher["config"] and "postgres_password_secret" not in launcher["config"]
    run_config = launcher["config"]["run_k8s_config"]
    env = {e["name"]: e for e in run_config["container_config"]["env"]}
    assert env["DAGSTER_PG_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "postgresql-password"
    assert "DAGSTER_HOME" not in env  # dagster-k8s sets it from dagster_home
    assert run_config["pod_spec_config"]["automountServiceAccountToken"] is False
    assert run_config["job_spec_config"] == {"ttlSecondsAfterFinished": 3600, "backoffLimit": 0}
    assert instance["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    coordinator = instance["run_coordinator"]["config"]
    assert coordinator["max_concurrent_runs"] == 20
    assert coordinator["tag_concurrency_limits"] == [
        {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 2}
    ]


def test_workspace_names_the_code_location_the_api_launches_runs_in() -> None:
    # The API submits every run to this location by name; under any other name Dagster rejects the launch.
    [config_map] = [o for o in render() if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "hd-hugdata-instance"]
    [location] = yaml.safe_load(config_map["data"]["workspace.yaml"])["load_from"]
    assert location["grpc_server"]["location_name"] == CODE_LOCATION
    [code_server] = [c for name, _, c in containers(render()) if name.endswith("code-server")]
    assert code_server["args"][code_server["args"].index("-m") + 1] == CODE_LOCATION


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({"api": {"replicas": "two"}}, "replicas"),
        ({"runs": {"tiers": {"platinum": {"requests": {}, "limits": {}}}}}, "platinum"),
        ({"runs": {"tiers": {"free": {"requests": {"cpu": "lots"}, "limits": {}}}}}, "cpu"),
        ({"postgres": {"port": 70000}}, "port"),
        ({"image": {"pullPolicy": "Sometimes"}}, "pullPolicy"),
        ({"replicaCount": 3}, "replicaCount"),
    ],
)
def test_values_schema_rejects_wrong_types_and_unknown_tiers(values: dict[str, Any], names: str) -> None:
    with pytest.raises(helm.HelmError) as refused:
        render(values)
    assert names in str(refused.value)


def test_run_sizes_per_tier_reach_the_platform_as_settings() -> None:
    tiers = {"enterprise": {"requests": {"cpu": "3", "memory": "6Gi"}, "limits": {"cpu": "6", "memory": "8Gi"}}}
    objects = render({"runs": {"tiers": tiers}})
    [(_, _, daemon)] = [(n, p, c) for n, p, c in containers(objects) if n == "hd-hugdata-daemon"]
    [setting] = [e["value"] for e in daemon["env"] if e["name"] == "HUGDATA_RUN_TIER_RESOURCES"]
    sized = Settings(run_tier_resources=json.loads(setting)).run_tier_resources["enterprise"]  # type: ignore[index]
    # The values given, with the chart's default scratch-space bounds kept beside them.
    assert sized["requests"] == {**tiers["enterprise"]["requests"], "ephemeral-storage": "256Mi"}
    assert sized["limits"] == {**tiers["enterprise"]["limits"], "ephemeral-storage": "2Gi"}


def test_optional_parts_appear_only_when_switched_on() -> None:
    default_kinds = {o["kind"] for o in render()}
    assert not default_kinds & {"Ingress", "HorizontalPodAutoscaler", "NetworkPolicy", "StatefulSet"}
    assert "PodDisruptionBudget" in default_kinds
    dev = render(DEV_CLUSTER_VALUES)
    kinds = [o["kind"] for o in dev]
    assert {"Ingress", "HorizontalPodAutoscaler", "StatefulSet", "NetworkPolicy"} <= set(kinds)
    [ingress] = [o for o in dev if o["kind"] == "Ingress"]
    assert [r["host"] for r in ingress["spec"]["rules"]] == ["api.hugdata.example.com", "dagster.hugdata.example.com"]
    # With the bundled Postgres every component is pointed at it, and it shares the platform's password Secret.
    assert instance_config(dev)["storage"]["postgres"]["postgres_db"]["hostname"] == "hd-hugdata-postgres"


def test_notes_tell_the_operator_how_to_reach_the_api_and_the_ui() -> None:
    local = notes()
    assert "port-forward svc/hd-hugdata-api 8000:8000" in local
    assert "port-forward svc/hd-hugdata-webserver 3000:3000" in local
    assert "get secret hd-hugdata-secrets" in local
    exposed = notes(DEV_CLUSTER_VALUES)
    assert "https://api.hugdata.example.com/healthz" in exposed and "https://dagster.hugdata.example.com/" in exposed


def test_per_tenant_namespaces_get_the_run_account_and_the_launcher_role_each() -> None:
    values = {"runs": {"namespacePerTenant": {"enabled": True, "namespaces": ["hugdata-t-acme", "hugdata-t-globex"]}}}
    objects = render(values)
    roles = sorted(o["metadata"]["namespace"] for o in objects if o["kind"] == "Role")
    assert roles == ["hugdata", "hugdata-t-acme", "hugdata-t-globex"]
    accounts = {o["metadata"].get("namespace") for o in objects if o["kind"] == "ServiceAccount"}
    assert {"hugdata-t-acme", "hugdata-t-globex"} <= accounts
    [(_, _, daemon)] = [(n, p, c) for n, p, c in containers(objects) if n == "hd-hugdata-daemon"]
    assert {"name": "HUGDATA_RUN_NAMESPACE_PREFIX", "value": "hugdata-t-"} in daemon["env"]
    for version in KUBERNETES_VERSIONS:
        for obj in objects:
            kubernetes_validate.validate(obj, version, strict=True)


def test_per_tenant_namespaces_can_be_created_with_their_podsecurity_labels_and_a_secret_copy() -> None:
    values = {
        "runs": {
            "namespace": "hugdata-runs",
            "createNamespace": True,
            "namespacePerTenant": {"enabled": True, "createNamespaces": True, "namespaces": ["hugdata-t-acme"]},
        }
    }
    objects = render(values)
    namespaces = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Namespace"}
    assert set(namespaces) == {"hugdata-runs", "hugdata-t-acme"}
    for namespace in namespaces.values():
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        assert namespace["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    runs = sorted(
        o["metadata"]["namespace"]
        for o in objects
        if o["kind"] == "Secret" and o["metadata"]["name"] == "hd-hugdata-run"
    )
    assert runs == ["hugdata-runs", "hugdata-t-acme"]
    # The hook's own inputs are hook copies, created before it (weight -10 < 0); the ones pods read are ordinary.
    released = [
        o
        for o in objects
        if o["kind"] in ("Secret", "ConfigMap") and o["metadata"].get("namespace") in (None, "hugdata")
    ]
    hooks = {o["metadata"]["name"]: o["metadata"].get("annotations", {}) for o in released}
    assert hooks["hd-hugdata-migrations"]["helm.sh/hook-weight"] == "-10"
    assert hooks["hd-hugdata-migrations-instance"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "helm.sh/hook" not in hooks["hd-hugdata-instance"] and "helm.sh/hook" not in hooks["hd-hugdata-secrets"]


def test_throughput_retries_and_retention_values_reach_dagster_and_the_platform() -> None:
    values = {
        "runs": {"dequeueWorkers": 12, "dequeueIntervalSeconds": 3, "launchRetries": 7, "launchRetryDelaySeconds": 45,
                 "retries": 3, "statusSensorLimit": 400, "maxConcurrent": 64, "automationBatchSize": 120},
        "retention": {"runDays": 21, "tickDays": 3},
        "schemaProbes": {"intervalSeconds": 1800, "workers": 16},
    }  # fmt: skip
    objects = render(values)
    instance = instance_config(objects)
    coordinator = instance["run_coordinator"]["config"]
    assert coordinator["max_concurrent_runs"] == 64 and coordinator["dequeue_num_workers"] == 12
    assert coordinator["dequeue_use_threads"] is True and coordinator["dequeue_interval_seconds"] == 3
    assert (coordinator["max_user_code_failure_retries"], coordinator["user_code_failure_retry_delay"]) == (7, 45)
    assert instance["run_retries"] == {"enabled": True, "max_retries": 3, "retry_on_asset_or_op_failure": False}
    for kind in ("schedule", "sensor"):
        assert instance["retention"][kind]["purge_after_days"] == {
            "skipped": 1,
            "success": 3,
            "failure": 3,
            "started": 3,
        }
    from dagster._config import validate_config
    from dagster._core.instance.config import dagster_instance_config_schema

    assert validate_config(dagster_instance_config_schema(), instance).success  # (env values resolve on the pod)
    off = instance_config(render({"runs": {"retries": 0}}))
    assert off["run_retries"]["enabled"] is False
    # The platform's own settings, in every container that runs its code (the code server evaluates the sensors).
    for name, _, container in containers(objects):
        if name.endswith(("-code-server", "-daemon", "-api")):
            env = {e["name"]: e.get("value") for e in container["env"]}
            settings = Settings(
                run_status_sensor_limit=env["HUGDATA_RUN_STATUS_SENSOR_LIMIT"],
                run_retention_days=env["HUGDATA_RUN_RETENTION_DAYS"],
                schema_probe_interval_s=env["HUGDATA_SCHEMA_PROBE_INTERVAL_S"],
                schema_probe_workers=env["HUGDATA_SCHEMA_PROBE_WORKERS"],
                automation_batch_size=env["HUGDATA_AUTOMATION_BATCH_SIZE"],
            )
            assert settings.automation_batch_size == 120
            assert (settings.run_status_sensor_limit, settings.run_retention_days) == (400, 21)
            assert (settings.schema_probe_interval_s, settings.schema_probe_workers) == (1800, 16)
    run_env = {
        e["name"]: e.get("value")
        for e in instance["run_launcher"]["config"]["run_k8s_config"]["container_config"]["env"]
    }
    assert run_env["HUGDATA_RUN_RETENTION_DAYS"] == "21"  # the retention job runs as a run pod


def test_quota_values_reach_the_api_as_settings() -> None:
    quotas = {"searchPerMinute": {"free": 10, "standard": 20, "enterprise": 30},
              "askPerMinute": {"free": 1, "standard": 2, "enterprise": 3},
              "llmTokensPerDay": {"free": 100, "standard": 200, "enterprise": 300}}  # fmt: skip
    [api] = [c for name, _, c in containers(render({"quotas": quotas})) if name.endswith("-api")]
    env = {e["name"]: e.get("value") for e in api["env"]}
    # pydantic-settings reads these variables as JSON, as here.
    settings = Settings(
        quota_search_per_minute=json.loads(env["HUGDATA_QUOTA_SEARCH_PER_MINUTE"]),
        quota_ask_per_minute=json.loads(env["HUGDATA_QUOTA_ASK_PER_MINUTE"]),
        quota_llm_tokens_per_day=json.loads(env["HUGDATA_QUOTA_LLM_TOKENS_PER_DAY"]),
    )
    assert settings.quota_search_per_minute == quotas["searchPerMinute"]
    assert settings.quota_ask_per_minute["standard"] == 2 and settings.quota_llm_tokens_per_day["enterprise"] == 300
    assert helm.lint(str(CHART), {"quotas": {"askPerMinute": {"free": 0}}}, strict=True)["errors"]


def test_tracing_values_reach_the_api_only_when_switched_on() -> None:
    def api_env(values: dict[str, Any] | None) -> dict[str, str | None]:
        [api] = [c for name, _, c in containers(render(values)) if name.endswith("-api")]
        return {e["name"]: e.get("value") for e in api["env"]}

    assert "HUGDATA_TRACING_ENABLED" not in api_env(None)
    env = api_env({"tracing": {"enabled": True, "endpoint": "http://otel:4318/v1/traces", "sampleRatio": 0.25}})
    settings = Settings(
        tracing_enabled=env["HUGDATA_TRACING_ENABLED"],  # type: ignore[arg-type]
        tracing_endpoint=env["HUGDATA_TRACING_ENDPOINT"],
        tracing_sample_ratio=env["HUGDATA_TRACING_SAMPLE_RATIO"],  # type: ignore[arg-type]
    )
    assert settings.tracing_enabled and settings.tracing_sample_ratio == 0.25
    assert settings.tracing_endpoint == "http://otel:4318/v1/traces"


def test_the_api_builds_dashboard_links_from_the_public_url_the_chart_gives_it() -> None:
    def public_url(values: dict[str, Any] | None) -> str | None:
        [api] = [c for name, _, c in containers(render(values)) if name.endswith("-api")]
        return {e["name"]: e.get("value") for e in api["env"]}.get("HUGDATA_PUBLIC_URL")

    assert public_url(None) is None  # no Ingress, no address: the API falls back to its own
    assert public_url(DEV_CLUSTER_VALUES) == "https://api.hugdata.example.com"  # the Ingress host, with TLS
    assert public_url({"ingress": {"enabled": True}}) == "http://api.hugdata.example.com"
    given = public_url({**DEV_CLUSTER_VALUES, "api": {"publicUrl": "https://data.example.org"}})
    assert given == "https://data.example.org" and Settings(public_url=given).resolved_public_url == given
    assert helm.lint(str(CHART), {"api": {"publicUrl": "data.example.org/x?y"}}, strict=True)["errors"]


def test_the_api_container_runs_hugdata_api_with_its_request_limits() -> None:
    [api] = [c for name, _, c in containers(render(PRODUCTION_VALUES)) if name.endswith("-api")]
    command = api.get("command", []) + api.get("args", [])
    assert command[:2] == ["hugdata", "api"] and "--no-access-log" in command
