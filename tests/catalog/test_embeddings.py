"""Embedders: the bundled MiniLM model, and an OpenAI-compatible server reached over HTTP by the openai client."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from hugdata.catalog.embedder_factory import embedder_for
from hugdata.catalog.embeddings import MiniLMEmbedder, OpenAICompatibleEmbedder
from hugdata.config import Settings


def test_minilm_vectors_are_unit_length_and_order_independent() -> None:
    model = MiniLMEmbedder()
    texts = ["number of orders per customer", "a", "salary of each employee in the engineering department"]
    vectors = model.embed(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    one_by_one = np.vstack([model.embed([t]) for t in texts])
    assert np.array_equal(vectors, one_by_one)  # a text's vector never depends on the texts embedded with it


def test_minilm_places_paraphrases_closer_than_unrelated_text() -> None:
    a, b, c = MiniLMEmbedder().embed(
        ["how many orders did each customer place", "order count per customer", "annual salary of employees"]
    )
    assert float(a @ b) > float(a @ c) + 0.3


class _EmbeddingsServer(BaseHTTPRequestHandler):
    """Speaks OpenAI's POST /v1/embeddings; vectors are a fixed function of the text, unnormalized."""

    dims = 8
    seen_auth: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen_auth.append(self.headers.get("Authorization", ""))
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(text) + k) for k in range(self.dims)]}
            for i, text in enumerate(body["input"])
        ]
        data.reverse()  # the client must restore input order from `index`
        payload = json.dumps(
            {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def embeddings_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EmbeddingsServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_openai_compatible_embedder_keeps_order_normalizes_and_sends_the_key(embeddings_server: str) -> None:
    embedder = OpenAICompatibleEmbedder(
        base_url=embeddings_server, model="test-embed", api_key="sk-test-123", dimensions=8, batch_size=2
    )
    vectors = embedder.embed(["a", "abc", "abcdef"])
    assert vectors.shape == (3, 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    expected = np.array([len("abc") + k for k in range(8)], dtype=np.float32)
    assert np.allclose(vectors[1], expected / np.linalg.norm(expected), atol=1e-6)
    assert _EmbeddingsServer.seen_auth[-1] == "Bearer sk-test-123"
    assert embedder.model_id == "openai-compatible:test-embed"


def test_wrong_dimension_from_the_endpoint_is_an_error(embeddings_server: str) -> None:
    embedder = OpenAICompatibleEmbedder(base_url=embeddings_server, model="m", api_key="", dimensions=16)
    with pytest.raises(ValueError, match="returned 8 dimensions, expected 16"):
        embedder.embed(["x"])


def test_settings_choose_the_provider(embeddings_server: str) -> None:
    settings = Settings(
        embedding_provider="openai", embedding_base_url=embeddings_server, embedding_model="m2", embedding_dimensions=8
    )
    embedder = embedder_for(settings)
    assert isinstance(embedder, OpenAICompatibleEmbedder) and embedder.dimensions == 8
    with pytest.raises(ValueError, match="HUGDATA_EMBEDDING_BASE_URL"):
        embedder_for(Settings(embedding_provider="openai", embedding_model="other"))
