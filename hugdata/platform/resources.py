"""Dagster resources: everything external an asset touches comes through one of these.

None of them holds a connection string or key as config: each resolves its settings from the process environment
at run time, so no secret ever lands in run config or the Dagster UI.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dagster import ConfigurableResource, Failure, InitResourceContext
from pydantic import PrivateAttr
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hugdata.catalog.embedder_factory import embedder_for
from hugdata.catalog.embeddings import Embedder
from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.schema import SchemaSnapshot
from hugdata.catalog.semantic import SemanticModel
from hugdata.config import get_settings
from hugdata.db import make_engine, make_session_factory, resolve_platform_databases
from hugdata.tenants.data_sources import DataSourceSpec, spec_of
from hugdata.tenants.models import Dialect, Tier
from hugdata.tenants.registry import get_project
from hugdata.tenants.schema_probe import schema_fingerprint
from hugdata.tenants.source_engines import SourceLimits, open_source_engine
from hugdata.tenants.source_errors import classify_source_error
from hugdata.tenants.vault import CredentialVault

if TYPE_CHECKING:
    # The answering pipeline and sqlglot load when a run first asks or explains (see analytics_steps).
    from hugdata.query.ask import AskContext
    from hugdata.query.execute import PlanCost


@dataclass(frozen=True)
class ProjectFacts:
    """What an asset may know about a project without seeing any credential."""

    project_id: str
    name: str
    tier: Tier
    dialect: Dialect


class PlatformDatabaseResource(ConfigurableResource):
    """Sessions on the platform's own `hugdata` database (registry, catalog, vectors)."""

    _engine: Engine | None = PrivateAttr(default=None)
    _sessions: sessionmaker[Session] | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        settings = get_settings()
        url = resolve_platform_databases(settings).hugdata_url
        self._engine = make_engine(url, pool_size=2, connect_timeout_s=settings.db_connect_timeout_s)
        self._sessions = make_session_factory(self._engine)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.dispose()

    @property
    def engine(self) -> Engine:
        """The engine itself, for work that needs one connection held (project locks)."""
        assert self._engine is not None, "resource used outside execution"
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory, for code that opens its own sessions (asking questions)."""
        assert self._sessions is not None, "resource used outside execution"
        return self._sessions

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session; the caller commits."""
        assert self._sessions is not None, "resource used outside execution"
        with self._sessions() as session:
            yield session

    def project_facts(self, project_id: str) -> ProjectFacts:
        """Name, tier and source dialect of a registered project."""
        with self.session() as session:
            project = get_project(session, project_id)
            return ProjectFacts(
                project_id=project.id,
                name=project.name,
                tier=Tier(project.tier),
                dialect=Dialect(project.data_source.dialect),
            )


class TenantDatabaseResource(ConfigurableResource):
    """A project's own database, opened from the registry with the password decrypted only in memory."""

    def _spec(self, project_id: str) -> DataSourceSpec:
        settings = get_settings()
        engine = make_engine(resolve_platform_databases(settings).hugdata_url, pool_size=1)
        try:
            with make_session_factory(engine)() as session:
                project = get_project(session, project_id)
                return spec_of(project.data_source, CredentialVault(settings.fernet_keys()))
        finally:
            engine.dispose()

    def introspect(self, project_id: str) -> SchemaSnapshot:
        """The source's schema; a failure names the project and the cause, never the password."""
        settings = get_settings()
        spec = self._spec(project_id)
        limits = SourceLimits(settings.source_connect_timeout_s, settings.source_statement_timeout_s)
        include = [str(p) for p in spec.options.get("schemas_include", [])]
        exclude = [str(p) for p in spec.options.get("schemas_exclude", [])]
        engine = open_source_engine(spec, limits)
        try:
            snapshot = introspect_schema(engine, dialect=spec.dialect.value, include=include, exclude=exclude)
            return profile_source(engine, snapshot)
        except Exception as exc:
            raise source_failure(project_id, spec, exc) from None
        finally:
            engine.dispose()

    def schema_fingerprint(self, project_id: str, *, connect_timeout_s: int = 5) -> str:
        """A cheap fingerprint of the source's columns (one catalog query), for noticing schema changes."""
        spec = self._spec(project_id)
        engine = open_source_engine(spec, SourceLimits(connect_timeout_s, statement_timeout_s=10))
        try:
            return schema_fingerprint(engine, spec.dialect.value)
        except Exception as exc:
            raise source_failure(project_id, spec, exc) from None
        finally:
            engine.dispose()

    def explain(self, project_id: str, queries: list[str], model: SemanticModel) -> list[tuple[str, PlanCost | str]]:
        """The source's EXPLAIN of each query still valid for ``model``; a query it refuses gets the reason's class."""
        from hugdata.query.execute import explain_validated
        from hugdata.query.validation import QueryRejected, validate_query

        settings = get_settings()
        spec = self._spec(project_id)
        engine = open_source_engine(spec, SourceLimits(settings.source_connect_timeout_s, 10))
        explained: list[tuple[str, PlanCost | str]] = []
        try:
            for sql in queries:
                try:
                    validated = validate_query(sql, dialect=spec.dialect, model=model, max_rows=1_000_000)
                    explained.append((sql, explain_validated(engine, validated, dialect=spec.dialect)))
                except QueryRejected as rejected:
                    explained.append((sql, rejected.reason.value))
                except SQLAlchemyError as exc:
                    explained.append((sql, f"source:{type(exc.orig or exc).__name__}"))
        finally:
            engine.dispose()
        return explained


def source_failure(project_id: str, spec: DataSourceSpec, exc: Exception) -> Failure:
    """A Dagster failure for an unreachable or refusing source, classified by the driver's error code: retried only
    when the cause may pass (refused, timed out, unavailable), never for a wrong password or a missing database."""
    error = classify_source_error(exc, spec)
    return Failure(
        description=f"project {project_id}: cannot read its {error.message(spec)}",
        metadata={
            "project_id": project_id,
            "dialect": spec.dialect.value,
            "error_kind": error.kind.value,
            "retryable": error.retryable,
        },
        allow_retries=error.retryable,
    )


class EmbeddingModelResource(ConfigurableResource):
    """The text embedder chosen by settings: the local MiniLM model by default."""

    def embedder(self) -> Embedder:
        return embedder_for(get_settings())


class QuestionAnsweringResource(ConfigurableResource):
    """Answers questions the way the API does: the LLM from settings when configured, else the offline planner."""

    def context(self, platform_db: PlatformDatabaseResource, embedder: Embedder) -> AskContext:
        from hugdata.query.context import ask_context

        settings = get_settings()
        return ask_context(
            settings, sessions=platform_db.sessions, vault=CredentialVault(settings.fernet_keys()), embedder=embedder
        )
