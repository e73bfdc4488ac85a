"""Project-scoped API keys, issued by an admin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from hugdata.api.deps import AdminOnly, ProjectIdPath, RuntimeDep, SessionDep
from hugdata.api.routes.audit import write_audit
from hugdata.api.schemas import ErrorBody, KeyCreate, KeyIssued, KeyRead
from hugdata.tenants.keys import issue_key, project_keys, revoke_key
from hugdata.tenants.models import ApiKey, KeyScope
from hugdata.tenants.project_ids import validate_project_id

router = APIRouter(prefix="/v1/projects/{project_id}/keys", tags=["keys"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
}
KeyIdPath = Annotated[str, Path(max_length=24, pattern=r"^[0-9a-f]+$", description="a key's ID (not its token)")]


@router.post("", response_model=KeyIssued, status_code=status.HTTP_201_CREATED, responses=_ERRORS)
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


@router.get("", response_model=list[KeyRead], responses=_ERRORS)
def list_project_keys(project_id: ProjectIdPath, _: AdminOnly, session: SessionDep) -> list[KeyRead]:
    """The project's keys with when each was issued and revoked; a token is never shown again."""
    validate_project_id(project_id)
    return [_key_read(key) for key in project_keys(session, project_id)]


@router.delete("/{key_id}", response_model=KeyRead, responses=_ERRORS)
def revoke_project_key(
    project_id: ProjectIdPath, key_id: KeyIdPath, caller: AdminOnly, session: SessionDep, runtime: RuntimeDep
) -> KeyRead:
    """Revoke one of the project's keys: every request with it is refused from now on (401)."""
    validate_project_id(project_id)
    key = revoke_key(session, key_id=key_id, project_id=project_id)
    write_audit(session, runtime, caller, "key.revoke", project_id, {"key_id": key.id})
    session.commit()
    return _key_read(key)


def _key_read(key: ApiKey) -> KeyRead:
    return KeyRead(
        id=key.id, project_id=key.project_id, name=key.name, created_at=key.created_at, revoked_at=key.revoked_at
    )
