"""The local run launcher: Dagster's default one, plus a health check of the run worker process, so run
monitoring marks a run whose worker died as failed instead of leaving it STARTED forever.

Dagster's DefaultRunLauncher has no such check; K8sRunLauncher checks the run's Job, which is what a cluster uses.
Locally the daemon, the code server and its run workers share one machine, so the worker's PID (Dagster records
it in the run's "Started process for run" engine event) can be looked at directly.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import DagsterEventType
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun


def _pid_state(pid: int) -> str | None:
    """The process's state letter from /proc (R, S, Z, ...), "?" for a live process /proc does not show, None when
    there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        pass
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "?"


class LocalProcessRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher whose run workers run monitoring can check."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        """RUNNING while the worker process lives; FAILED once it is gone or a zombie (killed, crashed)."""
        pid = self._worker_pid(run)
        if pid is None:
            # Anything but RUNNING fails the run; a worker that never starts is the start timeout's business.
            return CheckRunHealthResult(WorkerStatus.RUNNING, "the run worker has not reported its process yet")
        state = _pid_state(pid)
        if state is None or state in ("Z", "X"):
            return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker process {pid} is gone")
        return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker process {pid} is alive")

    def _worker_pid(self, run: DagsterRun) -> int | None:
        records = self._instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ENGINE_EVENT, ascending=False)
        for record in records.records:
            event = record.event_log_entry.dagster_event
            metadata = event.engine_event_data.metadata if event and event.engine_event_data else {}
            pid = metadata.get("pid")
            if pid is not None:
                value = getattr(pid, "value", pid)
                if str(value).isdigit():
                    return int(value)
        return None
