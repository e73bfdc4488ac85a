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


def _hidden(path: Path, fd: int) -> bool:
    """Whether ``path`` no longer leads to what ``fd`` was opened on (a mount now covers it)."""
    try:
        now = path.stat()
    except FileNotFoundError:
        return True
    then = os.fstat(fd)
    return (now.st_dev, now.st_ino) != (then.st_dev, then.st_ino)


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
        _mount("--no-canonicalize", "--bind", f"/proc/self/fd/{fd}", mount["target"], fds=(fd,))
        if mount["read_only"]:
            _mount("-o", "remount,ro,bind", mount["target"])
    # A source now hidden under a mount (a checkout under /tmp, below the Pod's /tmp volume) is bound back at its
    # own path: the virtualenv's scripts name their interpreter by that path, as an image's name /opt/venv.
    for source, fd in sources.items():
        path = Path(source)
        if not _hidden(path, fd):
            continue
        if Path(f"/proc/self/fd/{fd}").is_dir():
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(exist_ok=True)
        _mount("--no-canonicalize", "--bind", f"/proc/self/fd/{fd}", source, fds=(fd,))
        _mount("-o", "remount,ro,bind", source)  # only there to be found, never to be written through
    if spec["read_only_root"]:
        _mount("-o", "remount,ro,bind", "/")
    os.chdir(spec["cwd"])
    argv = spec["argv"]
    os.execvpe(argv[0], argv, spec["env"])


if __name__ == "__main__":
    main(sys.argv[1])
