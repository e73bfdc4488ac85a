"""Project-scoped API keys, issued by an admin."""

from __future__ import annotations

from fastapi import APIRouter, status

from hugdata.api.deps import AdminOnly, ProjectIdPath, RuntimeDep, SessionDep
from hugdata.api.routes.audit import write_audit
from hugdata.api.schemas import ErrorBody, KeyCreate, KeyIssued
from hugdata.tenants.keys import issue_key
from hugdata.tenants.models import KeyScope
from hugdata.tenants.project_ids import validate_project_id

router = APIRouter(prefix="/v1/projects/{project_id}/keys", tags=["keys"])


@router.post(
    "",
    response_model=KeyIssued,
    status_code=status.HTTP_201_CREATED,
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)
def create_project_key(
    project_id: ProjectIdPath, body: KeyCreate, caller: AdminOnly, session: SessionDep, runtime: RuntimeDep
) -> KeyIssued:
    """Issue a key that can act on this project only; the token is in this response and nowhere else."""
    validate_project_id(project_id)
    issued = issue_key(session, project_id=project_id, name=body.name)
    write_audit(session, runtime, caller, "key.issue", project_id, {"key_id": issued.key.id, "name": body.name})
    session.commit()
    key = issued.key
    return KeyIssued(
        id=key.id,
        scope=KeyScope(key.scope),
        project_id=key.project_id,
        name=key.name,
        created_at=key.created_at,
        token=issued.token,
    )
