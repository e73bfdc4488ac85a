"""Turning document search hits into ranked tables, and measuring that ranking against a question set."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hugdata.catalog.vector_store import SearchHit


def ranked_tables(hits: Iterable[SearchHit]) -> list[str]:
    """Tables in the order their first document appears among the hits."""
    ranked: list[str] = []
    for hit in hits:
        for table in hit.tables:
            if table not in ranked:
                ranked.append(table)
    return ranked


def recall_at(needed: Iterable[str], ranking: Sequence[str], k: int) -> float:
    """Share of the needed tables among the first ``k`` ranked ones."""
    wanted = set(needed)
    return len(wanted & set(ranking[:k])) / len(wanted) if wanted else 1.0
