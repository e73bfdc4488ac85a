"""The oracle: an OpenAI-compatible model that answers every public question with its reference SQL, through the
real ask route on every dialect. Whatever a perfect model would get right, the pipeline must not lose: no
reference query refused, every result equal to the reference run on the source directly."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.evaluation.questions import PUBLIC_QUESTIONS
from hugdata.evaluation.reference import reference_sql_for
from hugdata.evaluation.scoring import answer_is_right
from hugdata.query.sql_policy import SQLGLOT_DIALECT
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.source_engines import open_source_engine
from tests.helpers import ADMIN_TOKEN, catalogued
from tests.llm import ScriptedLlm, scripted_llm
from tests.sources import copied_source

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


def _expected(spec: DataSourceSpec, sql: str) -> list[list[object]]:
    engine = open_source_engine(spec)
    try:
        with engine.connect() as conn:
            return [list(row) for row in conn.execute(text(sql.replace(":", r"\:")))]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("schema", "dialect"),
    [("chinook", "sqlite"), ("chinook", "postgresql"), ("chinook", "mariadb"), ("tpch", "sqlite"), ("tpcds", "sqlite")],
)
def test_every_reference_answer_passes_runs_and_matches_through_the_api(
    schema: str,
    dialect: str,
    public_builds: dict[str, Path],
    clean_platform: ApiRuntime,
    settings: Settings,
    llm_url: str,
) -> None:
    update = {"llm_base_url": llm_url, "llm_model": "reference-sql", "llm_api_key": SecretStr("sk-x")}
    runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
    with copied_source(dialect, public_builds[schema]) as spec:
        catalogued(clean_platform, settings.resolved_dagster_home, f"oracle-{schema}", spec)
        misses = []
        with TestClient(create_app(runtime=runtime)) as api:
            for question in PUBLIC_QUESTIONS[schema]:
                sql = reference_sql_for(question.sql, spec.dialect)
                ScriptedLlm.by_question = {question.question: f"```sql\n{sql}\n```"}
                response = api.post(
                    f"/v1/projects/oracle-{schema}/ask",
                    json={"question": question.question, "max_rows": 1000},
                    headers=ADMIN,
                )
                if response.status_code != 200:
                    misses.append((question.question, response.status_code, response.json().get("detail")))
                    continue
                rows = response.json()["rows"]
                if not answer_is_right(sql, SQLGLOT_DIALECT[spec.dialect], rows, lambda q, s=spec: _expected(s, q)):
                    misses.append((question.question, "rows differ", response.json()["rows"][:3]))
    assert misses == []
