"""The real K8sRunLauncher, configured exactly as the chart configures it, turns a tenant run into a labelled, sized
Job on the test's real API server (which admits it into a namespace enforcing the restricted PodSecurity level)."""

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance
from dagster._core.code_pointer import CodePointer
from dagster._core.launcher import LaunchRunContext
from dagster._core.origin import JobPythonOrigin, RepositoryPythonOrigin
from kubernetes import client as k8s

from hugdata.config import Settings, get_settings
from hugdata.k8s.tenant_runs import PROJECT_LABEL, TIER_LABEL, TIER_RESOURCES, tenant_namespace
from hugdata.platform.definitions import defs
from hugdata.platform.instance import PARTITION_TAG, open_instance, project_tags
from hugdata.platform.k8s_launcher import TenantNamespaceK8sRunLauncher
from hugdata.tenants.models import Tier
from tests.k8s.conftest import RESTRICTED
from tests.k8s.control_plane import ControlPlane
from tests.k8s.test_chart import PRODUCTION_VALUES, render

IMAGE = "registry.example.com/hugdata/platform:1.4.0"  # PRODUCTION_VALUES' image
CANARY_PASSWORD = "canary-" + uuid.uuid4().hex
RUNS = "launcher-runs"  # runs.namespace here, apart from the namespaces of test_on_cluster's release
TENANT_NAMESPACE = tenant_namespace("hugdata-t-", "Acme_Corp.eu")


@pytest.fixture(scope="module")
def cluster(control_plane: ControlPlane) -> Iterator[k8s.ApiClient]:
    with control_plane.api_client() as api:
        core = k8s.CoreV1Api(api)
        for name in (RUNS, TENANT_NAMESPACE):
            core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=name, labels=RESTRICTED)))
        yield api
        for name in (RUNS, TENANT_NAMESPACE):
            core.delete_namespace(name)


@pytest.fixture
def kubeconfig(control_plane: ControlPlane) -> Path:
    return control_plane.admin_kubeconfig


@pytest.fixture
def instance(settings: Settings) -> Iterator[DagsterInstance]:
    opened = open_instance(settings.resolved_dagster_home)
    yield opened
    opened.dispose()


def _launcher(kubeconfig: Path, instance: DagsterInstance) -> TenantNamespaceK8sRunLauncher:
    """The launcher exactly as the chart configures it, pointed at the test's API server instead of in-cluster."""
    values = {**PRODUCTION_VALUES, "runs": {**PRODUCTION_VALUES["runs"], "namespace": RUNS}}
    [config_map] = [o for o in render(values) if o["kind"] == "ConfigMap"]
    config = yaml.safe_load(config_map["data"]["dagster.yaml"])["run_launcher"]["config"]
    launcher = TenantNamespaceK8sRunLauncher(
        **{**config, "load_incluster_config": False, "kubeconfig_file": str(kubeconfig)}
    )
    launcher.register_instance(instance)
    return launcher


def _tenant_run(instance: DagsterInstance, project_id: str, tier: Tier):  # type: ignore[no-untyped-def]
    origin = JobPythonOrigin(
        "schema_sync",
        RepositoryPythonOrigin(
            executable_path=sys.executable,
            code_pointer=CodePointer.from_module("hugdata.platform.definitions", "defs", working_directory=None),
        ),
    )
    return instance.create_run_for_job(
        job_def=defs.resolve_job_def("schema_sync"),
        tags={PARTITION_TAG: project_id, **project_tags(project_id, tier.value)},
        job_code_origin=origin,
    )


def _stored_job(api: k8s.ApiClient, namespace: str, run_id: str) -> dict:
    [job] = k8s.BatchV1Api(api).list_namespaced_job(namespace, label_selector=f"dagster/run-id={run_id}").items
    return api.sanitize_for_serialization(job)


@pytest.mark.k8s
@pytest.mark.parametrize("tier", list(Tier))
def test_tenant_run_becomes_a_job_labelled_and_sized_by_its_tier(
    kubeconfig: Path, cluster: k8s.ApiClient, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch, tier: Tier
) -> None:
    monkeypatch.setenv("HUGDATA_CANARY_SOURCE_PASSWORD", CANARY_PASSWORD)  # a secret the launcher must not copy
    run = _tenant_run(instance, "acme-42", tier)
    _launcher(kubeconfig, instance).launch_run(LaunchRunContext(dagster_run=run, workspace=None))

    job = _stored_job(cluster, RUNS, run.run_id)  # admitted by the API server into the chart's runs.namespace
    for metadata in (job["metadata"], job["spec"]["template"]["metadata"]):
        assert metadata["labels"][PROJECT_LABEL] == "acme-42"
        assert metadata["labels"][TIER_LABEL] == tier.value
    pod = job["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "hd-hugdata-run"  # the chart's run service account, without API rights
    [container] = pod["containers"]
    assert container["image"] == IMAGE
    assert container["resources"] == TIER_RESOURCES[tier]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["automountServiceAccountToken"] is False
    assert CANARY_PASSWORD not in json.dumps(job)
    assert not [c for c in PRODUCTION_VALUES["secrets"].values() if c in json.dumps(job)]
    # Every secret arrives by reference only: no literal value holds one, and no Secret is poured in whole.
    assert "envFrom" not in container
    secret_refs = {e["name"] for e in container["env"] if "valueFrom" in e}
    assert {"DAGSTER_PG_PASSWORD", "HUGDATA_DB_PASSWORD", "HUGDATA_ENCRYPTION_KEYS"} <= secret_refs
    assert "HUGDATA_ADMIN_TOKEN" not in secret_refs  # run pods read only what runs use


@pytest.mark.k8s
def test_with_per_tenant_namespaces_a_run_lands_in_its_projects_namespace(
    kubeconfig: Path, cluster: k8s.ApiClient, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUGDATA_RUN_NAMESPACE_PREFIX", "hugdata-t-")
    get_settings.cache_clear()
    try:
        run = _tenant_run(instance, "Acme_Corp.eu", Tier.standard)
    finally:
        monkeypatch.delenv("HUGDATA_RUN_NAMESPACE_PREFIX")
        get_settings.cache_clear()
    _launcher(kubeconfig, instance).launch_run(LaunchRunContext(dagster_run=run, workspace=None))
    assert tenant_namespace("hugdata-t-", "acme-corp-eu") != TENANT_NAMESPACE
    job = _stored_job(cluster, TENANT_NAMESPACE, run.run_id)
    assert job["metadata"]["labels"][PROJECT_LABEL] == "Acme_Corp.eu"


@pytest.mark.parametrize(
    ("project_id", "expected"),
    [("acme-42", "hugdata-t-acme-42"), ("42", "hugdata-t-42")],
)
def test_tenant_namespace_keeps_ids_that_are_already_dns_labels(project_id: str, expected: str) -> None:
    assert tenant_namespace("hugdata-t-", project_id) == expected


@pytest.mark.parametrize("project_id", ["Acme", "acme.eu", "a_b", "x" * 63])
def test_tenant_namespace_folds_other_ids_into_a_unique_dns_label(project_id: str) -> None:
    namespace = tenant_namespace("hugdata-t-", project_id)
    assert (
        len(namespace) <= 63 and namespace == namespace.lower() and namespace[0].isalnum() and namespace[-1].isalnum()
    )
    assert namespace != tenant_namespace("hugdata-t-", project_id.swapcase() + "z")
