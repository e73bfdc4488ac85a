"""What `make run` says while it starts: it prepares the local embedding model before it waits on anything, and
says so (once built it is reused without a word); its summary names every registered project, not only the demos."""

from __future__ import annotations

from pathlib import Path

from hugdata.api.runtime import ApiRuntime
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


def test_the_start_up_summary_names_every_registered_project(clean_platform: ApiRuntime) -> None:
    from hugdata.api.app import create_app
    from hugdata.devstack import registered_projects
    from tests.helpers import ADMIN_TOKEN, register, served

    for project_id in ("acme", "demo-shop", "zeta"):
        register(clean_platform, project_id)
    with served(create_app(runtime=clean_platform)) as url:
        assert registered_projects(url, ADMIN_TOKEN) == ["acme", "demo-shop", "zeta"]
        assert registered_projects(url, ADMIN_TOKEN, shown=2) == ["acme", "demo-shop", "and more (GET /v1/projects)"]
        assert registered_projects(url, "wrong-token") == []


def test_run_states_are_said_in_words() -> None:
    from hugdata.dev_progress import run_state_words

    assert run_state_words("NOT_STARTED") == "created, waiting for the queue"
    assert run_state_words("SUCCESS") == "succeeded" and run_state_words("SOMETHING_NEW") == "something new"
