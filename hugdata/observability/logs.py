"""Logs: one JSON object per line in production (plain text in development), each with the request ID and project ID
of the request it belongs to, and with every secret the platform holds replaced before the line is written."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from hugdata.config import Settings

request_id_var: ContextVar[str | None] = ContextVar("hugdata_request_id", default=None)
project_id_var: ContextVar[str | None] = ContextVar("hugdata_project_id", default=None)
REDACTED = "[redacted]"
_HANDLER_NAME = "hugdata"


class RequestContext(logging.Filter):
    """Adds the request and project of the current request (if any) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or request_id_var.get()
        record.project_id = getattr(record, "project_id", None) or project_id_var.get()
        return True


class SecretRedactor(logging.Filter):
    """Replaces the platform's secret values wherever they appear in a record's message or arguments: a backstop
    behind never building messages from DSNs or tokens."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            if any(s in message for s in self._secrets):
                for secret in self._secrets:
                    message = message.replace(secret, REDACTED)
                record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "project_id", "run_id", "step", "event", "instigator", "method", "route", "status",
                    "duration_ms"):  # fmt: skip
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__  # the class only: a traceback can quote data
        return json.dumps(entry, default=str)


def platform_secrets(settings: Settings) -> list[str]:
    """Every secret value in the settings: tokens, keys, and the passwords inside the database URLs."""
    from sqlalchemy.engine import make_url

    values = []
    for field in ("admin_token", "encryption_keys", "webhook_secret", "llm_api_key", "embedding_api_key",
                  "metrics_token"):  # fmt: skip
        secret = getattr(settings, field, None)
        if secret is not None:
            values += [v for v in secret.get_secret_value().split(",") if v]
    for field in ("database_url", "dagster_database_url"):
        secret = getattr(settings, field, None)
        if secret is not None:
            try:
                password = make_url(secret.get_secret_value()).password
            except Exception:
                password = None
            if password:
                values.append(str(password))
    return values


def configure_logging(settings: Settings, *, level: int | None = None, stream: TextIO | None = None) -> logging.Handler:
    """Install the platform's handler on the root logger once (JSON in production, text in development), at
    ``level`` or HUGDATA_LOG_LEVEL."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestContext())
    handler.addFilter(SecretRedactor(platform_secrets(settings)))
    if settings.environment == "production":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.addHandler(handler)
    logging.getLogger("hugdata").setLevel(level if level is not None else settings.log_level.upper())
    return handler
