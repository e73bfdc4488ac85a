"""Row-level security for tenant-scoped access: a session scoped to a project runs every transaction as the
`hugdata_tenant` role with `hugdata.project_id` set, and Postgres policies (migration 0009) show and accept only that
project's rows, whatever the query forgets. The platform's own role owns the tables and is not subject to them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.orm import Session, sessionmaker

TENANT_ROLE = "hugdata_tenant"
PROJECT_SETTING = "hugdata.project_id"
_SCOPE = "hugdata_tenant_project"
# One round trip: set_config('role', ...) is SET LOCAL ROLE.
# For a connection outside a transaction (autocommit reads): the setting holds for the connection until set again, and
# every tenant-scoped use of such a connection sets it first.
CONNECTION_SCOPE_SQL = "SELECT set_config('hugdata.project_id', %(project_id)s, false)"
_APPLY = text(f"SELECT set_config('role', '{TENANT_ROLE}', true), set_config('{PROJECT_SETTING}', :project, true)")


def scope_to_project(session: Session, project_id: str) -> None:
    """Make ``session`` tenant-scoped to ``project_id``: its open transaction from now on, and every later one."""
    session.info[_SCOPE] = project_id
    if session.in_transaction():
        session.connection().execute(_APPLY, {"project": project_id})


def tenant_sessions(factory: sessionmaker[Session], project_id: str) -> sessionmaker[Session]:
    """A session factory like ``factory`` whose sessions are all scoped to ``project_id``."""
    return sessionmaker(bind=factory.kw["bind"], expire_on_commit=False, info={_SCOPE: project_id})


@event.listens_for(Session, "after_begin")
def _enter_tenant_scope(session: Session, _transaction: Any, connection: Connection) -> None:
    project_id = session.info.get(_SCOPE)
    if project_id is not None:
        connection.execute(_APPLY, {"project": project_id})
