"""Asking an OpenAI-compatible chat endpoint for SQL, through the `openai` client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from opentelemetry.trace import SpanKind

from hugdata.observability.tracing import span

_FENCE = re.compile(r"```(?:sql)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class LlmAnswer:
    sql: str
    tokens: int


class LlmSqlWriter:
    """Any server that speaks OpenAI's `/chat/completions` (OpenAI, vLLM, Ollama, ...)."""

    def __init__(self, *, base_url: str, model: str, api_key: str, timeout_s: float = 60) -> None:
        from openai import OpenAI

        self._client = OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout_s, max_retries=2)
        self._model = model

    def write(self, messages: list[dict[str, str]]) -> LlmAnswer:
        """The SQL in the model's answer (inside a ```sql fence if it used one) and the tokens it cost."""
        with span("llm chat.completions", kind=SpanKind.CLIENT, attributes={"gen_ai.request.model": self._model}) as s:
            response = self._client.chat.completions.create(model=self._model, messages=messages, temperature=0)  # type: ignore[arg-type]
            tokens = response.usage.total_tokens if response.usage else 0
            if s is not None:
                s.set_attribute("gen_ai.usage.total_tokens", tokens)
        text = response.choices[0].message.content or ""
        fenced = _FENCE.search(text)
        return LlmAnswer(sql=(fenced.group(1) if fenced else text).strip(), tokens=tokens)


@lru_cache(maxsize=8)
def llm_writer(base_url: str, model: str, api_key: str) -> LlmSqlWriter:
    """One writer (and HTTP connection pool) per endpoint and process, instead of a new client per question."""
    return LlmSqlWriter(base_url=base_url, model=model, api_key=api_key)
