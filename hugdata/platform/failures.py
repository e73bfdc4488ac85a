"""A failed run's cause, in the words a tenant can act on: the failing step's own message (an asset's Failure says
which source and why), else the error that stopped the run before any step (a launch or code-server failure)."""

from __future__ import annotations

from dagster import DagsterEvent, DagsterEventType, DagsterInstance, DagsterRun

from hugdata.tenants.source_errors import redact

MAX_CAUSE = 2000


def step_cause(event: DagsterEvent) -> str | None:
    """The message of one step failure: a raised Failure's description, else the error's first line."""
    data = event.step_failure_data
    if data is None:
        return None
    if data.user_failure_data is not None and data.user_failure_data.description:
        return f"{event.step_key}: {data.user_failure_data.description}"
    if data.error is not None:
        return f"{event.step_key}: {data.error.cls_name}: {data.error.message.strip().splitlines()[0]}"
    return None


def run_failure_cause(instance: DagsterInstance, run: DagsterRun, *, secrets: list[str | None]) -> str:
    """Why the run failed, secrets redacted: its failing steps' messages, or the run-level error."""
    steps = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.STEP_FAILURE).records
    events = [r.event_log_entry.dagster_event for r in steps if r.event_log_entry.dagster_event]
    causes = [c for c in (step_cause(e) for e in events) if c]
    if not causes:
        causes = [_run_level_cause(instance, run)]
    text = "; ".join(causes)
    for secret in secrets:
        text = redact(text, secret)
    return text[:MAX_CAUSE]


def _run_level_cause(instance: DagsterInstance, run: DagsterRun) -> str:
    # The run failure event's error, else (a run that never started) the last engine event carrying one.
    records = instance.get_records_for_run(run.run_id, ascending=False, limit=50).records
    message = None
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.RUN_FAILURE:
            error = getattr(event.event_specific_data, "error", None)
            if error is not None and error.message:
                return f"{error.cls_name}: {error.message.strip().splitlines()[0]}"
            message = message or event.message
        data = event.engine_event_data if event.is_engine_event else None
        if data is not None and data.error is not None:
            return f"{data.error.cls_name}: {data.error.message.strip().splitlines()[0]}"
    return message or "the run failed"
