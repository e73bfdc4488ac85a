"""Mapping of domain and infrastructure errors to HTTP answers, in one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler as _default_http_error
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hugdata.api.ask_slots import AskCapacityExhausted, AskLimitReached
from hugdata.api.dagster_runs import DagsterUnavailable
from hugdata.tenants.errors import (
    CatalogNotReady,
    DuplicateGoldenQuestion,
    GoldenQuestionNotFound,
    InvalidDataSource,
    InvalidGoldenQuestion,
    InvalidProjectId,
    KeyNotFound,
    LineageTargetNotFound,
    PartitionStoreUnavailable,
    ProjectConflict,
    ProjectNotFound,
    QuestionNotAnswered,
    QuotaExceeded,
    SourceUnreadable,
    TenantError,
)
from hugdata.tenants.vault import CredentialDecryptError

log = logging.getLogger(__name__)

_TENANT_STATUS: dict[type[TenantError], int] = {
    InvalidProjectId: status.HTTP_422_UNPROCESSABLE_CONTENT,
    InvalidDataSource: status.HTTP_422_UNPROCESSABLE_CONTENT,
    ProjectNotFound: status.HTTP_404_NOT_FOUND,
    ProjectConflict: status.HTTP_409_CONFLICT,
    PartitionStoreUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    CatalogNotReady: status.HTTP_409_CONFLICT,
    QuestionNotAnswered: status.HTTP_422_UNPROCESSABLE_CONTENT,
    InvalidGoldenQuestion: status.HTTP_422_UNPROCESSABLE_CONTENT,
    DuplicateGoldenQuestion: status.HTTP_409_CONFLICT,
    GoldenQuestionNotFound: status.HTTP_404_NOT_FOUND,
    KeyNotFound: status.HTTP_404_NOT_FOUND,
    LineageTargetNotFound: status.HTTP_404_NOT_FOUND,
    SourceUnreadable: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


def _tenant_error(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, QuotaExceeded):
        return JSONResponse(
            {"detail": str(exc)},
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after_s)},
        )
    code = next((c for kind, c in _TENANT_STATUS.items() if isinstance(exc, kind)), 400)
    body = {"detail": str(exc)}
    if hint := getattr(exc, "admin_hint", None):
        body["admin_hint"] = hint  # for the platform's operator; the detail is what a tenant's user may read
    return JSONResponse(body, status_code=code)


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            problems.append(_json_problem(error, exc.body))
            continue
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    # `input` may echo a submitted password back; keep only location, message and type.
    errors = [{"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
    return JSONResponse(
        {"detail": "invalid request: " + "; ".join(problems), "errors": jsonable_encoder(errors)},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def _json_problem(error: dict[str, Any], document: object) -> str:
    """Where a body stops being JSON, as an editor shows it: line and column, and what the parser expected."""
    loc = error.get("loc", ())
    position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    expected = str((error.get("ctx") or {}).get("error", "not JSON"))
    if position is None or not isinstance(document, str):
        return f"body: not valid JSON ({expected})"
    line = document.count("\n", 0, position) + 1
    column = position - (document.rfind("\n", 0, position) + 1) + 1
    return f"body: not valid JSON at line {line}, column {column} (character {position}): {expected}"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    cause = exc.__cause__
    if exc.status_code == status.HTTP_400_BAD_REQUEST and isinstance(cause, UnicodeDecodeError):
        # FastAPI answers a body it cannot decode with a bare 400; say what is wrong, as for any invalid body.
        return JSONResponse(
            {
                "detail": f"invalid request: body: not UTF-8 text (byte 0x{cause.object[cause.start]:02x} at "
                f"position {cause.start}); send JSON encoded as UTF-8"
            },
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        return _method_not_allowed(request)
    return await _default_http_error(request, exc)


def _method_not_allowed(request: Request) -> Response:
    """Every method the path answers, not only the first route's (Starlette stops at the first partial match); an
    OPTIONS request is answered with them."""
    allowed = {
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in request.app.router.routes)
    }
    allow = ", ".join(sorted(allowed - {"HEAD"} | {"OPTIONS"}))
    if request.method == "OPTIONS":
        return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"Allow": allow})
    detail = f"{request.method} is not allowed on {request.url.path}; it answers {allow}"
    return JSONResponse({"detail": detail}, status_code=status.HTTP_405_METHOD_NOT_ALLOWED, headers={"Allow": allow})


def _database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    log.warning("platform database unavailable: %s", type(exc).__name__)
    return JSONResponse(
        {"detail": "the platform database is unavailable; retry later"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


def _dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated or isinstance(exc, OperationalError):
        return _database_unavailable(request, exc)
    if isinstance(exc, DataError):
        # The database refused a value the request carried: a NUL character in text, a number out of range.
        return JSONResponse(
            {"detail": "a value in the request cannot be used (a NUL character in text, or a number out of range)"},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    log.error("database error: %s", type(exc.orig).__name__)
    return JSONResponse({"detail": "internal database error"}, status_code=500)


def _credential_error(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=500)


def _dagster_unavailable(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": str(exc)}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"}
    )


def _ask_limit(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AskLimitReached)
    code = 503 if isinstance(exc, AskCapacityExhausted) else status.HTTP_429_TOO_MANY_REQUESTS
    return JSONResponse({"detail": str(exc)}, status_code=code, headers={"Retry-After": str(exc.retry_after_s)})


class UnhandledErrors:
    """The last handler: an exception nothing else took becomes a JSON 500 here and is not raised further.

    Starlette re-raises after its own 500 so the server can log it, and uvicorn then closes the connection: the
    client's next request on that keep-alive connection failed too. Only a response already under way is left to
    the server, which must close a connection whose body it cannot finish.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            # Logged by class only: an exception's text may quote a connection string or a tenant's data.
            log.error("unexpected error: %s", type(exc).__name__)
            await JSONResponse({"detail": "internal error"}, status_code=500)(scope, receive, send)


def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # Logged by class only: an exception's text may quote a connection string or a tenant's data.
    log.error("unexpected error: %s", type(exc).__name__, exc_info=False)
    return JSONResponse({"detail": "internal error"}, status_code=500)


# What `_validation_error` answers, in place of FastAPI's default 422 schema in the OpenAPI document.
VALIDATION_ERROR_SCHEMA = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "string",
            "description": "what is wrong; for request validation every problem as location: message",
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}


def document_validation_errors(app: FastAPI) -> None:
    """Make the OpenAPI document describe 422 bodies as this API writes them."""
    generate = app.openapi

    def openapi() -> dict[str, object]:
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["HTTPValidationError"] = VALIDATION_ERROR_SCHEMA
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DagsterUnavailable, _dagster_unavailable)
    app.add_exception_handler(AskLimitReached, _ask_limit)
    app.add_exception_handler(TenantError, _tenant_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _dbapi_error)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(CredentialDecryptError, _credential_error)
    app.add_exception_handler(Exception, _unexpected)
