"""The audit log: written by admin routes as they act, read by admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from hugdata.api.deps import AdminOnly, RuntimeDep, SessionDep
from hugdata.api.runtime import ApiRuntime
from hugdata.api.schemas import ErrorBody
from hugdata.tenants.audit import actor_of, entries, project_ref, record
from hugdata.tenants.keys import Caller

router = APIRouter(prefix="/v1/audit", tags=["audit"])


def write_audit(
    session: Session,
    runtime: ApiRuntime,
    caller: Caller,
    action: str,
    project_id: str | None,
    detail: dict[str, Any] | None = None,
    *,
    purged: bool = False,
) -> None:
    """Record an admin action in ``session`` (committed with the action where the route allows)."""
    record(
        session,
        actor=actor_of(caller),
        action=action,
        project_id=project_id,
        ref_key=runtime.settings.fernet_keys()[0],
        detail=detail,
        purged=purged,
    )


class AuditRead(BaseModel):
    id: int
    occurred_at: datetime
    actor: str
    action: str
    project_id: str | None
    project_ref: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditRead]
    next_before: int | None


@router.get("", response_model=AuditPage, responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}})
def read_audit(
    _: AdminOnly,
    session: SessionDep,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="next_before of the previous page")] = None,
    project_id: Annotated[
        str | None, Query(max_length=63, description="only this project's entries, also after it was purged")
    ] = None,
) -> AuditPage:
    """Admin actions newest first: who (admin or key ID), what, when, on which project."""
    refs = [project_ref(project_id, key) for key in runtime.settings.fernet_keys()] if project_id else None
    rows = entries(session, limit=limit + 1, before=before, project_refs=refs)
    items = [AuditRead.model_validate(row, from_attributes=True) for row in rows[:limit]]
    return AuditPage(items=items, next_before=items[-1].id if len(rows) > limit else None)
