"""Batch runs through the API, on a real Dagster: the onboarding batch, the nightly batch and the re-run of a project
that failed in it are each listed for their projects and readable with their keys, each project seeing only its own
part: status, cause and its own steps."""

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hugdata.api.dagster_runs import CODE_LOCATION, REPOSITORY
from hugdata.api.runtime import ApiRuntime
from hugdata.platform.automation import SCHEMA_SYNC_BATCH_JOB, member_tag
from tests.api.with_dagster.test_runs import ADMIN, _register, _sqlite
from tests.helpers import wait_until

pytestmark = pytest.mark.e2e
CATALOG = ["database_schema", "semantic_model", "schema_vector_index"]


def _assets_ready(api: TestClient, project_id: str, key: dict[str, str]) -> bool:
    states = api.get(f"/v1/projects/{project_id}/assets", headers=key).json()
    return all(s["status"] == "materialized" for s in states[:3])


def test_a_project_key_sees_a_batch_run_only_as_its_own_part(
    dagster_api: TestClient, dagster_runtime: ApiRuntime, tmp_path: Path
) -> None:
    api = dagster_api
    broken = tmp_path / "broken.sqlite"
    shutil.copy(_sqlite(tmp_path, 1)["path"], broken)
    key_ok = _register(api, "bat-ok", _sqlite(tmp_path, 0))
    key_broken = _register(api, "bat-broken", {"dialect": "sqlite", "path": str(broken)})
    key_out = _register(api, "bat-out", _sqlite(tmp_path, 2))
    for project_id, key in (("bat-ok", key_ok), ("bat-broken", key_broken)):
        wait_until(lambda p=project_id, k=key: _assets_ready(api, p, k), what=f"{project_id} onboarded")
    for project_id, key in (("bat-ok", key_ok), ("bat-broken", key_broken)):
        # The first run, batched with the other or not, is listed for the project and readable with its key.
        first = api.get(f"/v1/projects/{project_id}/assets", headers=key).json()[0]["last_run_id"]
        assert first in [r["run_id"] for r in api.get(f"/v1/projects/{project_id}/runs", headers=key).json()["items"]]
        read = wait_until(
            lambda f=first, k=key: (r := api.get(f"/v1/runs/{f}", headers=k).json())["status"] == "SUCCESS" and r,
            what="the onboarding run to finish",
        )
        assert read["project_id"] == project_id  # type: ignore[index]
        assert [(s["asset"], s["status"]) for s in read["steps"]] == [(a, "SUCCESS") for a in CATALOG]  # type: ignore[index]
    broken.unlink()  # its source is gone by the night
    tags = {"hugdata/tier": "enterprise", "hugdata/batch": "nightly", member_tag("bat-ok"): "1"}
    tags[member_tag("bat-broken")] = "1"
    run_id = dagster_runtime.dagster_runs._client.submit_job_execution(
        SCHEMA_SYNC_BATCH_JOB, repository_location_name=CODE_LOCATION, repository_name=REPOSITORY, tags=tags
    )
    wait_until(
        lambda: api.get(f"/v1/runs/{run_id}", headers=ADMIN).json()["status"] in ("SUCCESS", "FAILURE"),
        what="the batch finished",
    )
    batch = api.get(f"/v1/runs/{run_id}", headers=ADMIN).json()
    assert batch["status"] == "FAILURE"

    ok = api.get(f"/v1/runs/{run_id}", headers=key_ok)
    assert ok.status_code == 200
    assert ok.json()["project_id"] == "bat-ok" and ok.json()["status"] == "SUCCESS" and ok.json()["failure"] is None
    assert "bat-broken" not in ok.text
    # The batch's one op covers every asset: the project sees its own three steps, with their times.
    assert [(s["asset"], s["status"]) for s in ok.json()["steps"]] == [(a, "SUCCESS") for a in CATALOG]
    assert all(s["started_at"] <= s["ended_at"] for s in ok.json()["steps"])
    listed = api.get("/v1/projects/bat-ok/runs", headers=key_ok).json()["items"]
    assert [r["status"] for r in listed if r["run_id"] == run_id] == ["SUCCESS"]

    failed = wait_until(
        lambda: (r := api.get(f"/v1/runs/{run_id}", headers=key_broken).json())["failure"] and r,
        what="the broken project's cause",
    )
    assert failed["project_id"] == "bat-broken" and failed["status"] == "FAILURE"
    assert "bat-broken" in failed["failure"]["cause"] and "bat-ok" not in str(failed)
    assert [(s["asset"], s["status"]) for s in failed["steps"]] == [
        ("database_schema", "FAILURE"), ("semantic_model", "SKIPPED"), ("schema_vector_index", "SKIPPED")
    ]  # fmt: skip
    assert (
        "bat-broken" in failed["steps"][0]["cause"] and failed["steps"][1]["cause"] == "not run: database_schema failed"
    )

    # Not in the batch: it cannot learn the run exists, let alone cancel it.
    assert api.get(f"/v1/runs/{run_id}", headers=key_out).status_code == 404
    assert api.post(f"/v1/runs/{run_id}/cancel", headers=key_out).status_code == 404
    assert run_id not in api.get("/v1/projects/bat-out/runs", headers=key_out).text
    # The broken project is re-run on its own, as its own single-project run, whose failed step says why.
    rerun = wait_until(
        lambda: next(
            (
                r
                for r in api.get("/v1/projects/bat-broken/runs", headers=key_broken).json()["items"][:3]
                if r["created_at"] > batch["created_at"] and r["job"] == "schema_sync" and r["status"] == "FAILURE"
            ),
            None,
        ),
        what="the broken project's own re-run",
    )
    steps = api.get(f"/v1/runs/{rerun['run_id']}", headers=key_broken).json()["steps"]  # type: ignore[index]
    assert steps[0]["asset"] == "database_schema" and steps[0]["status"] == "FAILURE"
    assert "bat-broken" in steps[0]["cause"]

    # Offboarding one project keeps the batch for the other and leaves nothing of it to a new tenant of that ID.
    assert api.delete("/v1/projects/bat-ok", headers=ADMIN).status_code == 200
    assert api.get(f"/v1/runs/{run_id}", headers=ADMIN).status_code == 200
    assert api.get(f"/v1/runs/{run_id}", headers=key_broken).json()["project_id"] == "bat-broken"
    key_new = _register(api, "bat-ok", _sqlite(tmp_path, 0))
    assert api.get(f"/v1/runs/{run_id}", headers=key_new).status_code == 404
    assert run_id not in api.get("/v1/projects/bat-ok/runs", headers=key_new).text
