"""A real Kubernetes control plane for tests: etcd, kube-apiserver and kube-controller-manager on 127.0.0.1.

Binaries come from the envtest convention, a folder named by `KUBEBUILDER_ASSETS` holding `etcd`, `kube-apiserver`
and `kube-controller-manager` (`../shared/k8s-bin/unpack DIR` writes one, with Debian's `etcd-server` linked in).
The API server runs with RBAC authorization and its default admission plugins, PodSecurity among them; there is no
scheduler and no kubelet, so Pods are stored and admitted but only run where `tests.k8s.kubelet` runs them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from kubernetes import client as k8s

SHARED_UNPACK = Path(__file__).resolve().parents[3] / "shared" / "k8s-bin" / "unpack"
BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager")
INSTALL_HINT = (
    "set KUBEBUILDER_ASSETS to a folder with etcd, kube-apiserver and kube-controller-manager "
    "(`apt-get install etcd-server`, then `../shared/k8s-bin/unpack DIR`)"
)


def find_assets() -> Path | None:
    """The folder with the three binaries: KUBEBUILDER_ASSETS, else one unpacked from ../shared/k8s-bin."""
    named = os.environ.get("KUBEBUILDER_ASSETS")
    if named:
        folder = Path(named)
        return folder if all((folder / b).exists() for b in BINARIES) else None
    if SHARED_UNPACK.exists() and shutil.which("etcd"):
        folder = Path(tempfile.gettempdir()) / "hugdata-k8s-bin"
        subprocess.run([str(SHARED_UNPACK), str(folder)], check=True, capture_output=True)
        return folder if all((folder / b).exists() for b in BINARIES) else None
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None,
    *,
    ca: bool = False,
    sans: list[x509.GeneralName] | None = None,
    client: bool = False,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if not ca:
        usage = x509.ExtendedKeyUsageOID.CLIENT_AUTH if client else x509.ExtendedKeyUsageOID.SERVER_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


@dataclass
class ControlPlane:
    """A running control plane: where it listens and how an admin reaches it."""

    folder: Path
    url: str
    ca_file: Path
    admin_kubeconfig: Path
    processes: list[subprocess.Popen[bytes]]

    def api_client(self) -> k8s.ApiClient:
        """A client authenticated as a cluster admin (system:masters)."""
        configuration = k8s.Configuration()
        configuration.host = self.url
        configuration.ssl_ca_cert = str(self.ca_file)
        configuration.cert_file = str(self.folder / "admin.crt")
        configuration.key_file = str(self.folder / "admin.key")
        return k8s.ApiClient(configuration)

    def kubeconfig_for_token(self, token: str, path: Path) -> Path:
        """A kubeconfig that authenticates with ``token`` (a service account's), written to ``path``."""
        path.write_text(yaml.safe_dump(_kubeconfig(self.url, self.ca_file, {"token": token})))
        return path

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _kubeconfig(url: str, ca_file: Path, user: dict[str, str]) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "test", "cluster": {"server": url, "certificate-authority": str(ca_file)}}],
        "users": [{"name": "test", "user": user}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
        "current-context": "test",
    }


@contextmanager
def running_control_plane(assets: Path, folder: Path) -> Iterator[ControlPlane]:
    """Certificates, a service-account key pair, etcd, the API server and the controller manager; all stopped after."""
    ca_key = _key()
    ca = _certificate(_name("hugdata-test-ca"), ca_key, None, ca=True)
    serving_key = _key()
    sans: list[x509.GeneralName] = [
        x509.DNSName(n)
        for n in (
            "localhost",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
        )  # fmt: skip
    ] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("10.0.0.1"))]
    serving = _certificate(_name("kube-apiserver"), serving_key, (ca, ca_key), sans=sans)
    admin_key = _key()
    admin = _certificate(_name("admin", "system:masters"), admin_key, (ca, ca_key), client=True)
    service_accounts = _key()
    files = {
        "ca.crt": ca.public_bytes(serialization.Encoding.PEM),
        "apiserver.crt": serving.public_bytes(serialization.Encoding.PEM),
        "apiserver.key": _pem_key(serving_key),
        "admin.crt": admin.public_bytes(serialization.Encoding.PEM),
        "admin.key": _pem_key(admin_key),
        "sa.key": _pem_key(service_accounts),
        "sa.pub": service_accounts.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
        (folder / name).chmod(0o600)
    etcd_port, etcd_peer, api_port = _free_port(), _free_port(), _free_port()
    url = f"https://127.0.0.1:{api_port}"
    admin_kubeconfig = folder / "admin.kubeconfig"
    admin_kubeconfig.write_text(
        yaml.safe_dump(
            _kubeconfig(
                url,
                folder / "ca.crt",
                {"client-certificate": str(folder / "admin.crt"), "client-key": str(folder / "admin.key")},
            )  # fmt: skip
        )
    )
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str, argv: list[str]) -> None:
        processes.append(
            subprocess.Popen(
                argv, stdout=(logs / f"{name}.log").open("wb"), stderr=subprocess.STDOUT, start_new_session=True
            )  # fmt: skip
        )

    plane = ControlPlane(folder, url, folder / "ca.crt", admin_kubeconfig, processes)
    try:
        start("etcd", [
            str(assets / "etcd"), "--data-dir", str(folder / "etcd"),
            "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
            "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
            "--listen-peer-urls", f"http://127.0.0.1:{etcd_peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{etcd_peer}",
            "--initial-cluster", f"default=http://127.0.0.1:{etcd_peer}",
            "--unsafe-no-fsync",
        ])  # fmt: skip
        start("kube-apiserver", [
            str(assets / "kube-apiserver"),
            "--etcd-servers", f"http://127.0.0.1:{etcd_port}",
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", str(api_port),
            "--tls-cert-file", str(folder / "apiserver.crt"), "--tls-private-key-file", str(folder / "apiserver.key"),
            "--client-ca-file", str(folder / "ca.crt"),
            "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file", str(folder / "sa.pub"),
            "--service-account-signing-key-file", str(folder / "sa.key"),
            "--service-cluster-ip-range", "10.0.0.0/24",
            "--authorization-mode", "RBAC",
            "--allow-privileged=false",
            "--profiling=false",
            # The `kubernetes` Service's endpoints may not be loopback addresses; nothing here needs them.
            "--endpoint-reconciler-type=none",
        ])  # fmt: skip
        _wait_ready(plane)
        start("kube-controller-manager", [
            str(assets / "kube-controller-manager"),
            "--kubeconfig", str(admin_kubeconfig),
            "--use-service-account-credentials",
            "--service-account-private-key-file", str(folder / "sa.key"),
            "--root-ca-file", str(folder / "ca.crt"),
            "--leader-elect=false",
            "--bind-address", "127.0.0.1", "--secure-port", str(_free_port()),
            "--controllers", "*",
            "--concurrent-job-syncs", "5",
        ])  # fmt: skip
        yield plane
    finally:
        plane.stop()


def _wait_ready(plane: ControlPlane, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    cert = (str(plane.folder / "admin.crt"), str(plane.folder / "admin.key"))
    while True:
        try:
            context = ssl.create_default_context(cafile=str(plane.ca_file))
            context.load_cert_chain(*cert)
            if httpx.get(f"{plane.url}/readyz", verify=context, timeout=2).text == "ok":
                return
        except (httpx.HTTPError, OSError):
            pass
        exited = [p for p in plane.processes if p.poll() is not None]
        if exited or time.monotonic() > deadline:
            logs = "\n".join(
                (plane.folder / "logs" / f"{n}.log").read_text()[-2000:] for n in ("etcd", "kube-apiserver")
            )
            raise RuntimeError(f"the control plane did not become ready:\n{logs}")
        time.sleep(0.3)
