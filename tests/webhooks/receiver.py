"""A local HTTP receiver standing in for Laravel: it checks signatures and records what arrived."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hugdata.webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


@dataclass
class Receiver:
    url: str
    secret: str
    events: list[dict] = field(default_factory=list)
    raw: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    bad_signatures: int = 0
    failing: bool = False  # answer 500 while True, like a receiver that is down


@contextmanager
def webhook_receiver(secret: str) -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            receiver = state["r"]
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.raw.append((body, dict(self.headers.items())))
            if receiver.failing:
                self.send_response(500)
                self.end_headers()
                return
            ok = verify(
                receiver.secret,
                int(self.headers[TIMESTAMP_HEADER]),
                body,
                self.headers[SIGNATURE_HEADER],
                now=int(time.time()),
            )
            if not ok:
                receiver.bad_signatures += 1
                self.send_response(401)
                self.end_headers()
                return
            event = json.loads(body)
            event["_event_id_header"] = self.headers[EVENT_ID_HEADER]
            receiver.events.append(event)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["r"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/hugdata", secret=secret)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state["r"]
    finally:
        server.shutdown()
