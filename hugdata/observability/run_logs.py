"""The console logger of every Dagster job in the code location: in production one JSON line per message with the
run ID, step, Dagster event and the project it is about; in development Dagster's own readable lines. Secrets are
replaced as in the API's logs."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import Field, InitLoggerContext, logger

from hugdata.config import get_settings
from hugdata.observability.logs import JsonFormatter, RequestContext, SecretRedactor, platform_secrets, project_id_var

PARTITION_TAG = "dagster/partition"
# Dagster builds a job's loggers only from the run config's `loggers` section, falling back to its colored console
# logger without one: every job of the code location carries this as its default run config.
RUN_LOGGING: dict[str, object] = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


class RunRecordFields(logging.Filter):
    """Lifts what Dagster attaches to a record (run, step, event, tags) into the fields JsonFormatter writes; the
    project is the one a batch is working on (``working_on``) or the run's partition."""

    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", None) or {}
        record.run_id = meta.get("run_id")
        record.step = meta.get("step_key")
        event = meta.get("dagster_event")
        record.event = event.event_type_value if event is not None else None
        if meta.get("orig_message") is not None:
            record.msg, record.args = meta["orig_message"], None  # without Dagster's prefix of job, run and step
        record.project_id = project_id_var.get() or (meta.get("job_tags") or {}).get(PARTITION_TAG)
        return True


@contextmanager
def working_on(project_id: str) -> Iterator[None]:
    """Inside a batch run: every line logged in this block is about ``project_id``."""
    token = project_id_var.set(project_id)
    try:
        yield
    finally:
        project_id_var.reset(token)


def log_tick(context: object, message: str, *, level: int = logging.INFO) -> None:
    """A sensor's or schedule's message: in its tick's log in the Dagster UI, and in production also as a JSON line of
    the code server (Dagster's tick logger writes only its own text format)."""
    context.log.log(level, message)  # type: ignore[attr-defined]
    if get_settings().environment == "production":
        name = getattr(context, "_sensor_name", None) or getattr(context, "_schedule_name", None)
        logging.getLogger("hugdata.ticks").log(level, message, extra={"instigator": name})


@logger(
    {"log_level": Field(str, is_required=False, default_value="INFO", description="the logger's threshold")},
    description="JSON lines in production (run, step, event, project), Dagster's console format in development.",
)
def platform_console_logger(init_context: InitLoggerContext) -> logging.Logger:
    level = logging.getLevelName(init_context.logger_config["log_level"].upper())
    settings = get_settings()
    run_logger = logging.Logger("hugdata.run", level)
    handler = logging.StreamHandler(sys.stderr)
    if settings.environment == "production":
        handler.addFilter(RunRecordFields())
        handler.addFilter(RequestContext())
        handler.setFormatter(JsonFormatter())
    else:  # Dagster's own message: job, run, step and event before the text
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(SecretRedactor(platform_secrets(settings)))
    run_logger.addHandler(handler)
    return run_logger
