"""A kubelet stand-in for tests: it runs chosen Pods of the test control plane as local processes.

No container runtime runs here, so this plays the kubelet's part for the Pods a test selects, working from the Pod
exactly as the API server stored it: it refuses a Pod a restricted namespace would refuse; assembles each
container's environment as a kubelet does (`env` with `$(VAR)` expansion, `valueFrom` secretKeyRef /
configMapKeyRef / fieldRef, `envFrom`, the API server's service variables; a missing Secret, ConfigMap or key leaves
the container waiting with CreateContainerConfigError); prepares `emptyDir`, ConfigMap, Secret and projected
service-account volumes as folders; and starts the container's `command`/`args` in a private mount namespace
(`pod_sandbox.py`) where those folders are mounted at their `mountPath`, the image's paths are the project's own
(its virtualenv, migrations, model) and, for `readOnlyRootFilesystem`, nothing else is writable. Services resolve
to 127.0.0.1 through the namespace's /etc/hosts (every Pod shares this machine's network). It reports the Pod's
phase and container state back through the API (Running, then Succeeded or Failed with the exit code), restarts
containers of `restartPolicy: Always`, and kills a Pod's process when the Pod is deleted.

Limits: one container per Pod, no init containers, and the process keeps this machine's user (the interpreter lives
under a private home), while the Pod's `runAsNonRoot`/`runAsUser` are checked, not applied.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes import watch

from tests.k8s.control_plane import ControlPlane

SANDBOX = Path(__file__).with_name("pod_sandbox.py")
REPO = Path(__file__).resolve().parents[2]
_VAR = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


class PodNotStartable(Exception):
    """What a kubelet would report as the reason a container cannot start (`reason`: its waiting reason)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ImageStandIn:
    """The image's part of a container, from the Dockerfile's runtime stage: ENV, WORKDIR, CMD, and the image's own
    paths mapped to this checkout (`/opt/venv` is the project's virtualenv, and so on)."""

    env: dict[str, str]
    workdir: str
    cmd: list[str]
    paths: dict[str, Path]  # image path -> where this machine has it

    @classmethod
    def from_dockerfile(cls, dockerfile: Path, *, model_dir: Path) -> ImageStandIn:
        env: dict[str, str] = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
        workdir, cmd, in_runtime = "/", [], False
        text = re.sub(r"\\\n", " ", dockerfile.read_text())
        for line in text.splitlines():
            words = line.strip().split(maxsplit=1)
            if not words or words[0].startswith("#"):
                continue
            keyword, rest = words[0].upper(), words[1] if len(words) > 1 else ""
            if keyword == "FROM":
                in_runtime = rest.strip().endswith("AS runtime")
            elif in_runtime and keyword == "ENV":
                for pair in shlex.split(rest):
                    name, _, value = pair.partition("=")
                    env[name] = re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), ""), value)
            elif in_runtime and keyword == "WORKDIR":
                workdir = rest.strip()
            elif in_runtime and keyword == "CMD":
                cmd = json.loads(rest)
        venv = Path(sys.executable).parent.parent
        paths = {
            "/opt/venv": venv,
            "/opt/hugdata/models": model_dir,
            "/opt/hugdata/alembic": REPO / "alembic",
            "/opt/hugdata/alembic.ini": REPO / "alembic.ini",
            # The checkout at its own path: the virtualenv installs the package from it (an editable install),
            # as the image has it installed; a Pod volume at /tmp must not hide a checkout that lives there.
            str(REPO): REPO,
        }
        return cls(env=env, workdir=workdir, cmd=cmd, paths=paths)


@dataclass
class PodProcess:
    namespace: str
    name: str
    folder: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    stopped: bool = False
    exit_codes: list[int] = field(default_factory=list)


class KubeletStandIn:
    """Runs the Pods ``selects`` picks, from any namespace, until stopped."""

    def __init__(
        self, plane: ControlPlane, image: ImageStandIn, folder: Path, selects: Callable[[k8s.V1Pod], bool]
    ) -> None:
        self.plane, self.image, self.folder, self.selects = plane, image, folder, selects
        self.api = plane.api_client()
        self.core = k8s.CoreV1Api(self.api)
        self.pods: dict[tuple[str, str], PodProcess] = {}
        self.refused: dict[tuple[str, str], str] = {}  # pods it would not or could not start, and why
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._watcher = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> KubeletStandIn:
        self._watcher.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        with self._lock:
            running = list(self.pods.values())
        for pod in running:
            self._kill(pod)
        self._watcher.join(10)
        self.api.close()

    def report(self, tail: int = 3000) -> str:
        """Every Pod it saw, its exit codes and the end of its output, and what it refused: for failure messages."""
        lines = [f"refused {ns}/{name}: {why}" for (ns, name), why in self.refused.items()]
        for (ns, name), pod in self.pods.items():
            lines.append(f"--- {ns}/{name} exit codes {pod.exit_codes}\n{self.log_of(ns, name)[-tail:]}")
        return "\n".join(lines)

    def log_of(self, namespace: str, name: str) -> str:
        """What the Pod's container wrote, for a test's failure message."""
        pod = self.pods.get((namespace, name))
        return pod.log.read_text(errors="replace") if pod and pod.log.exists() else ""

    # -- watching -----------------------------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                stream = watch.Watch().stream(self.core.list_pod_for_all_namespaces, timeout_seconds=2)
                for event in stream:
                    if self._stop.is_set():
                        return
                    self._on_event(event["type"], event["object"])
            except Exception:
                time.sleep(0.2)  # the watch is re-established; events are level-triggered on the stored Pod

    def _on_event(self, kind: str, pod: k8s.V1Pod) -> None:
        key = (pod.metadata.namespace, pod.metadata.name)
        if kind == "DELETED" or pod.metadata.deletion_timestamp is not None:
            with self._lock:
                running = self.pods.get(key)  # kept, with its exit codes and log, for the tests to read
            if running is not None:
                self._kill(running)
            return
        with self._lock:
            if key in self.pods or key in self.refused or pod.status.phase != "Pending" or not self.selects(pod):
                return
            folder = self.folder / f"{key[0]}--{key[1]}"
            folder.mkdir(parents=True, exist_ok=True)
            self.pods[key] = PodProcess(key[0], key[1], folder, folder / "container.log")
        threading.Thread(target=self._run, args=(pod,), daemon=True).start()

    # -- running a pod ------------------------------------------------------------------------------------------

    def _run(self, pod: k8s.V1Pod) -> None:
        key = (pod.metadata.namespace, pod.metadata.name)
        record = self.pods[key]
        try:
            refusal = restricted_violation(pod)
            if refusal:
                raise PodNotStartable("SecurityContextRefused", refusal)
            if len(pod.spec.containers) != 1 or pod.spec.init_containers:
                raise PodNotStartable("Unsupported", "the stand-in runs exactly one container and no init containers")
            volumes = self._volumes(pod, record.folder)
            container = pod.spec.containers[0]
            env = self._environment(pod, container)
            spec = self._sandbox_spec(pod, container, env, volumes, record.folder)
        except PodNotStartable as refused:
            self.refused[key] = f"{refused.reason}: {refused}"
            with self._lock:
                self.pods.pop(key, None)
            self._report_waiting(pod, refused.reason, str(refused))
            return
        spec_file = record.folder / "sandbox.json"
        spec_file.write_text(json.dumps(spec))
        always = pod.spec.restart_policy == "Always"
        started = _now()
        while not record.stopped:
            with record.log.open("ab") as log:
                record.process = subprocess.Popen(
                    ["unshare", "--mount", "--propagation", "private", sys.executable, str(SANDBOX), str(spec_file)],
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            self._report_running(pod, started, record.restarts)
            code = record.process.wait()
            record.exit_codes.append(code)
            if record.stopped:
                return
            if not always:
                self._report_terminated(pod, started, code)
                return
            record.restarts += 1
            time.sleep(min(30, 2**record.restarts))

    def _kill(self, pod: PodProcess) -> None:
        pod.stopped = True
        process = pod.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    # -- volumes, environment, mounts ---------------------------------------------------------------------------

    def _volumes(self, pod: k8s.V1Pod, folder: Path) -> dict[str, Path]:
        namespace = pod.metadata.namespace
        prepared: dict[str, Path] = {}
        for volume in pod.spec.volumes or []:
            path = folder / "volumes" / volume.name
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o777)
            if volume.empty_dir is not None:
                pass
            elif volume.config_map is not None:
                data = self._config_map(namespace, volume.config_map.name, volume.config_map.optional)
                _write_items(path, data or {}, volume.config_map.items)
            elif volume.secret is not None:
                data = self._secret(namespace, volume.secret.secret_name, volume.secret.optional)
                _write_items(path, data or {}, volume.secret.items)
            elif volume.projected is not None:
                self._projected(pod, volume.projected, path)
            else:
                raise PodNotStartable("FailedMount", f"volume {volume.name}: only emptyDir, configMap, secret and "
                                      "projected volumes are supported")  # fmt: skip
            prepared[volume.name] = path
        return prepared

    def _projected(self, pod: k8s.V1Pod, projected: k8s.V1ProjectedVolumeSource, path: Path) -> None:
        for source in projected.sources or []:
            if source.service_account_token is not None:
                request = k8s.AuthenticationV1TokenRequest(
                    spec=k8s.V1TokenRequestSpec(
                        audiences=[],
                        expiration_seconds=source.service_account_token.expiration_seconds or 3600,
                        bound_object_ref=k8s.V1BoundObjectReference(
                            kind="Pod", api_version="v1", name=pod.metadata.name, uid=pod.metadata.uid
                        ),
                    )
                )
                token = self.core.create_namespaced_service_account_token(
                    pod.spec.service_account_name or "default", pod.metadata.namespace, request
                ).status.token
                (path / source.service_account_token.path).write_text(token)
            elif source.config_map is not None:
                data = self._config_map(pod.metadata.namespace, source.config_map.name, source.config_map.optional)
                _write_items(path, data or {}, source.config_map.items)
            elif source.secret is not None:
                data = self._secret(pod.metadata.namespace, source.secret.name, source.secret.optional)
                _write_items(path, data or {}, source.secret.items)
            elif source.downward_api is not None:
                for item in source.downward_api.items or []:
                    (path / item.path).write_text(_field(pod, item.field_ref.field_path))

    def _config_map(self, namespace: str, name: str, optional: bool | None) -> dict[str, str] | None:
        try:
            return dict(self.core.read_namespaced_config_map(name, namespace).data or {})
        except k8s.ApiException as missing:
            if missing.status == 404 and optional:
                return None
            raise PodNotStartable("CreateContainerConfigError", f'configmap "{name}" not found') from None

    def _secret(self, namespace: str, name: str, optional: bool | None) -> dict[str, str] | None:
        try:
            data = self.core.read_namespaced_secret(name, namespace).data or {}
        except k8s.ApiException as missing:
            if missing.status == 404 and optional:
                return None
            raise PodNotStartable("CreateContainerConfigError", f'secret "{name}" not found') from None
        return {k: base64.b64decode(v).decode() for k, v in data.items()}

    def _environment(self, pod: k8s.V1Pod, container: k8s.V1Container) -> dict[str, str]:
        namespace = pod.metadata.namespace
        port = self.plane.url.rsplit(":", 1)[1]
        env = {**self.image.env}
        # The variables a kubelet gives every container for the API server's Service.
        env.update({"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": port,
                    "KUBERNETES_SERVICE_PORT_HTTPS": port, "HOSTNAME": pod.metadata.name})  # fmt: skip
        for source in container.env_from or []:
            prefix = source.prefix or ""
            if source.config_map_ref is not None:
                data = self._config_map(namespace, source.config_map_ref.name, source.config_map_ref.optional) or {}
            else:
                data = self._secret(namespace, source.secret_ref.name, source.secret_ref.optional) or {}
            env.update({prefix + k: v for k, v in data.items()})
        for variable in container.env or []:
            if variable.value_from is None:
                env[variable.name] = _expand(variable.value or "", env)
                continue
            ref = variable.value_from
            if ref.secret_key_ref is not None:
                data = self._secret(namespace, ref.secret_key_ref.name, ref.secret_key_ref.optional)
                key, optional, kind = ref.secret_key_ref.key, ref.secret_key_ref.optional, "secret"
                owner = ref.secret_key_ref.name
            elif ref.config_map_key_ref is not None:
                data = self._config_map(namespace, ref.config_map_key_ref.name, ref.config_map_key_ref.optional)
                key, optional, kind = ref.config_map_key_ref.key, ref.config_map_key_ref.optional, "configmap"
                owner = ref.config_map_key_ref.name
            elif ref.field_ref is not None:
                env[variable.name] = _field(pod, ref.field_ref.field_path)
                continue
            else:
                raise PodNotStartable("CreateContainerConfigError", f"{variable.name}: unsupported valueFrom")
            if data is None or key not in data:
                if optional:
                    continue
                raise PodNotStartable(
                    "CreateContainerConfigError", f"couldn't find key {key} in {kind} {namespace}/{owner}"
                )
            env[variable.name] = data[key]
        return env

    def _sandbox_spec(
        self, pod: k8s.V1Pod, container: k8s.V1Container, env: dict[str, str], volumes: dict[str, Path], folder: Path
    ) -> dict[str, Any]:
        mounts = [
            {"source": str(source), "target": target, "read_only": True, "file": source.is_file()}
            for target, source in self.image.paths.items()
        ]
        hosts = folder / "hosts"
        hosts.write_text(self._hosts())
        mounts.append({"source": str(hosts), "target": "/etc/hosts", "read_only": True, "file": True})
        for mount in container.volume_mounts or []:
            source = volumes.get(mount.name)
            if source is None:
                raise PodNotStartable("CreateContainerConfigError", f"volumeMount {mount.name}: no such volume")
            if mount.sub_path:
                source = source / mount.sub_path
            mounts.append({"source": str(source), "target": mount.mount_path, "read_only": bool(mount.read_only),
                           "file": source.is_file()})  # fmt: skip
        argv = list(container.command or []) + list(container.args or []) if container.command else None
        argv = argv or list(container.args or []) or list(self.image.cmd)
        security = container.security_context
        return {
            "mounts": mounts,
            "read_only_root": bool(security and security.read_only_root_filesystem),
            "cwd": container.working_dir or self.image.workdir,
            "argv": argv,
            "env": env,
        }

    def _hosts(self) -> str:
        names = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                 "kubernetes.default.svc.cluster.local"]  # fmt: skip
        for service in self.core.list_service_for_all_namespaces().items:
            name, namespace = service.metadata.name, service.metadata.namespace
            names += [name, f"{name}.{namespace}", f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.cluster.local"]
        return "127.0.0.1 " + " ".join(names) + "\n"

    # -- status -------------------------------------------------------------------------------------------------

    def _patch_status(self, pod: k8s.V1Pod, status: dict[str, Any]) -> None:
        try:
            self.core.patch_namespaced_pod_status(pod.metadata.name, pod.metadata.namespace, {"status": status})
        except k8s.ApiException as gone:
            if gone.status != 404:
                raise

    def _container_status(self, pod: k8s.V1Pod, state: dict[str, Any], **fields: Any) -> list[dict[str, Any]]:
        container = pod.spec.containers[0]
        return [{"name": container.name, "image": container.image, "imageID": "", "state": state, **fields}]

    def _report_waiting(self, pod: k8s.V1Pod, reason: str, message: str) -> None:
        state = {"waiting": {"reason": reason, "message": message}}
        self._patch_status(pod, {"containerStatuses": self._container_status(pod, state, ready=False, restartCount=0)})

    def _report_running(self, pod: k8s.V1Pod, started: str, restarts: int) -> None:
        conditions = [{"type": t, "status": "True", "lastTransitionTime": started}
                      for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")]  # fmt: skip
        self._patch_status(pod, {
            "phase": "Running", "hostIP": "127.0.0.1", "podIP": "127.0.0.1", "podIPs": [{"ip": "127.0.0.1"}],
            "startTime": started, "conditions": conditions,
            "containerStatuses": self._container_status(pod, {"running": {"startedAt": _now()}}, ready=True,
                                                        started=True, restartCount=restarts),
        })  # fmt: skip

    def _report_terminated(self, pod: k8s.V1Pod, started: str, code: int) -> None:
        state = {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                                "startedAt": started, "finishedAt": _now()}}  # fmt: skip
        self._patch_status(pod, {
            "phase": "Succeeded" if code == 0 else "Failed",
            "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": _now(),
                            "reason": "PodCompleted"}],
            "containerStatuses": self._container_status(pod, state, ready=False, started=False, restartCount=0),
        })  # fmt: skip


def restricted_violation(pod: k8s.V1Pod) -> str | None:
    """Why PodSecurity's `restricted` level would refuse this Pod, or None."""
    spec = pod.spec
    if spec.host_network or spec.host_pid or spec.host_ipc:
        return "host namespaces are not allowed"
    pod_security = spec.security_context or k8s.V1PodSecurityContext()
    for volume in spec.volumes or []:
        if volume.host_path is not None:
            return f"volume {volume.name}: hostPath is not allowed"
    for container in spec.containers:
        security = container.security_context or k8s.V1SecurityContext()
        if security.privileged:
            return f"container {container.name}: privileged"
        if security.allow_privilege_escalation is not False:
            return f"container {container.name}: allowPrivilegeEscalation != false"
        if "ALL" not in ((security.capabilities and security.capabilities.drop) or []):
            return f"container {container.name}: capabilities must drop ALL"
        if not (security.run_as_non_root or pod_security.run_as_non_root):
            return f"container {container.name}: runAsNonRoot != true"
        if (security.run_as_user if security.run_as_user is not None else pod_security.run_as_user) == 0:
            return f"container {container.name}: runAsUser=0"
        profile = security.seccomp_profile or pod_security.seccomp_profile
        if profile is None or profile.type not in ("RuntimeDefault", "Localhost"):
            return f"container {container.name}: seccompProfile must be RuntimeDefault or Localhost"
    return None


def _write_items(path: Path, data: dict[str, str], items: list[Any] | None) -> None:
    chosen = {item.key: item.path for item in items} if items else {key: key for key in data}
    for key, relative in chosen.items():
        if key in data:
            target = path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(data[key])


def _field(pod: k8s.V1Pod, path: str) -> str:
    fields = {
        "metadata.name": pod.metadata.name,
        "metadata.namespace": pod.metadata.namespace,
        "metadata.uid": pod.metadata.uid,
        "spec.serviceAccountName": pod.spec.service_account_name or "default",
        "spec.nodeName": "",
        "status.podIP": "127.0.0.1",
        "status.hostIP": "127.0.0.1",
    }
    label = re.fullmatch(r"metadata\.labels\['(.+)'\]", path)
    if label:
        return (pod.metadata.labels or {}).get(label.group(1), "")
    return fields.get(path, "")


def _expand(value: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion: a defined variable is replaced, an undefined one left as written."""
    return _VAR.sub(lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), value)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
