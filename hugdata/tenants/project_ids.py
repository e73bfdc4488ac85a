"""The project-ID rule: an ID must be both a Dagster partition key and a Kubernetes label value."""

from __future__ import annotations

import re

from hugdata.tenants.errors import InvalidProjectId

MAX_PROJECT_ID_LENGTH = 63  # Kubernetes label values are capped at 63 characters.

PROJECT_ID_RULE = (
    "a project ID is 1-63 characters of A-Z, a-z, 0-9, '.', '_' and '-', starts and ends with a letter or digit, "
    "and has no '..'"
)

# re.ASCII keeps Unicode digits/letters out; fullmatch avoids `$` accepting a trailing newline.
_PROJECT_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?", re.ASCII)


def is_valid_project_id(value: object) -> bool:
    """True when ``value`` follows the project-ID rule."""
    return isinstance(value, str) and _PROJECT_ID.fullmatch(value) is not None and ".." not in value


def validate_project_id(value: object) -> str:
    """Return ``value`` if it follows the rule, else raise `InvalidProjectId` with the rule in the message."""
    if not is_valid_project_id(value):
        shown = repr(value)[:80]
        raise InvalidProjectId(f"invalid project ID {shown}: {PROJECT_ID_RULE}")
    assert isinstance(value, str)
    return value
