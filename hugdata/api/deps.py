"""Request dependencies: the session, the caller, and the project a caller may see."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from hugdata.api.runtime import ApiRuntime
from hugdata.dashboard.sessions import SessionScope, session_scope, utcnow
from hugdata.observability.api_metrics import AUTH_FAILURES
from hugdata.observability.tracing import span
from hugdata.tenants.errors import ProjectNotFound
from hugdata.tenants.keys import Caller, authenticate
from hugdata.tenants.models import KeyScope, Project
from hugdata.tenants.project_ids import PROJECT_ID_RULE, validate_project_id
from hugdata.tenants.registry import get_project
from hugdata.tenants.row_security import scope_to_project, tenant_sessions

log = logging.getLogger(__name__)
SESSION_COOKIE = "hugdata_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_bearer = HTTPBearer(auto_error=False, description="An admin token or a project key")


# Dependencies that do no I/O are `async def`: a sync one costs a thread hop per request (issue 2's bench).


async def get_runtime(request: Request) -> ApiRuntime:
    runtime: ApiRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ApiRuntime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[Session]:
    """One session per request (it connects lazily, on first use); routes commit what they change."""
    session = runtime.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            # Returns a connection to the pool: a rollback round trip, which fails when the database went away
            # mid-request. The answer is written by then; closing must not turn it into no answer at all.
            await run_in_threadpool(_close_quietly, session)
        else:
            session.close()  # never connected: nothing to wait for, so no thread hop


def _close_quietly(session: Session) -> None:
    try:
        session.close()
    except Exception as exc:
        log.warning("closing a request session failed: %s", type(exc).__name__)
        session.invalidate()


SessionDep = Annotated[Session, Depends(get_session)]


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        AUTH_FAILURES.labels("missing").inc()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    return credentials.credentials


async def _resolve_caller(
    runtime: ApiRuntime,
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    look_up: Callable[[str, str | None], Caller | None],
    look_up_session: Callable[[str], SessionScope | None],
) -> Caller:
    """An admin token without database work; any other token through ``look_up(token, admin)`` in a worker thread;
    without a token, the dashboard's session cookie through ``look_up_session``."""
    with span("auth"):
        cookie = request.cookies.get(SESSION_COOKIE)
        if credentials is None and cookie:
            return await _cookie_caller(request, cookie, look_up_session)
        sent = request.headers.get("authorization")
        if credentials is None and sent and sent.strip():
            AUTH_FAILURES.labels("missing").inc()
            parts = sent.split(None, 1)
            if parts[0].lower() == "bearer":
                why = "the token is empty"
            elif len(parts) == 2 and len(parts[0]) <= 16:
                why = f"it was sent with the {parts[0]!r} scheme"  # the scheme only: what follows may be a secret
            else:
                why = "it was sent without a scheme (the token alone)"
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                f"the Authorization header must be 'Bearer <token>': {why}",
                headers={"WWW-Authenticate": "Bearer"},
            )
        token = _bearer_token(credentials)
        admin = runtime.settings.admin_token.get_secret_value() if runtime.settings.admin_token else None
        if admin and hmac.compare_digest(token.encode(), admin.encode()):
            return Caller(scope=KeyScope.admin)
        caller = await run_in_threadpool(look_up, token, admin)
        if caller is None:
            AUTH_FAILURES.labels("invalid").inc()
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"}
            )
        return caller


async def _cookie_caller(
    request: Request, cookie: str, look_up_session: Callable[[str], SessionScope | None]
) -> Caller:
    scope = await run_in_threadpool(look_up_session, cookie)
    if scope is None:
        AUTH_FAILURES.labels("invalid").inc()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "the dashboard session has ended: open a new dashboard link or sign in again"
        )
    require_csrf(request, scope)
    if scope.is_admin:
        return Caller(scope=KeyScope.admin)
    return Caller(scope=KeyScope.project, project_id=scope.project_id)


def require_csrf(request: Request, scope: SessionScope) -> None:
    """403 unless a state-changing request made with the session's cookie echoes the session's CSRF token."""
    if request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), scope.csrf_token.encode()):
        AUTH_FAILURES.labels("forbidden").inc()
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"a change made with the dashboard's session needs its {CSRF_HEADER} header (from GET /v1/session)",
        )


def _session_in(session: Session, cookie: str) -> SessionScope | None:
    scope = session_scope(session, cookie, now=utcnow())
    if scope is not None and scope.project_id is not None:
        scope_to_project(session, scope.project_id)
    return scope


def _session_alone(runtime: ApiRuntime, cookie: str) -> SessionScope | None:
    with runtime.sessions() as session:
        return session_scope(session, cookie, now=utcnow())


async def get_caller(runtime: RuntimeDep, request: Request, session: SessionDep, credentials: BearerDep) -> Caller:
    """The authenticated caller, or 401; a project key's request session is scoped to its project."""
    return await _resolve_caller(
        runtime, request, credentials, partial(_authenticate_and_scope, session), partial(_session_in, session)
    )


def _authenticate_and_scope(session: Session, token: str, admin: str | None) -> Caller | None:
    caller = authenticate(session, token, admin_token=admin)
    if caller is not None and not caller.is_admin and caller.project_id is not None:
        # Everything this request reads or writes from here on is under row-level security for the key's project.
        scope_to_project(session, caller.project_id)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_caller_without_session(runtime: RuntimeDep, request: Request, credentials: BearerDep) -> Caller:
    """The authenticated caller, or 401, for routes that read through scoped connections of their own (search,
    ask): an admin token costs no database work, a project key one lookup in a short session."""
    return await _resolve_caller(
        runtime, request, credentials, partial(_authenticate_alone, runtime), partial(_session_alone, runtime)
    )


def _authenticate_alone(runtime: ApiRuntime, token: str, admin: str | None) -> Caller | None:
    with runtime.sessions() as session:
        return authenticate(session, token, admin_token=admin)


SessionlessCallerDep = Annotated[Caller, Depends(get_caller_without_session)]


async def require_admin(caller: CallerDep) -> Caller:
    """The caller, if it holds an admin token; 403 for project keys."""
    if not caller.is_admin:
        AUTH_FAILURES.labels("forbidden").inc()
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this route needs an admin token; project keys are not allowed")
    return caller


AdminOnly = Annotated[Caller, Depends(require_admin)]

ProjectIdPath = Annotated[str, Path(description=PROJECT_ID_RULE, max_length=200)]


def get_visible_project(project_id: ProjectIdPath, caller: CallerDep, session: SessionDep) -> Project:
    """The project named in the path, if the caller may see it; 404 alike for missing and foreign projects."""
    validate_project_id(project_id)
    if not caller.may_access(project_id):
        # Same answer as for a project that does not exist, so a key cannot probe for other tenants.
        raise ProjectNotFound(f"project {project_id!r} not found")
    return get_project(session, project_id)


CurrentProject = Annotated[Project, Depends(get_visible_project)]


async def get_project_scope(project_id: ProjectIdPath, caller: SessionlessCallerDep) -> str:
    """The project ID in the path, if the caller may act on it; no request session is opened for it.

    A project key implies its project exists (keys are deleted with their project); a route that takes this must
    itself answer 404 when an admin names a project that does not exist.
    """
    validate_project_id(project_id)
    if not caller.may_access(project_id):
        raise ProjectNotFound(f"project {project_id!r} not found")
    return project_id


ProjectScope = Annotated[str, Depends(get_project_scope)]


def caller_sessions(runtime: ApiRuntime, caller: Caller, project_id: str) -> sessionmaker[Session]:
    """Sessions for work a route does outside its request session: a project key's run under row-level security,
    scoped to ``project_id``, as its other requests do; an admin's as the platform."""
    return runtime.sessions if caller.is_admin else tenant_sessions(runtime.sessions, project_id)
