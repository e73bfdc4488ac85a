"""schemathesis over the OpenAPI spec, every operation, with an admin token, against the real Dagster stack:
no 5xx and every response matches its documented schema (a bounded number of examples per operation)."""

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime, build_runtime
from hugdata.config import Settings
from tests.conftest import truncate_platform
from tests.helpers import ADMIN_TOKEN, project_body

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
EXAMPLES_PER_OPERATION = 25  # measured clean at 200 per operation (84 s) on 2026-11-26


@pytest.fixture(scope="module")
def fuzzed_app(dagster_url: str, settings: Settings, runtime: ApiRuntime) -> Iterator[FastAPI]:
    truncate_platform(runtime)
    own = build_runtime(settings.model_copy(update={"dagster_graphql_url": dagster_url}))
    app = create_app(runtime=own)
    # A project to find, so generated IDs sometimes hit a real one (schemathesis also reuses examples it saw).
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        assert client.post("/v1/projects", json=project_body("fuzz-known"), headers=ADMIN).status_code == 201
    yield app
    own.close()
    truncate_platform(runtime)


def test_no_operation_answers_5xx_or_off_schema(fuzzed_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 29
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure's report is enough here
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=ADMIN, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # collected per operation: one run reports every failing one
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    print("\n\n".join(failures))
    assert not failures, f"{len(failures)} operations failed; their reports are printed above"
