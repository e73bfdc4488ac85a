"""The project-ID rule: a Dagster partition key that is also a Kubernetes label value."""

import pytest

from hugdata.tenants.errors import InvalidProjectId
from hugdata.tenants.project_ids import PROJECT_ID_RULE, is_valid_project_id, validate_project_id

VALID = ["42", "a", "acme-shop", "Tenant_7", "v1.2", "0", "9" * 63, "550e8400-e29b-41d4-a716-446655440000"]
INVALID = {
    "empty": "",
    "64 characters": "a" * 64,
    "space": "acme shop",
    "slash": "acme/shop",
    "dot dot": "..",
    "dot dot inside": "a..b",
    "newline": "acme\n",
    "leading newline": "\nacme",
    "non-ascii letter": "café",
    "non-ascii digit": "٤٢",
    "leading dash": "-acme",
    "trailing dash": "acme-",
    "leading dot": ".acme",
    "comma": "a,b",
    "null byte": "a\x00b",
}


@pytest.mark.parametrize("project_id", VALID)
def test_valid_project_ids_are_accepted(project_id: str) -> None:
    assert validate_project_id(project_id) == project_id


@pytest.mark.parametrize("project_id", list(INVALID.values()), ids=list(INVALID))
def test_invalid_project_ids_are_rejected_with_the_rule(project_id: str) -> None:
    with pytest.raises(InvalidProjectId) as raised:
        validate_project_id(project_id)
    assert PROJECT_ID_RULE in str(raised.value)


def test_non_strings_are_not_project_ids() -> None:
    assert not is_valid_project_id(42)
    assert not is_valid_project_id(None)
