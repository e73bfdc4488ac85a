"""Names in a query are matched against the catalog as each server matches them, never with Python's lower()."""

import pytest
from sqlglot import exp

from hugdata.query.identifiers import ascii_lower, catalog_key, written_key

KELVIN = "\u212a"  # lowercases to "k" in Python, to nothing else in PostgreSQL, SQLite or MySQL's table names


def _written(name: str, *, quoted: bool, read: str, kind: str = "relation") -> str:
    return written_key(exp.Identifier(this=name, quoted=quoted), read=read, kind=kind)  # type: ignore[arg-type]


def test_postgresql_folds_unquoted_ascii_names_and_keeps_quoted_ones() -> None:
    assert _written("PUBLIC", quoted=False, read="postgres") == "public"
    assert _written("PUBLIC", quoted=True, read="postgres") == "PUBLIC"  # another schema than public
    assert _written(f"{KELVIN}ey", quoted=False, read="postgres") == f"{KELVIN}ey"  # never "key"
    assert catalog_key("Mixed", read="postgres", kind="relation") == "Mixed"


def test_mysql_table_names_are_exact_and_column_names_ignore_ascii_case() -> None:
    # lower_case_table_names=0: ATK_MARIA and atk_maria are two databases, quoted or not.
    for quoted in (False, True):
        assert _written("ATK_MARIA", quoted=quoted, read="mysqlfamily") != catalog_key(
            "atk_maria", read="mysqlfamily", kind="relation"
        )
    assert _written("Email", quoted=True, read="mysqlfamily", kind="column") == catalog_key(
        "EMAIL", read="mysqlfamily", kind="column"
    )


def test_sqlite_ignores_ascii_case_only() -> None:
    assert _written("ORDERS", quoted=True, read="sqlite") == catalog_key("orders", read="sqlite", kind="relation")
    assert _written(f"{KELVIN}ey", quoted=False, read="sqlite") != catalog_key("key", read="sqlite", kind="relation")


@pytest.mark.parametrize("name", ["ABC", "abc", "Éa", f"{KELVIN}", "İx"])
def test_ascii_lower_changes_only_a_to_z(name: str) -> None:
    lowered = ascii_lower(name)
    assert len(lowered) == len(name)
    assert all(a == b or (b.isascii() and a == b.upper()) for a, b in zip(name, lowered, strict=True))
    assert ascii_lower(f"{KELVIN}") == KELVIN and "\u212a".lower() == "k"
