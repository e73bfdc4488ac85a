"""Typed errors of the tenant registry; the API maps each to one HTTP status in one place."""

from __future__ import annotations


class TenantError(Exception):
    """Base of every registry error; ``str(error)`` is safe to show to the caller."""


class InvalidProjectId(TenantError):
    """The project ID breaks the project-ID rule."""


class InvalidDataSource(TenantError):
    """The data source description is incomplete or inconsistent for its dialect."""


class ProjectNotFound(TenantError):
    """No project with that ID (or the caller may not learn that it exists)."""


class ProjectConflict(TenantError):
    """A project with that ID exists with a different registration."""


class PartitionStoreUnavailable(TenantError):
    """Dagster's storage could not be reached to add or remove a project partition."""


class CatalogNotReady(TenantError):
    """The project exists but its catalog has not been materialized yet."""


class QuestionNotAnswered(TenantError):
    """No safe SQL could be produced or run for a question (no LLM configured, every answer refused, source error).

    ``outcome`` says which, for metrics: `declined` (the planner cannot answer it), `refused` (every SQL written
    for it was refused) or `failed` (the source could not run it)."""

    def __init__(self, message: str, *, outcome: str = "failed", admin_hint: str | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.admin_hint = admin_hint


class InvalidGoldenQuestion(TenantError):
    """A golden question's reference SQL is not one safe read of the project's tables."""


class DuplicateGoldenQuestion(TenantError):
    """The project already has a golden question with that text."""


class GoldenQuestionNotFound(TenantError):
    """No golden question with that ID in the project."""


class KeyNotFound(TenantError):
    """No API key with that ID belongs to the project."""


class SourceUnreadable(TenantError):
    """A data source asked to be checked at registration could not be read; the message names the cause."""


class LineageTargetNotFound(TenantError):
    """The table or column asked about is neither in the project's schema nor read by any of its saved questions."""


class QuotaExceeded(TenantError):
    """A project key went over one of its tier's limits; ``retry_after_s`` says when the window resets."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StreamsExhausted(QuotaExceeded):
    """The project already holds as many open event streams on this API process as it may."""
