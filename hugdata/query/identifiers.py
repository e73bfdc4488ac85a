"""How each tenant server matches the names a query writes against the names its catalog holds.

Python's ``str.lower()`` is nobody's rule: it folds the Kelvin sign to ``k`` and ``"PUBLIC"`` to ``public`` where
PostgreSQL keeps quoted names as written. The rules here are the servers' own, and where a server would fold a name
in a way not modelled here (non-ASCII letters in single-byte encodings), the names simply do not match: the query is
refused rather than resolved to something the server would read differently.
"""

from __future__ import annotations

from typing import Literal

from sqlglot import exp

NameKind = Literal["relation", "column"]
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(name: str) -> str:
    """``name`` with only A-Z lowered: the folding PostgreSQL applies to unquoted names and SQLite to every name."""
    return name.translate(_ASCII_LOWER)


def catalog_key(name: str, *, read: str, kind: NameKind) -> str:
    """The key under which the server finds the catalog object actually called ``name``."""
    if read == "postgres":
        return name  # the catalog holds the folded spelling; lookups are exact
    if read == "mysqlfamily" and kind == "relation":
        # lower_case_table_names=0 (the Linux default): database and table names are case-sensitive. On servers
        # that fold them the catalog holds lowercase names, which still match themselves exactly.
        return name
    return ascii_lower(name)  # SQLite names, MySQL/MariaDB column names: case-insensitive over ASCII


def written_key(identifier: exp.Identifier | str, *, read: str, kind: NameKind) -> str:
    """The key a name as written in the query resolves under, following ``read``'s folding rules."""
    if isinstance(identifier, str):
        name, quoted = identifier, False
    else:
        name, quoted = identifier.this, bool(identifier.args.get("quoted"))
    if read == "postgres":
        return name if quoted else ascii_lower(name)
    return catalog_key(name, read=read, kind=kind)


def quoted(name: str) -> exp.Identifier:
    """``name`` as an always-quoted identifier, so no server folds it into another object's name."""
    return exp.Identifier(this=name, quoted=True)
