"""What reading a follow-up shares: its cue words, the changes it can ask for, and the reader that places its words
on the previous query's tables and columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hugdata.catalog.semantic import ColumnSemantics, Entity
from hugdata.catalog.words import singular, words
from hugdata.conversations.frame import ColumnAt, QueryFrame
from hugdata.query.planner_terms import STOPWORDS, tokenize

ValueLookup = Callable[[Entity, ColumnSemantics], Sequence[str] | None]
ValueProbe = Callable[[Entity, ColumnSemantics, str], str]

AGGREGATES = {"average": "AVG", "avg": "AVG", "mean": "AVG", "total": "SUM", "sum": "SUM", "maximum": "MAX",
              "max": "MAX", "minimum": "MIN", "min": "MIN", "count": "COUNT"}  # fmt: skip
HIGH = frozenset({"highest", "most", "largest", "biggest", "greatest", "best", "maximum", "top", "descending"})
LOW = frozenset({"lowest", "least", "fewest", "smallest", "worst", "minimum", "bottom", "ascending"})
NEGATIONS = frozenset({"excluding", "exclude", "except", "without", "not", "leaving", "minus"})
ADDING = frozenset({"and", "also", "too", "break", "split", "further", "additionally", "plus"})
REPLACING = frozenset({"instead", "rather"})
GRAINS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip
YEAR_CUES = {"since": ">=", "after": ">", "before": "<", "from": ">=", "until": "<="}
FILLER = STOPWORDS | {
    "only", "just", "ones", "one", "them", "instead", "rather", "than", "first", "now", "then", "also", "too",
    "well", "again", "about", "break", "down", "split", "grouped", "group", "sorted", "ordered", "order", "sort",
    "records", "rows", "results", "entries", "figures", "numbers", "but", "so", "see", "same", "let", "lets",
    "further", "additionally", "plus", "ok", "okay", "can", "could", "would",
}  # fmt: skip


@dataclass
class FilterChange:
    target: ColumnAt
    op: str  # "=", "<>", ">=", ">", "<", "<=", "year"
    value: object
    words: list[str]


@dataclass
class GroupChange:
    target: ColumnAt
    grain: str | None  # a time bucket format over a date column, or None for the column itself
    replace: bool
    words: list[str]


@dataclass
class MeasureChange:
    function: str
    target: ColumnAt | None
    words: list[str]


@dataclass
class OrderChange:
    descending: bool
    limit: int | None
    words: list[str]


@dataclass
class FollowUp:
    filters: list[FilterChange]
    groups: list[GroupChange]
    measure: MeasureChange | None
    order: OrderChange | None

    @property
    def empty(self) -> bool:
        return not (self.filters or self.groups or self.measure or self.order)


class FollowUpReader:
    """The follow-up's tokens, which of them are used, and the columns it may name."""

    def __init__(self, text: str, frame: QueryFrame, values: ValueLookup | None, probe: ValueProbe | None) -> None:
        self.tokens = tokenize(text)
        self.stems = [t.stem for t in self.tokens]
        self.frame, self.values, self.probe = frame, values, probe
        self.used: set[int] = set()
        self.candidates = [(e, c) for e in self._entities() for c in e.columns]

    def _entities(self) -> list[Entity]:
        """The query's tables, then the tables its first table refers to (one hop, many rows to one)."""
        found = list({e.name: e for e in self.frame.tables.values()}.values())
        for link in self.frame.model.relationships:
            parent = self.frame.model.entity(link.to_entity)
            if link.from_entity == self.frame.fact_entity.name and parent and parent not in found:
                found.append(parent)
        return found

    def words(self, at: Sequence[int]) -> list[str]:
        return [self.tokens[i].text for i in at]

    def take(self, *positions: int) -> list[str]:
        self.used.update(positions)
        return self.words(positions)

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.tokens) and i not in self.used

    # Columns named by a run of words: the label, the name's words, a synonym; an aggregate word in front of the label
    # ("average uk viewers" is avg_uk_viewers) and a trailing id or code may be left out.
    def column_at(self, start: int, numeric: bool = False) -> tuple[ColumnAt, int] | None:
        for end in range(min(len(self.tokens), start + 4), start, -1):
            if not all(self.free(i) for i in range(start, end)):
                continue
            span = self.stems[start:end]
            found = [(e, c) for e, c in self.candidates if span in _phrases(c) and (not numeric or is_numeric(c))]
            if len({(e.name, c.name) for e, c in found}) > 1:
                # The query's own tables first: "by team" is the batting row's team, not the team table's.
                own = [(e, c) for e, c in found if e.name in {t.name for t in self.frame.tables.values()}]
                found = own if len(own) == 1 else found
            if len(found) == 1:
                return self.frame.at(*found[0]) if self.reads_table(found[0][0]) else joined(found[0]), end
        return None

    def reads_table(self, entity: Entity) -> bool:
        return any(e.name == entity.name for e in self.frame.tables.values())


def joined(found: tuple[Entity, ColumnSemantics]) -> ColumnAt:
    return ColumnAt(found[0], found[1], qualifier="?")  # a table the query must join first


def is_numeric(column: ColumnSemantics) -> bool:
    return column.type in ("integer", "numeric", "float") or column.numeric_text


def _phrases(column: ColumnSemantics) -> list[list[str]]:
    found = []
    for text in [column.label, " ".join(words(column.name)), *column.synonyms]:
        stems = [singular(w) for w in text.lower().split() if w]
        if not stems:
            continue
        found.append(stems)
        if stems[-1] in ("id", "code", "key", "type") and len(stems) > 1:
            found.append(stems[:-1])
        if stems[0] in AGGREGATES and len(stems) > 1:
            found.append(stems[1:])
    return found
