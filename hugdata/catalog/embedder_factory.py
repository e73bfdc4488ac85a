"""The embedder a process uses, chosen by settings and loaded once."""

from __future__ import annotations

import threading

from hugdata.catalog.embeddings import Embedder, MiniLMEmbedder, OpenAICompatibleEmbedder
from hugdata.config import Settings

_lock = threading.Lock()
_cache: dict[tuple[str, str | None, str], Embedder] = {}


def embedder_for(settings: Settings) -> Embedder:
    """The local MiniLM model, or the configured OpenAI-compatible endpoint; one instance per process."""
    key = (settings.embedding_provider, settings.embedding_base_url, settings.embedding_model)
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
                _cache[key] = MiniLMEmbedder(cache_dir=settings.model_cache_dir)
        return _cache[key]
