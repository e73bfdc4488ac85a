"""`make run` prepares the local embedding model before it waits on anything, and says so; once built it is reused
without a word."""

from __future__ import annotations

from pathlib import Path

from hugdata.config import Settings
from hugdata.devstack import _prepare_embedding_model


def test_the_embedding_model_is_prepared_once_and_announced(tmp_path: Path) -> None:
    local = Settings(embedding_provider="local", model_cache_dir=tmp_path / "models", state_dir=tmp_path / "state")
    said: list[str] = []
    _prepare_embedding_model(local, said.append)
    assert said[0].startswith("preparing the local embedding model") and said[-1] == "the embedding model is ready"
    assert [p.suffix for p in (tmp_path / "models").iterdir()] == [".onnx"]
    again: list[str] = []
    _prepare_embedding_model(local, again.append)
    assert again == []
