"""Dagster resources: everything external an asset touches comes through one of these."""

from __future__ import annotations

from dataclasses import dataclass

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hugdata.config import get_settings
from hugdata.db import make_engine, make_session_factory, resolve_platform_databases
from hugdata.tenants.models import Dialect, Tier
from hugdata.tenants.registry import get_project


@dataclass(frozen=True)
class ProjectFacts:
    """What an asset may know about a project without seeing any credential."""

    project_id: str
    name: str
    tier: Tier
    dialect: Dialect


class TenantRegistryResource(ConfigurableResource):
    """Read access to the tenant registry in the `hugdata` database.

    It holds no connection string: the URL is resolved from the process's settings at run time, so no secret
    ever lands in run config.
    """

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

    def project_facts(self, project_id: str) -> ProjectFacts:
        """Name, tier and source dialect of a registered project."""
        assert self._sessions is not None, "resource used outside execution"
        with self._sessions() as session:
            project = get_project(session, project_id)
            return ProjectFacts(
                project_id=project.id,
                name=project.name,
                tier=Tier(project.tier),
                dialect=Dialect(project.data_source.dialect),
            )
