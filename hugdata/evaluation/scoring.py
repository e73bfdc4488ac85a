"""Is an answer right? Its rows against the reference query's, with ties for a top-N's last place allowed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hugdata.query.compare import (
    is_ordered,
    order_key_position,
    ordered_up_to_ties,
    ranked_query,
    results_match,
    results_match_up_to_ties,
)

Rows = Sequence[Sequence[Any]]


def answer_is_right(reference_sql: str, dialect: str, actual: Rows, run: Callable[[str], Rows]) -> bool:
    """``actual`` answers the question of ``reference_sql`` (in sqlglot's ``dialect``); ``run`` executes SQL on
    the same source. A top-N that breaks a tie for last place another way than the reference is right too, and so
    is an ordered answer that lists tied rows in another order."""
    expected = run(reference_sql)
    if results_match(expected, actual, ordered=is_ordered(reference_sql, dialect)):
        return True
    key = order_key_position(reference_sql, dialect)
    if key is not None and ordered_up_to_ties(expected, actual, key):
        return True  # rows tied on the ordering key may come in any order
    ranked = ranked_query(reference_sql, dialect)
    if ranked is None:
        return False
    unlimited, limit, key = ranked
    return results_match_up_to_ties(run(unlimited), limit, key, actual)
