"""Mapping of domain and infrastructure errors to HTTP answers, in one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from hugdata.api.dagster_runs import DagsterUnavailable
from hugdata.tenants.errors import (
    CatalogNotReady,
    DuplicateGoldenQuestion,
    GoldenQuestionNotFound,
    InvalidDataSource,
    InvalidGoldenQuestion,
    InvalidProjectId,
    PartitionStoreUnavailable,
    ProjectConflict,
    ProjectNotFound,
    QuestionNotAnswered,
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
}


def _tenant_error(_: Request, exc: Exception) -> JSONResponse:
    code = next((c for kind, c in _TENANT_STATUS.items() if isinstance(exc, kind)), 400)
    return JSONResponse({"detail": str(exc)}, status_code=code)


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    # `input` may echo a submitted password back; keep only location, message and type.
    errors = [{"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
    return JSONResponse(
        {"detail": "invalid request: " + "; ".join(problems), "errors": jsonable_encoder(errors)},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


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
    log.error("database error: %s", type(exc.orig).__name__)
    return JSONResponse({"detail": "internal database error"}, status_code=500)


def _credential_error(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=500)


def _dagster_unavailable(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": str(exc)}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"}
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(DagsterUnavailable, _dagster_unavailable)
    app.add_exception_handler(TenantError, _tenant_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _dbapi_error)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(CredentialDecryptError, _credential_error)
