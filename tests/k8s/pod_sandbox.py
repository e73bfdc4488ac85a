"""The container of a Pod, as far as this machine can make one: run inside a private mount namespace
(`unshare --mount`), it mounts the Pod's volumes where its containers expect them, makes the root filesystem
read-only when the container asks for that, and then becomes the container's process.

`python pod_sandbox.py SPEC.json`, where SPEC has `mounts` ([{source, target, read_only, file}]), `read_only_root`,
`cwd`, `argv` and `env`. Mounts go parents first, each mount point created just before its mount (inside an
earlier mount when it lies in one, as a container runtime does), and the root is made read-only last.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _mount(*args: str, fds: tuple[int, ...] = ()) -> None:
    subprocess.run(["mount", *args], check=True, pass_fds=fds)


def main(spec_file: str) -> None:
    spec = json.loads(Path(spec_file).read_text())
    # Every source is opened before the first mount: a volume mounted at /tmp would otherwise hide a source that
    # lives under /tmp (a checkout there), as a runtime's sources never are hidden by the container's own mounts.
    sources = {m["source"]: os.open(m["source"], os.O_PATH) for m in spec["mounts"]}
    for mount in sorted(spec["mounts"], key=lambda m: len(Path(m["target"]).parts)):
        target = Path(mount["target"])
        if mount["file"]:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.touch()
        else:
            target.mkdir(parents=True, exist_ok=True)
        fd = sources[mount["source"]]
        _mount("--bind", f"/proc/self/fd/{fd}", mount["target"], fds=(fd,))
        if mount["read_only"]:
            _mount("-o", "remount,ro,bind", mount["target"])
    if spec["read_only_root"]:
        _mount("-o", "remount,ro,bind", "/")
    os.chdir(spec["cwd"])
    argv = spec["argv"]
    os.execvpe(argv[0], argv, spec["env"])


if __name__ == "__main__":
    main(sys.argv[1])
