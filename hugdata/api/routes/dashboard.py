"""Signing in to the dashboard. Laravel (with the admin token) mints a one-time link for a project; the browser
opens it, and the API answers with an HttpOnly, SameSite=Strict session cookie scoped to that project and sends the
browser on to the app. A project key or the admin token can sign in too (the app's sign-in page). The app reads
its CSRF token from GET /v1/session and sends it with every change."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hugdata.api.deps import (
    CSRF_HEADER,
    SESSION_COOKIE,
    AdminOnly,
    CallerDep,
    CurrentProject,
    RuntimeDep,
    SessionDep,
    require_csrf,
)
from hugdata.api.routes.audit import write_audit
from hugdata.api.runtime import ApiRuntime
from hugdata.api.schemas import ErrorBody
from hugdata.dashboard.sessions import (
    OpenedSession,
    SessionScope,
    end_session,
    mint_link,
    open_session,
    redeem_link,
    session_scope,
    utcnow,
)

router = APIRouter(tags=["dashboard"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
}
APP_PATH = "/app"


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ttl_s: int | None = Field(
        default=None, ge=60, le=3600, description="how long the link can be opened; default 15 min"
    )


class LinkIssued(BaseModel):
    url: str = Field(description="open once, in a browser, before expires_at")
    project_id: str | None = Field(description="null for the admin view")
    expires_at: datetime


class SessionRead(BaseModel):
    project_id: str | None = Field(description="the project this sign-in may see; null for an admin")
    is_admin: bool
    csrf_token: str = Field(description=f"send as {CSRF_HEADER} with every POST, PATCH and DELETE")
    expires_at: datetime


def _mint(runtime: ApiRuntime, session: Any, project_id: str | None, body: LinkCreate | None) -> LinkIssued:
    ttl = timedelta(seconds=body.ttl_s) if body and body.ttl_s else runtime.settings.dashboard_link_ttl
    minted = mint_link(session, project_id=project_id, ttl=ttl, now=utcnow())
    base = runtime.settings.resolved_public_url  # never the request's Host: a forged one would point elsewhere
    return LinkIssued(url=f"{base}{APP_PATH}/session?token={minted.token}", project_id=project_id,
                      expires_at=minted.expires_at)  # fmt: skip


@router.post("/v1/projects/{project_id}/dashboard-links", response_model=LinkIssued,
             status_code=status.HTTP_201_CREATED, responses=_ERRORS)  # fmt: skip
def create_project_dashboard_link(
    caller: AdminOnly,  # before the project: a project key learns nothing of which projects exist
    project: CurrentProject,
    session: SessionDep,
    runtime: RuntimeDep,
    body: LinkCreate | None = None,
) -> LinkIssued:
    """A one-time link that signs a browser in to this project's dashboard (and nothing else)."""
    issued = _mint(runtime, session, project.id, body)
    write_audit(session, runtime, caller, "dashboard.link", project.id, {"expires_at": issued.expires_at.isoformat()})
    session.commit()
    return issued


@router.post("/v1/dashboard-links", response_model=LinkIssued, status_code=status.HTTP_201_CREATED,
             responses=_ERRORS)  # fmt: skip
def create_admin_dashboard_link(
    caller: AdminOnly, session: SessionDep, runtime: RuntimeDep, body: LinkCreate | None = None
) -> LinkIssued:
    """A one-time link that signs a browser in to the admin view (every project)."""
    issued = _mint(runtime, session, None, body)
    write_audit(session, runtime, caller, "dashboard.link", None, {"expires_at": issued.expires_at.isoformat()})
    session.commit()
    return issued


def _with_cookie(response: Response, runtime: ApiRuntime, opened: OpenedSession) -> Response:
    response.set_cookie(
        SESSION_COOKIE,
        opened.session_id,
        max_age=int(runtime.settings.dashboard_session_lifetime.total_seconds()),
        httponly=True,
        secure=runtime.settings.environment == "production",
        samesite="strict",
        path="/",
    )
    return response


def _refused(message: str) -> HTMLResponse:
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Sign-in refused</title><main>"
        f"<h1>This dashboard link cannot be used</h1><p role=alert>{html.escape(message)}</p></main></html>"
    )
    return HTMLResponse(page, status_code=status.HTTP_401_UNAUTHORIZED)


@router.get(f"{APP_PATH}/session", include_in_schema=False)
def open_dashboard_link(
    session: SessionDep, runtime: RuntimeDep, token: str = Query(default="", max_length=200)
) -> Response:
    """Exchange a dashboard link's token for the session cookie, once, and go on to the app."""
    now = utcnow()
    link = redeem_link(session, token, now=now) if token else None
    if link is None:
        return _refused("It was already used, has expired, or is not a dashboard link. Ask for a new one.")
    opened = open_session(session, project_id=link.project_id, lifetime=runtime.settings.dashboard_session_lifetime,
                          now=now)  # fmt: skip
    session.commit()
    target = f"{APP_PATH}/projects/{link.project_id}" if link.project_id else f"{APP_PATH}/admin"
    return _with_cookie(RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER), runtime, opened)


@router.post("/v1/sessions", response_model=SessionRead, status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def sign_in(caller: CallerDep, runtime: RuntimeDep, response: Response) -> SessionRead:
    """Sign a browser in with a project key or the admin token (in the Authorization header): a session cookie
    for the same scope, so the token itself is not kept in the page."""
    # Written by the platform, not under the key's row-level scope: sign-ins are not tenant data.
    with runtime.sessions() as session:
        opened = open_session(session, project_id=None if caller.is_admin else caller.project_id,
                              lifetime=runtime.settings.dashboard_session_lifetime, now=utcnow())  # fmt: skip
        session.commit()
    _with_cookie(response, runtime, opened)
    return SessionRead(project_id=opened.project_id, is_admin=opened.project_id is None, csrf_token=opened.csrf_token,
                       expires_at=opened.expires_at)  # fmt: skip


def _signed_in(request: Request, session: Session) -> tuple[str, SessionScope]:
    """The cookie and the open sign-in it names; 401 without one."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    scope = session_scope(session, cookie, now=utcnow()) if cookie else None
    if scope is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not signed in: open a dashboard link or sign in")
    return cookie, scope


@router.get("/v1/session", response_model=SessionRead, responses=_ERRORS)
def current_session(request: Request, session: SessionDep) -> SessionRead:
    """The browser's sign-in: its scope and the CSRF token its changes must carry; 401 without one."""
    _, scope = _signed_in(request, session)
    return SessionRead(project_id=scope.project_id, is_admin=scope.is_admin, csrf_token=scope.csrf_token,
                       expires_at=scope.expires_at)  # fmt: skip


@router.delete("/v1/session", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
def sign_out(request: Request, session: SessionDep) -> Response:
    """End the browser's sign-in (with its CSRF token, as every change made with the cookie)."""
    cookie, scope = _signed_in(request, session)
    require_csrf(request, scope)
    end_session(session, cookie)
    session.commit()
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
