"""Data sources are checked per dialect before anything is stored."""

import pytest

from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.errors import InvalidDataSource
from hugdata.tenants.models import Dialect


def test_server_dialects_get_their_default_port() -> None:
    spec = DataSourceSpec(dialect=Dialect.mariadb, host="db", database="shop", username="r").normalized()
    assert spec.port == 3306
    spec = DataSourceSpec(dialect=Dialect.postgresql, host="db", database="shop", username="r").normalized()
    assert spec.port == 5432


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (DataSourceSpec(dialect=Dialect.postgresql, host="db"), "needs database, username"),
        (DataSourceSpec(dialect=Dialect.sqlite), "needs `path`"),
        (DataSourceSpec(dialect=Dialect.sqlite, path="relative.db"), "absolute path"),
        (DataSourceSpec(dialect=Dialect.sqlite, path="/x.db", password="pw"), "takes only `path`"),
        (DataSourceSpec(dialect=Dialect.mysql, host="db x", database="d", username="u"), "hostname"),
        (DataSourceSpec(dialect=Dialect.mysql, host="db", database="d", username="u", path="/x"), "only for sqlite"),
    ],
)
def test_incomplete_or_mixed_sources_are_rejected(spec: DataSourceSpec, message: str) -> None:
    with pytest.raises(InvalidDataSource, match=message):
        spec.normalized()
