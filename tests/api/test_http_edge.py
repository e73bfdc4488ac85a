"""The HTTP edge of `hugdata api`: a request head larger than the limit is answered 400 within a second however much
more the client sends, a head that does not arrive in time closes its connection, and /healthz stays fast
throughout."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from tests.helpers import served

HEADER_TIMEOUT_S = 1.0


@pytest.fixture
def edge(clean_platform: ApiRuntime) -> Iterator[tuple[str, int]]:
    settings = clean_platform.settings.model_copy(update={"http_header_timeout_s": HEADER_TIMEOUT_S})
    with served(create_app(runtime=clean_platform), settings) as url:
        parts = urlsplit(url)
        yield str(parts.hostname), int(parts.port or 80)


def _healthz_ms(address: tuple[str, int]) -> float:
    started = time.perf_counter()
    assert httpx.get(f"http://{address[0]}:{address[1]}/healthz", timeout=5).status_code == 200
    return (time.perf_counter() - started) * 1000


def test_a_128_mib_header_is_answered_400_within_a_second_while_healthz_stays_fast(edge: tuple[str, int]) -> None:
    chunk = b"a" * (1024 * 1024)

    def flood(sock: socket.socket) -> None:
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Flood: ")
            for _ in range(128):
                sock.sendall(chunk)
        except OSError:
            pass  # the server closed the connection: what this test wants

    with socket.create_connection(edge, timeout=5) as sock:
        started = time.monotonic()
        sender = threading.Thread(target=flood, args=(sock,), daemon=True)
        sender.start()
        during = [_healthz_ms(edge) for _ in range(5)]
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                part = sock.recv(65536)
                if not part:
                    break
                answer += part
        except ConnectionResetError:
            pass
        took = time.monotonic() - started
        sender.join(10)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert took < 1.0, took
    assert max(during) < 500, during


def test_a_request_head_that_does_not_arrive_in_time_closes_its_connection(edge: tuple[str, int]) -> None:
    with socket.create_connection(edge, timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        assert sock.recv(1024) == b""  # closed by the server, not answered
        waited = time.monotonic() - started
    assert HEADER_TIMEOUT_S * 0.8 < waited < HEADER_TIMEOUT_S + 3
    with socket.create_connection(edge, timeout=10) as idle:  # a connection that sends nothing at all
        started = time.monotonic()
        assert idle.recv(1024) == b""
        assert time.monotonic() - started < HEADER_TIMEOUT_S + 3


def test_kept_alive_connections_keep_serving_requests_that_arrive_whole(edge: tuple[str, int]) -> None:
    with httpx.Client(base_url=f"http://{edge[0]}:{edge[1]}", timeout=5) as client:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            time.sleep(HEADER_TIMEOUT_S * 0.6)  # idle between requests is the keep-alive's business, not the head's
        assert client.get("/healthz", headers={"X-Fine": "b" * 8000}).status_code == 200


def test_options_and_a_wrong_method_name_every_method_the_path_answers(client: TestClient) -> None:
    options = client.options("/v1/projects/42")
    assert options.status_code == 204 and options.headers["allow"] == "DELETE, GET, OPTIONS, PATCH"
    wrong = client.put("/v1/projects", json={})
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, OPTIONS, POST"
    assert wrong.json()["detail"] == "PUT is not allowed on /v1/projects; it answers GET, OPTIONS, POST"
