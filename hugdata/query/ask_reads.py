"""What an ask reads from the platform before it plans, sent as one round trip (psycopg's pipeline mode): the
project's data source with the versions of its model in force, both catalog searches, and the nearest past question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hugdata.catalog.vector_store import SearchHit, queue_searches, vector_ready_connection
from hugdata.db import pipelined
from hugdata.memory.paraphrases import ReusablePair, queue_nearest_past_question
from hugdata.semantic_layer.in_force import MODEL_VERSIONS_SQL, ModelVersions
from hugdata.tenants.data_sources import DataSourceSpec, spec_of
from hugdata.tenants.errors import ProjectNotFound
from hugdata.tenants.models import DataSource, Dialect
from hugdata.tenants.row_security import CONNECTION_SCOPE_SQL
from hugdata.tenants.vault import CredentialVault

_SOURCE_COLUMNS = ("dialect", "host", "port", "database", "username", "path", "options", "password_encrypted")
_PROJECT_SQL = (
    f"SELECT p.created_at, {', '.join('d.' + c for c in _SOURCE_COLUMNS)}, {MODEL_VERSIONS_SQL} "
    "FROM projects p JOIN data_sources d ON d.project_id = p.id WHERE p.id = %(project_id)s"
)


@dataclass(frozen=True)
class ProjectSource:
    """A project's data source (password decrypted in memory) and the versions its model in force is made of."""

    dialect: Dialect
    spec: DataSourceSpec
    versions: ModelVersions


@dataclass(frozen=True)
class AskReads:
    project: ProjectSource
    by_meaning: list[SearchHit]
    by_words: list[SearchHit]
    past: ReusablePair | None  # read only when the ask may reuse a past question's SQL


def read_for_ask(
    connection: Connection,
    vault: CredentialVault,
    *,
    project_id: str,
    question: str,
    query_vector: Sequence[float],
    model_id: str,
    depth: int,
    past: bool,
    scoped: bool,
) -> AskReads:
    """Everything an ask reads before planning, in one round trip. ``scoped`` for a connection outside a transaction
    whose role is under row-level security (its project setting goes first); ``ProjectNotFound`` when it is not."""
    vector_ready_connection(connection)
    with pipelined(connection) as raw:
        if scoped:
            raw.execute(CONNECTION_SCOPE_SQL, {"project_id": project_id})
        project = raw.execute(_PROJECT_SQL, {"project_id": project_id})
        searches = queue_searches(
            raw, project_id=project_id, question=question, query_vector=query_vector, model_id=model_id, k=depth
        )
        nearest = (
            queue_nearest_past_question(raw, project_id=project_id, query_vector=query_vector, model_id=model_id)
            if past
            else None
        )
    source = _project_source(project.fetchone(), project_id, vault)
    by_meaning, by_words = searches()
    return AskReads(source, by_meaning, by_words, nearest() if nearest is not None else None)


def read_project_source(session: Session, project_id: str, vault: CredentialVault) -> ProjectSource:
    """The project's data source and model versions alone, in ``session``'s transaction."""
    row = session.connection().exec_driver_sql(_PROJECT_SQL, {"project_id": project_id}).first()
    return _project_source(row, project_id, vault)


def _project_source(row: Sequence[Any] | None, project_id: str, vault: CredentialVault) -> ProjectSource:
    if row is None:
        raise ProjectNotFound(f"project {project_id!r} not found")
    registered_at, *source, model_version, model_at, layer_version, schema_version = row
    spec = spec_of(DataSource(**dict(zip(_SOURCE_COLUMNS, source, strict=True))), vault)
    versions = ModelVersions(project_id, registered_at, model_version, model_at, layer_version, schema_version)
    return ProjectSource(spec.dialect, spec, versions)
