"""The API's HTTP server: uvicorn on the h11 protocol, with a bounded request head and a deadline to send it.

uvicorn's default httptools protocol has no header size limit: a 128 MiB header held the event loop for ~20 s while
every other request waited. h11 refuses a request head longer than `HUGDATA_HTTP_MAX_HEADER_BYTES` (400) as soon as
the buffer passes it, and this protocol closes a connection that has not sent a whole head within
`HUGDATA_HTTP_HEADER_TIMEOUT_S`. The chart's ingress should bound both as well (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from hugdata.config import Settings, get_settings


class HeadDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol that closes a connection whose request head is not complete ``head_timeout_s`` after
    its first byte (or after the connection opened)."""

    head_timeout_s: float = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._head_timer is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of a new request head on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def server_config(app: Any, *, settings: Settings, host: str, port: int, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration every API process runs with; ``options`` are uvicorn's own (factory, log_level)."""
    protocol = type("BoundedHeadProtocol", (HeadDeadlineProtocol,), {"head_timeout_s": settings.http_header_timeout_s})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        h11_max_incomplete_event_size=settings.http_max_header_bytes,
        **options,
    )


def serve(*, host: str, port: int, access_log: bool = True, log_level: str = "info") -> None:
    """Run the API (`hugdata api`) until it is told to stop."""
    config = server_config(
        "hugdata.api.app:create_app",
        settings=get_settings(),
        host=host,
        port=port,
        factory=True,
        access_log=access_log,
        log_level=log_level,
    )
    uvicorn.Server(config).run()
