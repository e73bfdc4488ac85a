"""Text embedders: the bundled int8 MiniLM ONNX model by default, or any OpenAI-compatible `/embeddings` API."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from hugdata.catalog.local_model import quantized_minilm

MINILM_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8-dynamic"
MINILM_DIMENSIONS = 384
_MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on sequences up to 256 word pieces


class Embedder(Protocol):
    model_id: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX, CPU): mean pooling over the tokens, then L2 normalisation."""

    model_id = MINILM_MODEL_ID
    dimensions = MINILM_DIMENSIONS

    def __init__(self, *, parallel: int | None = None, cache_dir: Path | None = None) -> None:
        # The model loads on the first text (~0.4 s of CPU): a run that embeds nothing, such as a nightly sync whose
        # schemas did not change or the re-run of a source that is gone, never pays for it.
        self._cache_dir = cache_dir
        self._loaded: tuple[Any, Any] | None = None
        self._load_lock = threading.Lock()
        self._parallel = max(1, parallel or os.cpu_count() or 1)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def load(self) -> tuple[Any, Any]:
        """The tokenizer and the ONNX session, loaded on first use (or now, to warm a server up)."""
        if self._loaded is not None:
            return self._loaded
        with self._load_lock:
            if self._loaded is None:
                import onnxruntime
                from tokenizers import Tokenizer

                tokenizer_file = resources.files("hugdata.catalog").joinpath("data/all-MiniLM-L6-v2.tokenizer.json")
                tokenizer = Tokenizer.from_str(tokenizer_file.read_text())
                tokenizer.enable_truncation(max_length=_MAX_TOKENS)
                tokenizer.no_padding()
                options = onnxruntime.SessionOptions()
                # One ONNX thread per text: a few dozen tokens are too little work to split across cores, so
                # parallelism comes from embedding several texts at once (measured here: 228 vs 133 documents/s on
                # 2 cores).
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                session = onnxruntime.InferenceSession(
                    str(quantized_minilm(self._cache_dir)), options, providers=["CPUExecutionProvider"]
                )
                self._loaded = (tokenizer, session)
            return self._loaded

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # One text per model call: the model quantizes activations per tensor, so in a batch a text's vector would
        # depend on its neighbours (and their padding); alone, equal texts always get equal vectors.
        tokenizer, _ = self.load()
        if len(texts) == 1:
            # A search query: encode_batch would hand even one text to the tokenizer's thread pool (a wake-up).
            token_ids = [tokenizer.encode(texts[0]).ids]
        else:
            token_ids = [encoding.ids for encoding in tokenizer.encode_batch(list(texts))]
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if len(token_ids) == 1 or self._parallel == 1:
            for row, ids in enumerate(token_ids):
                out[row] = self._embed_one(ids)
        else:
            # onnxruntime releases the GIL while it computes, so threads use every core.
            for row, vector in enumerate(self._worker_pool().map(self._embed_one, token_ids)):
                out[row] = vector
        return out

    def _worker_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._parallel, thread_name_prefix="minilm")
            return self._pool

    def _embed_one(self, token_ids: list[int]) -> np.ndarray:
        ids = np.asarray([token_ids], dtype=np.int64)
        hidden = self.load()[1].run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)},
        )[0][0]
        pooled = hidden.mean(axis=0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)


class OpenAICompatibleEmbedder:
    """Any server that speaks OpenAI's `/embeddings` (OpenAI, vLLM, Ollama, ...), through the `openai` client."""

    def __init__(
        self, *, base_url: str, model: str, api_key: str, dimensions: int, timeout_s: float = 30, batch_size: int = 128
    ) -> None:
        from openai import OpenAI

        self._client = OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout_s, max_retries=2)
        self.model_id = f"openai-compatible:{model}"
        self._model = model
        self.dimensions = dimensions
        self._batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            response = self._client.embeddings.create(
                model=self._model, input=list(texts[start : start + self._batch_size])
            )
            rows.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), -1)
        if vectors.shape[1] != self.dimensions:
            raise ValueError(
                f"the embedding endpoint returned {vectors.shape[1]} dimensions, expected {self.dimensions}"
            )
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
