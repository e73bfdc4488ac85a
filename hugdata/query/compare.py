"""Execution accuracy: does an answer's result match the reference result?

Matching is by values, not by SQL text: every reference column must appear among the answer's columns (extra
columns, such as a label next to a count, are fine), the rows must agree as a multiset, and in order when the
reference orders them. Numbers are compared after rounding, so 12.0 and 12 and Decimal("12.00") agree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from itertools import combinations, permutations
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

_PLACES = 4
_MAX_COLUMN_TRIES = 5040  # permutations of up to 7 candidate columns


def normalize(value: Any) -> Any:
    """One comparable form per value: numbers rounded, booleans as 0/1, dates as ISO text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        return round(float(value), _PLACES) + 0.0
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def is_ordered(sql: str, dialect: str) -> bool:
    """Whether the query's outermost SELECT orders its rows."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return False
    return isinstance(tree, exp.Query) and tree.args.get("order") is not None


def results_match(expected: Sequence[Sequence[Any]], actual: Sequence[Sequence[Any]], *, ordered: bool) -> bool:
    """True when ``actual`` holds ``expected``'s rows (reference columns found among its columns)."""
    if len(expected) != len(actual):
        return False
    if not expected:
        return True
    want = [[normalize(v) for v in row] for row in expected]
    got = [[normalize(v) for v in row] for row in actual]
    width = len(want[0])

    def column(rows: list[list[Any]], i: int) -> Counter[Any]:
        return Counter(row[i] for row in rows)

    # Each reference column may map onto any answer column holding the same multiset of values.
    choices = [[j for j in range(len(got[0])) if column(got, j) == column(want, i)] for i in range(width)]
    if any(not c for c in choices):
        return False
    for tried, mapping in enumerate(_assignments(choices), 1):
        if tried > _MAX_COLUMN_TRIES:
            return False
        projected = [[row[j] for j in mapping] for row in got]
        if (projected == want) if ordered else (Counter(map(tuple, projected)) == Counter(map(tuple, want))):
            return True
    return False


def _assignments(choices: list[list[int]]) -> Any:
    """Injective picks, one answer column per reference column."""
    pool = sorted({j for c in choices for j in c})
    for picked in permutations(pool, len(choices)):
        if all(j in c for j, c in zip(picked, choices, strict=True)):
            yield picked


_MAX_TIE_CHOICES = 500


def ranked_query(sql: str, dialect: str) -> tuple[str, int, int] | None:
    """For ``... ORDER BY key LIMIT n`` whose key is one of its output columns: the query without its LIMIT, n and
    the key's position; None for any other query."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return None
    if not isinstance(tree, exp.Select) or not tree.args.get("order") or not tree.args.get("limit"):
        return None
    limit = tree.args["limit"].expression
    order = tree.args["order"].expressions
    if not isinstance(limit, exp.Literal) or len(order) != 1:
        return None
    key = order[0].this
    for position, selected in enumerate(tree.expressions):
        plain = selected.this if isinstance(selected, exp.Alias) else selected
        if plain == key or (isinstance(key, exp.Column) and selected.alias_or_name == key.name):
            unlimited = tree.copy()
            unlimited.set("limit", None)
            return unlimited.sql(dialect=dialect), int(limit.name), position
    return None


def order_key_position(sql: str, dialect: str) -> int | None:
    """For ``... ORDER BY key`` (one key, no LIMIT) whose key is one of its output columns: the key's position."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return None
    if (
        not isinstance(tree, exp.Select)
        or tree.args.get("limit")
        or len(getattr(tree.args.get("order"), "expressions", [])) != 1
    ):
        return None
    key = tree.args["order"].expressions[0].this
    for position, selected in enumerate(tree.expressions):
        plain = selected.this if isinstance(selected, exp.Alias) else selected
        if plain == key or (isinstance(key, exp.Column) and selected.alias_or_name == key.name):
            return position
    return None


def ordered_up_to_ties(expected: Sequence[Sequence[Any]], actual: Sequence[Sequence[Any]], key: int) -> bool:
    """True when ``actual`` holds ``expected``'s rows in its order, rows that tie on the ordering key in any order
    among themselves ("lowest first" where two series have as many episodes)."""
    if len(expected) != len(actual):
        return False
    start = 0
    while start < len(expected):
        end = start
        while end < len(expected) and normalize(expected[end][key]) == normalize(expected[start][key]):
            end += 1
        if not results_match(expected[start:end], actual[start:end], ordered=False):
            return False
        start = end
    return True


def results_match_up_to_ties(
    full: Sequence[Sequence[Any]], limit: int, key: int, actual: Sequence[Sequence[Any]]
) -> bool:
    """True when ``actual`` is one valid answer of a top-``limit`` query whose complete ordered result is ``full``:
    rows ranked above the last place, plus any of the rows tied for it ("the 5 artists with the most albums" when
    the fifth and sixth have as many)."""
    head = list(full[:limit])
    if not head or len(actual) != len(head):
        return results_match(head, actual, ordered=False)
    boundary = normalize(head[-1][key])
    fixed = [row for row in head if normalize(row[key]) != boundary]
    tied = [row for row in full if normalize(row[key]) == boundary]
    for tries, chosen in enumerate(combinations(tied, len(head) - len(fixed)), 1):
        if tries > _MAX_TIE_CHOICES:
            return False
        if results_match([*fixed, *chosen], actual, ordered=False):
            return True
    return False
