"""The embedder a process uses, chosen by settings and loaded once."""

from __future__ import annotations

import threading

from hugdata.catalog.embeddings import Embedder, MiniLMEmbedder, OpenAICompatibleEmbedder
from hugdata.config import Settings

_lock = threading.Lock()
_cache: dict[tuple[str, str | None, str, bool], Embedder] = {}


def embedder_for(settings: Settings, *, interactive: bool = False) -> Embedder:
    """The local MiniLM model, or the configured OpenAI-compatible endpoint; one instance per process and use.

    ``interactive`` is for one short query at a time (API search): a single ONNX thread answers it sooner than a
    thread pool whose hand-offs cost more than they save on a few dozen tokens.
    """
    key = (settings.embedding_provider, settings.embedding_base_url, settings.embedding_model, interactive)
    with _lock:
        if key not in _cache:
            if settings.embedding_provider == "openai":
                if not settings.embedding_base_url:
                    raise ValueError("HUGDATA_EMBEDDING_BASE_URL is required when HUGDATA_EMBEDDING_PROVIDER=openai")
                api_key = settings.embedding_api_key.get_secret_value() if settings.embedding_api_key else ""
                _cache[key] = OpenAICompatibleEmbedder(
                    base_url=settings.embedding_base_url,
                    model=settings.embedding_model,
                    api_key=api_key,
                    dimensions=settings.embedding_dimensions,
                )
            else:
                _cache[key] = MiniLMEmbedder(threads=1) if interactive else MiniLMEmbedder()
        return _cache[key]
