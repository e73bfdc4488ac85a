"""Why a tenant's SQL may not run: a class for the logs and a message that says what to fix."""

from __future__ import annotations

from enum import StrEnum


class RejectionReason(StrEnum):
    unparseable = "unparseable"
    not_one_statement = "not_one_statement"
    not_read_only = "not_read_only"
    denied_function = "denied_function"
    denied_construct = "denied_construct"
    unknown_table = "unknown_table"
    unknown_column = "unknown_column"
    too_costly = "too_costly"


class QueryRejected(ValueError):
    """The SQL may not run; ``reason`` is its class (logged), the message says what to fix (fed back to the LLM)."""

    def __init__(self, reason: RejectionReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
