"""The public schemas, built once per test session from their packages."""

from pathlib import Path

import pytest

from hugdata.evaluation.public_schemas import PUBLIC_SCHEMAS, public_database


@pytest.fixture(scope="session")
def public_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("public-schemas")
    return {name: public_database(name, folder) for name in PUBLIC_SCHEMAS}
