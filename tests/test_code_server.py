"""The local code server starts run workers from a process that has already imported Dagster and the code
location, instead of a fresh interpreter per run."""

import subprocess
import sys
import textwrap
from pathlib import Path

# In a fresh interpreter, as `python -m hugdata.code_server` is: a Dagster code server is created after the patch,
# and a process is started from its context the way the server starts a run worker. The worker reports whether the
# code location was already imported when it began.
_PROBE = textwrap.dedent(
    """
    import logging, sys, threading
    from hugdata.code_server import install_preloaded_run_workers

    def report(queue):
        queue.put("hugdata.platform.definitions" in sys.modules)

    if __name__ == "__main__":
        if sys.argv[1] == "patched":
            install_preloaded_run_workers()
        from dagster._core.utils import FuturesAwareThreadPoolExecutor
        from dagster._grpc.server import DagsterApiServer

        server = DagsterApiServer(
            threading.Event(), logging.getLogger(), FuturesAwareThreadPoolExecutor(1), lazy_load_user_code=True
        )
        context = server._mp_ctx
        queue = context.Queue()
        worker = context.Process(target=report, args=(queue,))
        worker.start()
        print(context.get_start_method(), queue.get(timeout=120))
        worker.join(60)
    """
)


def _start_a_run_worker(tmp_path: Path, mode: str) -> str:
    script = tmp_path / "probe.py"
    script.write_text(_PROBE)
    done = subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_a_run_worker_starts_with_the_code_location_already_imported(tmp_path: Path) -> None:
    assert _start_a_run_worker(tmp_path, "patched") == "forkserver True"


def test_without_the_code_server_dagster_spawns_a_fresh_interpreter_per_run(tmp_path: Path) -> None:
    # The baseline the first test is measured against: if Dagster changed how it starts runs, this says so.
    assert _start_a_run_worker(tmp_path, "plain") == "spawn False"
