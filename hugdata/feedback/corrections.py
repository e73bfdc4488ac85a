"""A corrected SQL sent with a rating: kept only once it passes the same gate as any ask and runs on the source."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from hugdata.query.ask import AskContext, project_source
from hugdata.query.execute import execute_validated
from hugdata.query.validation import QueryRejected, validate_query
from hugdata.tenants.source_engines import open_source_engine
from hugdata.tenants.source_errors import classify_source_error


class CorrectionRefused(ValueError):
    """The corrected SQL is not one safe read of the project's tables, or it failed on the source."""


def check_correction(ctx: AskContext, project_id: str, sql: str) -> None:
    """Validate ``sql`` against the project's model and run it for a row; CorrectionRefused says why not."""
    with ctx.sessions() as session:
        dialect, model, spec = project_source(session, project_id, ctx.vault)
    try:
        validated = validate_query(sql, dialect=dialect, model=model, max_rows=1)
    except QueryRejected as rejected:
        raise CorrectionRefused(f"corrected_sql is refused: {rejected}") from None
    engine = open_source_engine(spec, ctx.limits)
    try:
        execute_validated(engine, validated, max_rows=1, limits=ctx.limits)
    except SQLAlchemyError as exc:
        raise CorrectionRefused(
            f"corrected_sql failed on the project's {classify_source_error(exc, spec).message(spec)}"
        ) from None
    finally:
        engine.dispose()
