"""The real K8sRunLauncher turns a tenant run into a labelled, sized Job, sent to a fake Kubernetes API over HTTP."""

import json
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance
from dagster._core.code_pointer import CodePointer
from dagster._core.launcher import LaunchRunContext
from dagster._core.origin import JobPythonOrigin, RepositoryPythonOrigin
from dagster_k8s import K8sRunLauncher

from hugdata.config import Settings, get_settings
from hugdata.k8s.tenant_runs import PROJECT_LABEL, TIER_LABEL, TIER_RESOURCES, tenant_namespace
from hugdata.platform.definitions import defs
from hugdata.platform.instance import PARTITION_TAG, open_instance, project_tags
from hugdata.platform.k8s_launcher import TenantNamespaceK8sRunLauncher
from hugdata.tenants.models import Tier
from tests.k8s.test_chart import PRODUCTION_VALUES, render

IMAGE = "registry.example.com/hugdata/platform:1.4.0"  # PRODUCTION_VALUES' image
CANARY_PASSWORD = "canary-" + uuid.uuid4().hex


class FakeKubernetesApi(BaseHTTPRequestHandler):
    """Accepts `POST /apis/batch/v1/namespaces/{ns}/jobs` as the API server does and keeps what it was sent."""

    created: list[tuple[str, dict]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[:3] != ["apis", "batch", "v1"] or parts[5:] != ["jobs"]:
            self.send_response(404)
            self.end_headers()
            return
        FakeKubernetesApi.created.append((parts[4], body))
        answer = json.dumps(body).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Iterator[Path]:
    FakeKubernetesApi.created = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKubernetesApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": {"server": f"http://127.0.0.1:{server.server_address[1]}"}}],
        "users": [{"name": "fake", "user": {"token": "fake-token"}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
        "current-context": "fake",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    yield path
    server.shutdown()


@pytest.fixture
def instance(settings: Settings) -> Iterator[DagsterInstance]:
    opened = open_instance(settings.resolved_dagster_home)
    yield opened
    opened.dispose()


def _launcher(kubeconfig: Path, instance: DagsterInstance) -> K8sRunLauncher:
    """The launcher exactly as the chart configures it, pointed at the fake API server instead of in-cluster."""
    [config_map] = [o for o in render(PRODUCTION_VALUES) if o["kind"] == "ConfigMap"]
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


@pytest.mark.parametrize("tier", list(Tier))
def test_tenant_run_becomes_a_job_labelled_and_sized_by_its_tier(
    kubeconfig: Path, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch, tier: Tier
) -> None:
    monkeypatch.setenv("HUGDATA_CANARY_SOURCE_PASSWORD", CANARY_PASSWORD)  # a secret the launcher must not copy
    run = _tenant_run(instance, "acme-42", tier)
    _launcher(kubeconfig, instance).launch_run(LaunchRunContext(dagster_run=run, workspace=None))

    [(namespace, job)] = FakeKubernetesApi.created
    assert namespace == "hugdata-runs"  # the chart's runs.namespace
    for metadata in (job["metadata"], job["spec"]["template"]["metadata"]):
        assert metadata["labels"][PROJECT_LABEL] == "acme-42"
        assert metadata["labels"][TIER_LABEL] == tier.value
    pod = job["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "hd-hugdata-run"  # the chart's run service account, without API rights
    [container] = pod["containers"]
    assert container["image"] == IMAGE
    assert container["resources"] == TIER_RESOURCES[tier]
    assert {"secretRef": {"name": "hd-hugdata-secrets"}} in container["envFrom"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert CANARY_PASSWORD not in json.dumps(job)
    assert not [c for c in PRODUCTION_VALUES["secrets"].values() if c in json.dumps(job)]
    # Literal env values are Dagster's own run facts; every secret arrives by reference (envFrom) only.
    assert {e["name"] for e in container.get("env", [])} <= {
        "DAGSTER_RUN_JOB_NAME",
        "DAGSTER_HOME",
        "DAGSTER_PG_PASSWORD",
    }
    assert all("value" not in e for e in container.get("env", []) if e["name"] == "DAGSTER_PG_PASSWORD")


def test_with_per_tenant_namespaces_a_run_lands_in_its_projects_namespace(
    kubeconfig: Path, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUGDATA_RUN_NAMESPACE_PREFIX", "hugdata-t-")
    get_settings.cache_clear()
    try:
        run = _tenant_run(instance, "Acme_Corp.eu", Tier.standard)
    finally:
        monkeypatch.delenv("HUGDATA_RUN_NAMESPACE_PREFIX")
        get_settings.cache_clear()
    _launcher(kubeconfig, instance).launch_run(LaunchRunContext(dagster_run=run, workspace=None))
    [(namespace, job)] = FakeKubernetesApi.created
    assert namespace == tenant_namespace("hugdata-t-", "Acme_Corp.eu") != tenant_namespace("hugdata-t-", "acme-corp-eu")
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
