"""Registering, reading and changing projects; the registry row and the project partition exist both or neither."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from hugdata.tenants.data_sources import DataSourceSpec, apply_spec, spec_of
from hugdata.tenants.errors import PartitionStoreUnavailable, ProjectConflict, ProjectNotFound
from hugdata.tenants.models import DataSource, Project, ProjectStatus, Tier
from hugdata.tenants.partitions import PartitionStore
from hugdata.tenants.project_ids import validate_project_id
from hugdata.tenants.vault import CredentialVault

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Registration:
    project: Project
    created: bool


def register_project(
    session: Session,
    *,
    partitions: PartitionStore,
    vault: CredentialVault,
    project_id: str,
    name: str,
    tier: Tier,
    data_source: DataSourceSpec,
    webhook_url: str | None = None,
    audit: Callable[[Session, str], None] | None = None,
) -> Registration:
    """Register a project and add its partition; repeating the same registration returns the existing project.

    Commits the session itself: the row is made durable before the partition is added, so a crash in between
    leaves a row without a partition, which `reconcile_partitions` repairs. ``audit(session, "register")`` is
    called inside the transaction that inserts the row (one commit for both), and ``audit(session,
    "register_undone")`` inside the one that takes it back when the partition cannot be added.
    """
    validate_project_id(project_id)
    spec = data_source.normalized()
    project = _insert_if_absent(
        session, project_id=project_id, name=name, tier=tier, spec=spec, vault=vault, webhook_url=webhook_url
    )
    if project is not None and audit is not None:
        audit(session, "register")
    session.commit()
    created = project is not None
    if project is None:
        project = _load(session, project_id)
        differing = _differences(project, name=name, tier=tier, spec=spec, vault=vault)
        if project.webhook_url != webhook_url:
            differing.append("webhook URL")
        if differing:
            raise ProjectConflict(
                f"project {project_id!r} is already registered with a different {', '.join(differing)}; "
                "use PATCH to change it"
            )
    try:
        partitions.add([project_id])
    except Exception as exc:
        if created:
            # Roll the registration back so the caller sees neither row nor partition.
            session.execute(delete(Project).where(Project.id == project_id))
            if audit is not None:
                audit(session, "register_undone")
            session.commit()
        log.warning("adding the partition of project %s failed: %s", project_id, type(exc).__name__)
        raise PartitionStoreUnavailable(
            f"the Dagster storage is unavailable; project {project_id!r} was not registered, retry later"
        ) from exc
    return Registration(project=project, created=created)


_SOURCE_COLUMNS = ("dialect", "host", "port", "database", "username", "path", "options", "password_encrypted")


def _build_insert_if_absent() -> Select[tuple[datetime, datetime]]:
    projects, sources = Project.__table__, DataSource.__table__
    # ON CONFLICT DO NOTHING makes concurrent identical registrations wait on the winner's row, not fail; the
    # data source is inserted only from the row this statement created.
    new_project = (
        pg_insert(projects)
        .values(
            id=bindparam("id"),
            name=bindparam("name"),
            tier=bindparam("tier"),
            status=bindparam("status"),
            webhook_url=bindparam("webhook_url"),
        )
        .on_conflict_do_nothing(index_elements=[projects.c.id])
        .returning(projects.c.id, projects.c.created_at, projects.c.updated_at)
        .cte("new_project")
    )
    values = [bindparam(c, type_=sources.c[c].type) for c in _SOURCE_COLUMNS]
    new_source = insert(sources).from_select(["project_id", *_SOURCE_COLUMNS], select(new_project.c.id, *values))
    return select(new_project.c.created_at, new_project.c.updated_at).add_cte(new_source.cte("new_source"))


# Built once: registration is the API's hottest write, and rebuilding this statement cost more than running it.
_INSERT_IF_ABSENT = _build_insert_if_absent()


def _insert_if_absent(
    session: Session,
    *,
    project_id: str,
    name: str,
    tier: Tier,
    spec: DataSourceSpec,
    vault: CredentialVault,
    webhook_url: str | None,
) -> Project | None:
    """Insert project and data source in one statement; None when the ID was already taken."""
    source = DataSource(project_id=project_id)
    apply_spec(source, spec, vault)
    params = {
        "id": project_id,
        "name": name,
        "tier": tier.value,
        "status": ProjectStatus.active.value,
        "webhook_url": webhook_url,
    }
    params.update({c: getattr(source, c) for c in _SOURCE_COLUMNS})
    row = session.execute(_INSERT_IF_ABSENT, params).one_or_none()
    if row is None:
        return None
    source.updated_at = row.updated_at
    project = Project(
        id=project_id,
        name=name,
        tier=tier,
        status=ProjectStatus.active,
        webhook_url=webhook_url,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
    project.data_source = source
    return project


def get_project(session: Session, project_id: str) -> Project:
    """The project, or `ProjectNotFound`."""
    return _load(session, project_id)


def project_exists(session: Session, project_id: str) -> bool:
    """True when a project with that ID is registered (one index lookup, nothing loaded)."""
    return session.scalar(select(Project.id).where(Project.id == project_id)) is not None


def list_projects(session: Session, *, after: str | None = None, limit: int = 50) -> list[Project]:
    """Projects ordered by ID, starting after ``after`` (keyset pagination)."""
    query = select(Project).order_by(Project.id).limit(limit)
    if after is not None:
        query = query.where(Project.id > after)
    return list(session.scalars(query).unique())


def update_project(
    session: Session,
    *,
    vault: CredentialVault,
    project_id: str,
    name: str | None = None,
    tier: Tier | None = None,
    data_source: DataSourceSpec | None = None,
    webhook_url: str | None = None,
    accept_golden_candidates: bool | None = None,
) -> Project:
    """Change a project's name, tier, data source, webhook URL ("" clears it) or whether rated answers become golden
    questions unreviewed; the caller commits."""
    project = _load(session, project_id, for_update=True)
    if name is not None:
        project.name = name
    if tier is not None:
        project.tier = tier
    if data_source is not None:
        apply_spec(project.data_source, data_source.normalized(), vault)
    if webhook_url is not None:
        project.webhook_url = webhook_url or None
    if accept_golden_candidates is not None:
        project.accept_golden_candidates = accept_golden_candidates
    session.flush()
    return project


def _load(session: Session, project_id: str, *, for_update: bool = False) -> Project:
    query = select(Project).where(Project.id == project_id)
    if for_update:
        query = query.with_for_update(of=Project)
    project = session.scalars(query).unique().one_or_none()
    if project is None:
        raise ProjectNotFound(f"project {project_id!r} not found")
    return project


def _differences(project: Project, *, name: str, tier: Tier, spec: DataSourceSpec, vault: CredentialVault) -> list[str]:
    differing = []
    if project.name != name:
        differing.append("name")
    if Tier(project.tier) is not tier:
        differing.append("tier")
    if spec_of(project.data_source, vault) != spec:
        differing.append("data source")
    return differing
