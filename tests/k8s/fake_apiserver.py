"""A Kubernetes API stand-in for what Helm reads during `helm install --dry-run=server`: version and discovery, and
GETs of Namespaces and Secrets (its `lookup` calls). Helm talks to it with its own client-go over HTTP, so the chart's
cluster-side checks and lookups run as they do against a real API server, without one (none can run here)."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from helm_python import Config, _native

_CORE = [("namespaces", "Namespace", False), ("secrets", "Secret", True), ("configmaps", "ConfigMap", True),
         ("services", "Service", True), ("serviceaccounts", "ServiceAccount", True), ("pods", "Pod", True)]  # fmt: skip
_GROUPS = {
    "apps/v1": [("deployments", "Deployment", True), ("statefulsets", "StatefulSet", True)],
    "batch/v1": [("jobs", "Job", True)],
    "networking.k8s.io/v1": [("networkpolicies", "NetworkPolicy", True), ("ingresses", "Ingress", True)],
    "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget", True)],
    "rbac.authorization.k8s.io/v1": [("roles", "Role", True), ("rolebindings", "RoleBinding", True)],
    "autoscaling/v2": [("horizontalpodautoscalers", "HorizontalPodAutoscaler", True)],
    "monitoring.coreos.com/v1": [
        ("servicemonitors", "ServiceMonitor", True), ("prometheusrules", "PrometheusRule", True),
    ],
}  # fmt: skip


@dataclass
class ClusterState:
    """What the stand-in's cluster holds: namespaces, and Secrets by (namespace, name) with their plain values."""

    namespaces: set[str] = field(default_factory=set)
    secrets: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def secret_body(self, namespace: str, name: str) -> dict[str, Any] | None:
        values = self.secrets.get((namespace, name))
        if values is None:
            return None
        # Marked as release hd's, as a Secret an earlier install of the chart wrote: Helm adopts only those.
        metadata = {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": "hd", "meta.helm.sh/release-namespace": "hugdata"},
        }
        return {
            "kind": "Secret", "apiVersion": "v1", "metadata": metadata, "type": "Opaque",
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()},
        }  # fmt: skip


def _resources(group_version: str, items: list[tuple[str, str, bool]]) -> dict[str, Any]:
    return {
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
        "resources": [{"name": name, "singularName": name.rstrip("s"), "namespaced": namespaced, "kind": kind,
                       "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
                      for name, kind, namespaced in items],
    }  # fmt: skip


def _handler(state: ClusterState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _not_found(self) -> None:
            self._send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                             "code": 404, "message": "not found"})  # fmt: skip

        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if path == "/version":
                return self._send(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0"})
            if path == "/api":
                return self._send(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
            if path == "/apis":
                groups: dict[str, list[str]] = {}
                for group_version in _GROUPS:
                    group, version = group_version.split("/")
                    groups.setdefault(group, []).append(version)
                return self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                    {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                     "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
                    for g, vs in groups.items()]})  # fmt: skip
            if path == "/api/v1":
                return self._send(200, _resources("v1", _CORE))
            if (found := re.fullmatch(r"/apis/([^/]+/[^/]+)", path)) and found[1] in _GROUPS:
                return self._send(200, _resources(found[1], _GROUPS[found[1]]))
            if found := re.fullmatch(r"/api/v1/namespaces/([^/]+)", path):
                if found[1] in state.namespaces:
                    return self._send(200, {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": found[1]}})
                return self._not_found()
            if found := re.fullmatch(r"/api/v1/namespaces/([^/]+)/secrets/([^/]+)", path):
                body = state.secret_body(found[1], found[2])
                return self._send(200, body) if body else self._not_found()
            if re.fullmatch(r"/api/v1/namespaces/[^/]+/secrets", path):  # Helm's release history: none yet
                return self._send(200, {"kind": "SecretList", "apiVersion": "v1", "metadata": {}, "items": []})
            return self._not_found()

    return Handler


@contextmanager
def fake_apiserver(state: ClusterState) -> Iterator[str]:
    """The stand-in serving ``state`` on a free loopback port; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def install_dry_run(chart: Path, values: dict[str, Any], state: ClusterState) -> list[dict[str, Any]]:
    """`helm install hd --dry-run=server -n hugdata` against the stand-in: the release's objects (hooks included),
    or HelmError with the chart's own failure. OpenAPI validation is off: the stand-in serves no schemas
    (kubernetes-validate checks the objects elsewhere)."""
    with fake_apiserver(state) as url, Config(namespace="hugdata", kube_apiserver=url, kube_token="test") as config:
        handle, ref = config._chart_args(str(chart))
        options = {"namespace": "hugdata", "dry_run": "server", "disable_openapi_validation": True}
        payload = _native.call_string("helm_install", config._raw(), config._context_arg(None), handle, ref, "hd",
                                      json.dumps(values), json.dumps(options))  # fmt: skip
    release = json.loads(payload)
    manifests = release["manifest"] + "".join("\n---\n" + hook["manifest"] for hook in release.get("hooks") or [])
    return [doc for doc in yaml.safe_load_all(manifests) if doc]
