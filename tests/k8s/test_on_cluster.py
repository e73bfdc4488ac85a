"""The chart on a real control plane: installed and upgraded with real Helm into restricted namespaces, its hook, its
code server and its daemon run by the kubelet stand-in, and tenant runs launched by that daemon through
K8sRunLauncher as Jobs whose pods the stand-in runs. Each of the defects found on a real cluster has its check here.
"""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import helm_python as helm
import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter
from kubernetes import client as k8s
from pydantic import SecretStr
from sqlalchemy import func, select

from hugdata.catalog.models import SchemaDocumentRow
from hugdata.config import Settings
from hugdata.db import make_engine, make_session_factory
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.k8s.tenant_runs import PROJECT_LABEL, TIER_LABEL, TIER_RESOURCES
from hugdata.platform.instance import PROJECT_TAG, open_instance, prepare_dagster_home
from hugdata.platform.k8s_launcher import TenantNamespaceK8sRunLauncher
from hugdata.platform.partitions import DagsterPartitionStore
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect, Tier
from hugdata.tenants.registry import register_project
from hugdata.tenants.vault import CredentialVault
from tests.k8s.conftest import CHART, NAMESPACE, RELEASE, RESTRICTED, RUNS, Release

pytestmark = pytest.mark.k8s
SECRET = f"{RELEASE}-hugdata-secrets"
LAUNCHER_ACCOUNT = f"{RELEASE}-hugdata"


RUN_SECRET = f"{RELEASE}-hugdata-run"
RUN_KEYS = ("postgresql-password", "encryption-keys")


def _secret_data(release: Release, namespace: str, name: str = SECRET) -> dict[str, str]:
    secret = release.core().read_namespaced_secret(name, namespace)
    return {k: base64.b64decode(v).decode() for k, v in (secret.data or {}).items()}


def test_the_chart_installs_into_restricted_namespaces_and_its_hook_migrates(release: Release) -> None:
    core = release.core()
    assert core.read_namespace(NAMESPACE).metadata.labels["pod-security.kubernetes.io/enforce"] == "restricted"
    # The run namespace is the chart's, with its PodSecurity labels.
    runs = core.read_namespace(RUNS)
    assert runs.metadata.labels["pod-security.kubernetes.io/enforce"] == "restricted"
    # The hook found its Secret and ConfigMap at pre-install and migrated both databases.
    hooks = [p for (_, name), p in release.kubelet.pods.items() if "migrations" in name]
    assert [p.exit_codes for p in hooks] == [[0]], release.kubelet.report()
    engine = make_engine(release.postgres.url("hugdata"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() >= "0011"
    engine.dispose()
    # Run Jobs read the run Secret in their own namespace: the keys runs use, the same values as the platform's.
    platform, run = _secret_data(release, NAMESPACE), _secret_data(release, RUNS, RUN_SECRET)
    assert set(run) <= {*RUN_KEYS, "llm-api-key"} and all(run[k] == platform[k] for k in RUN_KEYS)


def test_the_launcher_may_do_exactly_what_dagster_k8s_calls(release: Release) -> None:
    authorization = k8s.AuthorizationV1Api(release.kubelet.api)
    user = f"system:serviceaccount:{NAMESPACE}:{LAUNCHER_ACCOUNT}"

    def allowed(verb: str, resource: str, group: str = "", subresource: str | None = None) -> bool:
        review = k8s.V1SubjectAccessReview(
            spec=k8s.V1SubjectAccessReviewSpec(
                user=user,
                groups=["system:serviceaccounts", f"system:serviceaccounts:{NAMESPACE}"],
                resource_attributes=k8s.V1ResourceAttributes(
                    namespace=RUNS, verb=verb, group=group, resource=resource, subresource=subresource
                ),
            )
        )
        return bool(authorization.create_subject_access_review(review).status.allowed)

    needed = [("create", "jobs", "batch", None), ("list", "jobs", "batch", None), ("delete", "jobs", "batch", None),
              ("get", "jobs", "batch", "status"), ("get", "pods", "", None), ("list", "pods", "", None),
              ("delete", "pods", "", None), ("get", "pods", "", "log"), ("list", "events", "", None)]  # fmt: skip
    assert [n for n in needed if not allowed(n[0], n[1], n[2], n[3])] == []
    for verb, resource, group in [("get", "secrets", ""), ("patch", "jobs", "batch"), ("create", "pods", ""),
                                  ("watch", "jobs", "batch"), ("get", "configmaps", "")]:  # fmt: skip
        assert not allowed(verb, resource, group), (verb, resource)
    # And nothing in the release namespace, nor cluster-wide.
    review = k8s.V1SubjectAccessReview(spec=k8s.V1SubjectAccessReviewSpec(
        user=user, resource_attributes=k8s.V1ResourceAttributes(verb="create", group="batch", resource="jobs",
                                                                namespace="default")))  # fmt: skip
    assert not authorization.create_subject_access_review(review).status.allowed


def test_an_upgrade_reruns_the_hook_and_keeps_generated_secrets(release: Release) -> None:
    before = _secret_data(release, NAMESPACE)
    hooks_before = len([n for (_, n) in release.kubelet.pods if "migrations" in n])
    values = {**release.values, "api": {"replicas": 2}}
    try:
        release.config.upgrade(helm.Chart.load(CHART), RELEASE, values, namespace=NAMESPACE, timeout=240)
    except helm.HelmError as failed:
        raise AssertionError(f"{failed}\n{release.kubelet.report()}") from None
    hooks = [p for (_, n), p in release.kubelet.pods.items() if "migrations" in n]
    assert len(hooks) == hooks_before + 1 and hooks[-1].exit_codes == [0]
    assert _secret_data(release, NAMESPACE) == before
    assert {k: v for k, v in _secret_data(release, RUNS, RUN_SECRET).items() if k in RUN_KEYS} == {
        k: before[k] for k in RUN_KEYS
    }
    deployment = k8s.AppsV1Api(release.kubelet.api).read_namespaced_deployment(f"{RELEASE}-hugdata-api", NAMESPACE)
    assert deployment.spec.replicas == 2


@dataclass
class Platform:
    """The platform's databases and Dagster instance as seen from the test, beside the pods using them."""

    settings: Settings
    instance: DagsterInstance
    sources: Path

    def register(self, project_id: str, tier: Tier, spec: DataSourceSpec) -> None:
        engine = make_engine(self.settings.database_url.get_secret_value())  # type: ignore[union-attr]
        with make_session_factory(engine)() as session:
            register_project(session, partitions=DagsterPartitionStore(self.instance), vault=self.vault,
                             project_id=project_id, name=project_id, tier=tier, data_source=spec)  # fmt: skip
        engine.dispose()

    @property
    def vault(self) -> CredentialVault:
        return CredentialVault(self.settings.fernet_keys())

    def runs(self, project_id: str) -> list:
        return list(self.instance.get_runs(RunsFilter(tags={PROJECT_TAG: project_id})))

    def wait_for_run(self, project_id: str, statuses: set[DagsterRunStatus], release: Release, timeout_s: float = 300):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            runs = self.runs(project_id)
            if runs and runs[0].status in statuses:
                return runs[0]
            time.sleep(1)
        state = [(r.run_id, r.status) for r in self.runs(project_id)]
        pytest.fail(f"no run of {project_id} reached {statuses}: {state}\n{release.kubelet.report()}")


@pytest.fixture(scope="module")
def black_hole() -> Iterator[int]:
    """A port that accepts connections and never answers: a tenant database that hangs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def platform(release: Release, black_hole: int) -> Iterator[Platform]:
    keys = _secret_data(release, NAMESPACE)
    settings = Settings(
        state_dir=release.workdir / "state",
        database_url=SecretStr(release.postgres.url("hugdata")),
        dagster_database_url=SecretStr(release.postgres.url("dagster", driver="psycopg2")),
        admin_token=SecretStr(keys["admin-token"]),
        encryption_keys=SecretStr(keys["encryption-keys"]),
    )
    instance = open_instance(prepare_dagster_home(settings, settings.dagster_database_url.get_secret_value()))  # type: ignore[union-attr]
    sources = release.workdir / "sources"  # outside /tmp, which every pod has as an emptyDir of its own
    shop = build_demo_database(DEMO_TENANTS[0], sources)
    on_cluster = Platform(settings, instance, sources)
    # Three tiers, so the onboarding sensor gives each its own run: a good source, a missing one, one that hangs.
    on_cluster.register("k8s-shop", Tier.standard, DataSourceSpec(dialect=Dialect.sqlite, path=str(shop)))
    on_cluster.register("k8s-missing", Tier.enterprise,
                        DataSourceSpec(dialect=Dialect.sqlite, path=str(sources / "not-there.sqlite")))  # fmt: skip
    hangs = DataSourceSpec(dialect=Dialect.postgresql, host="127.0.0.1", port=black_hole, database="x", username="u")
    on_cluster.register("k8s-hangs", Tier.free, hangs)
    yield on_cluster
    instance.dispose()


def _job_of(release: Release, run_id: str) -> k8s.V1Job | None:
    jobs = release.batch().list_namespaced_job(RUNS, label_selector=f"dagster/run-id={run_id}").items
    return jobs[0] if jobs else None


def test_a_tenant_run_materializes_end_to_end_as_a_job_on_the_cluster(release: Release, platform: Platform) -> None:
    run = platform.wait_for_run("k8s-shop", {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE}, release)
    assert run.status == DagsterRunStatus.SUCCESS, release.kubelet.report()
    # Run monitoring checked the Job every few seconds while it ran and found it healthy: no health failure event.
    events = platform.instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT)
    assert not [e for e in events if "health" in (e.message or "").lower() and "fail" in (e.message or "").lower()]
    # The run worker records SUCCESS before its process exits: the Job completes a moment later (longer on a loaded
    # machine, where the stand-in kubelet's pod process and the controller manager share two cores with the suite).
    deadline = time.monotonic() + 120
    while not ((job := _job_of(release, run.run_id)) and job.status.succeeded == 1):
        assert time.monotonic() < deadline, f"the Job did not complete: {job and job.status}"
        time.sleep(0.5)
    assert job.metadata.labels[PROJECT_LABEL] == "k8s-shop" and job.metadata.labels[TIER_LABEL] == "standard"
    assert job.spec.ttl_seconds_after_finished == 3600 and job.spec.backoff_limit == 0
    pod = job.spec.template.spec
    assert pod.automount_service_account_token is False and pod.service_account_name == f"{RELEASE}-hugdata-run"
    [container] = pod.containers
    assert container.resources.to_dict()["requests"] == TIER_RESOURCES[Tier.standard]["requests"]
    env = {e.name: e for e in container.env}
    assert env["HUGDATA_ENVIRONMENT"].value == "production"
    assert "$(HUGDATA_DB_PASSWORD)" in env["HUGDATA_DATABASE_URL"].value
    assert env["DAGSTER_PG_PASSWORD"].value_from.secret_key_ref.key == "postgresql-password"
    assert not container.env_from  # no variables named after Secret keys (admin-token, ...)
    assert {m.mount_path for m in container.volume_mounts} >= {"/tmp", "/opt/dagster/home", "/var/lib/hugdata"}
    # The stored Pod has no service-account token volume, and the stand-in ran it to exit 0.
    [stored] = release.core().list_namespaced_pod(RUNS, label_selector=f"dagster/run-id={run.run_id}").items
    assert not [v for v in stored.spec.volumes or [] if v.projected is not None]
    assert release.kubelet.pods[(RUNS, stored.metadata.name)].exit_codes == [0]
    engine = make_engine(release.postgres.url("hugdata"))
    with make_session_factory(engine)() as session:
        documents = session.scalar(
            select(func.count()).select_from(SchemaDocumentRow).where(SchemaDocumentRow.project_id == "k8s-shop")
        )
    engine.dispose()
    assert documents and documents > 40


def test_a_run_whose_source_fails_ends_failure_with_its_cause(release: Release, platform: Platform) -> None:
    run = platform.wait_for_run("k8s-missing", {DagsterRunStatus.FAILURE, DagsterRunStatus.SUCCESS}, release)
    assert run.status == DagsterRunStatus.FAILURE
    failures = platform.instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_FAILURE)
    messages = [f.dagster_event.event_specific_data.error.message for f in failures]  # type: ignore[union-attr]
    assert any("cannot read its sqlite database" in m and "the database does not exist" in m for m in messages)
    # The launcher's debug information of the failed run reads the Job, its pods and events without a 403.
    launcher = _launcher_as_the_chart_configures_it(release, platform.instance)
    debug = launcher.get_run_worker_debug_info(run)
    assert debug and "Forbidden" not in debug and "403" not in debug


def test_terminating_a_running_run_deletes_its_job_and_stops_its_pod(release: Release, platform: Platform) -> None:
    run = platform.wait_for_run("k8s-hangs", {DagsterRunStatus.STARTED}, release)
    deadline = time.monotonic() + 60
    while _job_of(release, run.run_id) is None or not [
        p for (ns, _), p in release.kubelet.pods.items() if ns == RUNS and p.process and p.process.poll() is None
    ]:
        assert time.monotonic() < deadline, release.kubelet.report()
        time.sleep(0.5)
    launcher = _launcher_as_the_chart_configures_it(release, platform.instance)
    assert launcher.terminate(run.run_id)
    deadline = time.monotonic() + 30
    while _job_of(release, run.run_id) is not None:
        assert time.monotonic() < deadline, "the Job was not deleted"
        time.sleep(0.5)
    pods = [p for (ns, name), p in release.kubelet.pods.items() if ns == RUNS and run.run_id[:8] in name]
    assert pods
    # Its Pod went with the Job, and the stand-in stopped the pod's process as a kubelet would.
    deadline = time.monotonic() + 30
    while not all(p.process is not None and p.process.poll() is not None for p in pods):
        assert time.monotonic() < deadline, "the run pod's process is still running"
        time.sleep(0.5)
    assert not release.core().list_namespaced_pod(RUNS, label_selector=f"dagster/run-id={run.run_id}").items
    assert platform.instance.get_run_by_id(run.run_id).status in (DagsterRunStatus.CANCELING,
                                                                   DagsterRunStatus.CANCELED)  # fmt: skip


def _launcher_as_the_chart_configures_it(release: Release, instance: DagsterInstance) -> TenantNamespaceK8sRunLauncher:
    """The launcher of the installed ConfigMap, authenticated as the chart's platform service account."""
    config_map = release.core().read_namespaced_config_map(f"{RELEASE}-hugdata-instance", NAMESPACE)
    config = yaml.safe_load(config_map.data["dagster.yaml"])["run_launcher"]["config"]
    kubeconfig = release.service_account_kubeconfig(LAUNCHER_ACCOUNT)
    launcher = TenantNamespaceK8sRunLauncher(
        **{**config, "load_incluster_config": False, "kubeconfig_file": str(kubeconfig)}
    )
    launcher.register_instance(instance)
    return launcher


def test_with_existing_secrets_the_hook_still_finds_its_config_and_runs_get_their_keys(release: Release) -> None:
    core = release.core()
    namespace, runs = "hugdata-ext", "hugdata-ext-runs"
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=namespace, labels=RESTRICTED)))
    fernet = _secret_data(release, NAMESPACE)["encryption-keys"]
    keys = {"admin-token": "ext-admin-" + "a" * 30, "encryption-keys": fernet, "webhook-secret": "ext-webhook",
            "postgresql-password": "pw"}  # fmt: skip
    core.create_namespaced_secret(namespace, k8s.V1Secret(metadata=k8s.V1ObjectMeta(name="ops-hugdata"),
                                                          string_data=keys))  # fmt: skip
    values = {
        **release.values,
        "secrets": {"existingSecret": "ops-hugdata"},
        "postgres": {**release.values["postgres"], "existingSecret": "ops-hugdata", "password": ""},
        "runs": {**release.values["runs"], "namespace": runs},
    }
    try:
        release.config.install(helm.Chart.load(CHART), "ext", values, namespace=namespace, timeout=240)
    except helm.HelmError as failed:
        raise AssertionError(f"{failed}\n{release.kubelet.report()}") from None
    hooks = [p for (ns, name), p in release.kubelet.pods.items() if ns == namespace and "migrations" in name]
    assert [p.exit_codes for p in hooks] == [[0]]
    assert not [s for s in core.list_namespaced_secret(namespace).items if s.metadata.name.startswith("ext-")]
    copied = _secret_data(release, runs, "ext-hugdata-run")
    assert copied == {k: keys[k] for k in RUN_KEYS}  # only what runs read: no admin token in the run namespace
