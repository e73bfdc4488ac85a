"""A local OpenAI-compatible chat server for tests: it answers `POST /v1/chat/completions` from a script.

The real `openai` client talks to it over HTTP, so everything between the platform and an LLM is exercised; only
the model's writing is scripted. Answers come per question (`by_question`, matched against the prompt's
"Question: ..." line) or else from the `answers` queue; `delays` makes chosen questions slow.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_QUESTION = re.compile(r"Question: (.*)\Z", re.DOTALL)


class ScriptedLlm(BaseHTTPRequestHandler):
    """Answers come from a script; requests and their Authorization headers are kept for inspection."""

    answers: list[str] = []
    by_question: dict[str, str] = {}
    delays: dict[str, float] = {}
    requests: list[dict] = []
    auth: list[str] = []

    @classmethod
    def reset(cls) -> None:
        cls.answers, cls.by_question, cls.delays, cls.requests, cls.auth = [], {}, {}, [], []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ScriptedLlm.requests.append(body)
        ScriptedLlm.auth.append(self.headers.get("Authorization", ""))
        question = _question(body)
        if question in ScriptedLlm.delays:
            time.sleep(ScriptedLlm.delays[question])
        if question in ScriptedLlm.by_question:
            content = ScriptedLlm.by_question[question]
        else:
            content = ScriptedLlm.answers.pop(0) if ScriptedLlm.answers else "SELECT 1"
        answer = json.dumps(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


def _question(body: dict) -> str:
    for message in body.get("messages", []):
        if message.get("role") == "user" and (found := _QUESTION.search(message.get("content", ""))):
            return found.group(1).strip()
    return ""


@contextmanager
def scripted_llm() -> Iterator[str]:
    """The server on a free loopback port; yields its base URL (``.../v1``)."""
    ScriptedLlm.reset()
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedLlm)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
