"""Optional OpenTelemetry tracing, off by default (HUGDATA_TRACING_ENABLED): each API request is a span (joining the
caller's trace when it sends `traceparent`), with children for authentication, every statement sent to the
platform database and the LLM call, exported over OTLP/HTTP. Off, every hook here costs one attribute check.
Spans carry route templates, operations and the project ID, never statements' text or values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from sqlalchemy import Engine, event

from hugdata.config import Settings

_provider: TracerProvider | None = None
_SPAN_KEY = "hugdata_span"


def configure_tracing(settings: Settings, *, processor: SpanProcessor | None = None) -> bool:
    """Start exporting spans if the settings ask for it (``processor`` replaces the OTLP exporter, for tests);
    stop when they do not. True when tracing is on."""
    global _provider
    if _provider is not None:
        _provider.shutdown()
        _provider = None
    if not settings.tracing_enabled:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.tracing_service_name}),
        sampler=ParentBased(TraceIdRatioBased(settings.tracing_sample_ratio)),
    )
    if processor is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        processor = BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.tracing_endpoint))
    provider.add_span_processor(processor)
    _provider = provider
    return True


def tracing_on() -> bool:
    return _provider is not None


@contextmanager
def span(name: str, *, kind: SpanKind = SpanKind.INTERNAL, attributes: Mapping[str, Any] | None = None,
         parent_headers: Mapping[str, str] | None = None) -> Iterator[Span | None]:  # fmt: skip
    """A child of the current span (or of the caller's trace in ``parent_headers``); nothing when tracing is off."""
    if _provider is None:
        yield None
        return
    parent = propagate.extract(dict(parent_headers)) if parent_headers is not None else None
    tracer = _provider.get_tracer("hugdata")
    with tracer.start_as_current_span(name, context=parent, kind=kind, attributes=dict(attributes or {})) as current:
        yield current


def trace_statements(engine: Engine, *, system: str = "postgresql") -> None:
    """A span per statement the engine sends, named by its operation (SELECT, INSERT, ...), never its text."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        if _provider is None or context is None:
            return
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        started = _provider.get_tracer("hugdata").start_span(
            f"db {operation}", kind=SpanKind.CLIENT, attributes={"db.system": system, "db.operation": operation}
        )
        context.__dict__[_SPAN_KEY] = started

    @event.listens_for(engine, "after_cursor_execute")
    def _end(conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
        started = context.__dict__.pop(_SPAN_KEY, None) if context is not None else None
        if started is not None:
            started.end()

    @event.listens_for(engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        context = exception_context.execution_context
        started = context.__dict__.pop(_SPAN_KEY, None) if context is not None else None
        if started is not None:
            started.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
            started.end()
