"""What an ask inside a thread takes from the turns before it: the tables retrieval ranks first, and the last answer
the offline planner refines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hugdata.catalog.retrieval import TableRanking
from hugdata.catalog.semantic import SemanticModel
from hugdata.conversations.frame import RefinementDeclined
from hugdata.conversations.refine import NotARefinement, Refinement, refine
from hugdata.tenants.models import Dialect


@dataclass(frozen=True)
class PastTurn:
    """An earlier turn of the ask's thread that was answered: its question, its SQL (without the row cap) and
    tables."""

    question: str
    sql: str
    tables: list[str]


def with_thread_tables(ranking: TableRanking, history: Sequence[PastTurn]) -> TableRanking:
    """Retrieval's ranking with the tables the thread's last turns read moved to the front: "and by country"
    names nothing retrieval would find, the previous answer's tables are what it refines."""
    recent = [t for turn in history[-2:] for t in turn.tables]
    if not recent:
        return ranking
    first = list(dict.fromkeys(recent))
    return TableRanking([*first, *(t for t in ranking.tables if t not in first)], ranking.hits, ranking.scores)


def refined_followup(
    question: str, history: Sequence[PastTurn], dialect: Dialect, model: SemanticModel, values: Any, probe: Any
) -> Refinement | RefinementDeclined | None:
    """The last turn's SQL changed as the follow-up asks; the reason it cannot be, or None when the question asks
    for no change (it is then planned as a question of its own)."""
    if not history:
        return None
    try:
        return refine(history[-1].sql, question, dialect=dialect, model=model, values=values, probe=probe)
    except NotARefinement:
        return None
    except RefinementDeclined as declined:
        return declined
