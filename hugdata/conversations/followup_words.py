"""A follow-up's words read as changes to the previous query: filters ("only from JFK", "excluding rodents", "since
2010"), groupings ("by month instead", "and by country"), the measure ("average instead of total") and order and limit
("top 5", "lowest first", "which one had the most?"). A word that is none of these, and no filler, is named in the
decline: the reader never guesses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlglot import exp

from hugdata.catalog.semantic import ColumnSemantics, Entity
from hugdata.catalog.words import singular, words
from hugdata.conversations.frame import ColumnAt, QueryFrame, RefinementDeclined
from hugdata.query.planner_filters import FilterReading
from hugdata.query.planner_terms import STOPWORDS, Token, known_value, tokenize

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


# A follow-up that starts so, or holds one of these words, only makes sense against the answer before it.
_FRAGMENT_STARTS = frozenset(
    {"and", "also", "only", "just", "but", "excluding", "except", "without", "by", "per", "instead", "now", "then",
     "same", "plus", "or", "not", "since", "top", "bottom", "lowest", "highest", "break", "split", "sorted",
     "ordered", "what", "how"}
)  # fmt: skip
_FRAGMENT_WORDS = frozenset({"instead", "that", "those", "them", "it", "ones", "one", "these", "rather"})


def is_fragment(text: str) -> bool:
    """Whether ``text`` reads as a change to the previous answer rather than a question of its own: "only 2025",
    "and by country", "what about 2024?"; a short run of words counts too."""
    tokens = [t for t in tokenize(text) if t.text not in "?.,!"]
    if not tokens:
        return True
    first = tokens[0].text.lower()
    if first in ("what", "how") and not (len(tokens) > 1 and tokens[1].text.lower() == "about"):
        return any(t.text.lower() in _FRAGMENT_WORDS for t in tokens)
    content = [t for t in tokens if not t.plain]
    return first in _FRAGMENT_STARTS or any(t.text.lower() in _FRAGMENT_WORDS for t in tokens) or len(content) <= 2


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


class _Reader:
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
            found = [(e, c) for e, c in self.candidates if span in _phrases(c) and (not numeric or _numeric(c))]
            if len({(e.name, c.name) for e, c in found}) > 1:
                # The query's own tables first: "by team" is the batting row's team, not the team table's.
                own = [(e, c) for e, c in found if e.name in {t.name for t in self.frame.tables.values()}]
                found = own if len(own) == 1 else found
            if len(found) == 1:
                return self.frame.at(*found[0]) if self._reachable(found[0][0]) else _joined(found[0]), end
        return None

    def _reachable(self, entity: Entity) -> bool:
        return any(e.name == entity.name for e in self.frame.tables.values())


def _joined(found: tuple[Entity, ColumnSemantics]) -> ColumnAt:
    return ColumnAt(found[0], found[1], qualifier="?")  # a table the query must join first


def _numeric(column: ColumnSemantics) -> bool:
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


def read_followup(
    text: str, frame: QueryFrame, *, values: ValueLookup | None = None, probe: ValueProbe | None = None
) -> FollowUp:
    """The changes ``text`` asks of ``frame``'s query; RefinementDeclined naming the words it could not place."""
    reader = _Reader(text, frame, values, probe)
    follow = FollowUp(filters=[], groups=[], measure=None, order=None)
    follow.order = _order(reader)
    follow.measure = _measure(reader)
    follow.groups = _groups(reader)
    follow.filters = _filters(reader)
    table_words = {singular(w) for e in frame.tables.values() for w in (e.label or e.table).lower().split()}
    left = [t.text for t in reader.tokens if t.position not in reader.used and not _filler(t, table_words)]
    if left:
        raise RefinementDeclined(
            f"the follow-up could not be applied to the previous answer: {', '.join(repr(w) for w in left)} "
            "could not be placed",
            left,
        )
    return follow


def _filler(token: Token, table_words: set[str]) -> bool:
    return token.text.lower() in FILLER or token.stem in FILLER or token.stem in table_words or token.text in "?.,!"


def _order(r: _Reader) -> OrderChange | None:
    for i, stem in enumerate(r.stems):
        number = r.tokens[i + 1].number if i + 1 < len(r.tokens) else None
        if stem in ("top", "first", "best", "bottom", "last", "worst") and number and number == int(number) < 1000:
            return OrderChange(stem in ("top", "first", "best"), int(number), r.take(i, i + 1))
    if r.stems[:1] and r.stems[0] in ("which", "what"):
        extreme = next((i for i, s in enumerate(r.stems) if s in HIGH | LOW), None)
        if extreme is not None:
            named = [i for i in range(1, extreme) if r.stems[i] not in FILLER]
            if named and not _names_a_group(r, named):
                raise RefinementDeclined(
                    f"the previous answer has no row per {' '.join(r.words(named))} to choose among",
                    r.words(named),
                )
            if named and len(r.frame.groups) > 1:
                # "which month was highest?" over a row per month and country: the highest row is not the month.
                raise RefinementDeclined(
                    f"the previous answer has a row per combination of {len(r.frame.groups)} groupings, not per "
                    f"{' '.join(r.words(named))}: drop a grouping first",
                    r.words(named),
                )
            return OrderChange(r.stems[extreme] in HIGH, 1, r.take(0, extreme, *named))
    for i, stem in enumerate(r.stems):
        if stem in HIGH | LOW and (
            stem in ("ascending", "descending") or (r.free(i + 1) and r.stems[i + 1] == "first")
        ):
            return OrderChange(stem in HIGH, None, r.take(i, *([i + 1] if i + 1 < len(r.stems) else [])))
    return None


def _names_a_group(r: _Reader, at: list[int]) -> bool:
    """ "which month", "which team": words naming the column (or time bucket) the previous answer groups by."""
    grouped = [c for g in r.frame.groups for c in g.find_all(exp.Column)]
    if len(at) == 1 and r.stems[at[0]] in GRAINS:
        grain = _grain(r, r.stems[at[0]])
        if grain is not None and any(grain[0].same(c) for c in grouped):
            return True
    found = r.column_at(at[0])
    return found is not None and found[1] == at[-1] + 1 and any(found[0].same(c) for c in grouped)


def _measure(r: _Reader) -> MeasureChange | None:
    for i, stem in enumerate(r.stems):
        if stem not in AGGREGATES or not r.free(i):
            continue
        function, used = AGGREGATES[stem], [i]
        target = None
        found = r.column_at(i + 1, numeric=True)
        if found is None:
            found = r.column_at(i, numeric=True)  # the aggregate word is part of the column's name
        if found is not None:
            target, end = found
            used += range(i + 1, end)
            if target.qualifier == "?":
                raise RefinementDeclined(f"{target.words} is not in the previous answer's tables", r.words(used))
        nxt = used[-1] + 1
        if nxt + 1 < len(r.stems) and r.stems[nxt] == "instead" and r.stems[nxt + 1] == "of":
            used += [nxt, nxt + 1] + ([nxt + 2] if nxt + 2 < len(r.stems) and r.stems[nxt + 2] in AGGREGATES else [])
        return MeasureChange(function, target, r.take(*used))
    return None


def _groups(r: _Reader) -> list[GroupChange]:
    found = []
    adding = any(s in ADDING for s in r.stems)
    replacing = any(s in REPLACING for s in r.stems)
    for i, stem in enumerate(r.stems):
        if stem not in ("by", "per", "each", "across") or not r.free(i):
            continue
        if r.stems[i + 1 : i + 2] in (["month"], ["year"], ["day"]) and _grain(r, r.stems[i + 1]) is not None:
            target, grain = _grain(r, r.stems[i + 1])  # type: ignore[misc]
            end = i + 2
        else:
            hit = r.column_at(i + 1)
            if hit is None:
                continue  # "made by BOEING": a value, read with the filters
            (target, end), grain = hit, None
        replace = replacing or (bool(r.frame.groups) and not adding)
        found.append(GroupChange(target, grain, replace, r.take(*range(i, end))))
    return found


def _grain(r: _Reader, word: str) -> tuple[ColumnAt, str | None] | None:
    """By month, year or day: a column that is just that (``month``, ``yearid``), else a bucket of the date column."""
    fact = r.frame.fact_entity
    plain = [c for c in fact.columns if [singular(w) for w in words(c.name)] in ([word], [word, "id"])]
    if len(plain) == 1:
        return r.frame.at(fact, plain[0]), None
    dates = [c for c in fact.columns if c.role == "time"]
    if len(dates) == 1:
        return r.frame.at(fact, dates[0]), GRAINS[word]
    return None


def _filters(r: _Reader) -> list[FilterChange]:
    found: list[FilterChange] = []
    negated: list[int] = []
    i = 0
    while i < len(r.tokens):
        token, stem = r.tokens[i], r.stems[i]
        if not r.free(i):
            i += 1
            continue
        if stem in NEGATIONS:
            negated = [i] + ([i + 1] if r.stems[i + 1 : i + 2] == ["out"] else [])
            i += len(negated)
            continue
        number = token.number
        if number is not None and number == int(number) and 1800 <= number <= 2100 and not token.quoted:
            found.append(_year(r, i, int(number)))
            i += 1
            continue
        if stem in MONTHS:
            found.append(_month(r, i))
            i += 1
            continue
        change = _column_number(r, i) or _value(r, i, negated)
        if change is not None:
            r.take(*negated)
            change.words = r.words(negated) + change.words
            found.append(change)
            negated = []
        i += 1
    return found


def _year(r: _Reader, i: int, year: int) -> FilterChange:
    cue = r.stems[i - 1] if i > 0 and r.free(i - 1) else ""
    fact = r.frame.fact_entity
    column = FilterReading._year_column(fact)
    dates = [c for c in fact.columns if c.role == "time"]
    if column is None and len(dates) != 1:
        raise RefinementDeclined(f"{fact.table} has no one date or year column for {year}", [str(year)])
    at = r.frame.at(fact, column or dates[0])
    op = YEAR_CUES.get(cue, "year")
    return FilterChange(at, op, year, r.take(*([i - 1] if cue in YEAR_CUES else []), i))


def _month(r: _Reader, i: int) -> FilterChange:
    fact = r.frame.fact_entity
    plain = [c for c in fact.columns if c.name.lower() == "month" and _numeric(c)]
    if len(plain) != 1:
        raise RefinementDeclined(f"{fact.table} has no month number column for {r.tokens[i].text}", [r.tokens[i].text])
    return FilterChange(r.frame.at(fact, plain[0]), "=", MONTHS.index(r.stems[i]) + 1, r.take(i))


def _column_number(r: _Reader, i: int) -> FilterChange | None:
    """ "series 3", "plot 12": a numeric column named, then its value."""
    hit = r.column_at(i, numeric=True)
    if hit is None:
        return None
    target, end = hit
    number = r.tokens[end].number if end < len(r.tokens) and r.free(end) else None
    if number is None or target.qualifier == "?":
        return None
    return FilterChange(target, "=", int(number) if number == int(number) else number, r.take(*range(i, end + 1)))


def _grouped(r: _Reader, entity: Entity, column: ColumnSemantics) -> bool:
    at = r.frame.at(entity, column)
    return r._reachable(entity) and any(at.same(c) for g in r.frame.groups for c in g.find_all(exp.Column))


def _synonym(token: Token, column: ColumnSemantics) -> str | None:
    """The stored value the tenant's semantic layer says these words mean ("males" for 'M')."""
    said = {k.lower(): v for k, v in column.value_synonyms.items()}
    return said.get(token.text.strip("'\"").lower()) or said.get(token.stem)


def _value(r: _Reader, i: int, negated: list[int]) -> FilterChange | None:
    """The longest run of words that is a stored value of exactly one category column ("tropical storm")."""
    for end in range(min(len(r.tokens), i + 4), i, -1):
        if not all(r.free(k) for k in range(i, end)):
            continue
        text = " ".join(r.tokens[k].text for k in range(i, end))
        if end - i == 1 and (r.tokens[i].plain or r.stems[i] in FILLER) and not r.tokens[i].quoted:
            return None
        token = Token(text=text, stem=" ".join(r.stems[i:end]), position=i)
        hits, unasked = [], []
        for entity, column in r.candidates:
            if column.type != "text" or column.role in ("key", "foreign_key", "time"):
                continue
            known = r.values(entity, column) if r.values else None
            stored = _synonym(token, column) or known_value(token, known or ())
            if stored is None and known is None and _grouped(r, entity, column):
                # A column of too many values to list ("birthcountry") that the answer is grouped by: asked exactly.
                if r.probe is None:
                    unasked.append(column.name)
                elif r.probe(entity, column, text.strip("'\"")):
                    stored = text.strip("'\"")
            if stored is not None:
                hits.append((entity, column, stored))
        if hits and unasked:
            raise RefinementDeclined(
                f"{text!r} may be a value of {', '.join(unasked)}, which could not be checked", [text]
            )
        grouped = [h for h in hits if _grouped(r, h[0], h[1])]
        hits = grouped if len(grouped) == 1 else hits  # "excluding USA" per birth country: the grouped column's
        if len(hits) > 1:
            names = ", ".join(f"{e.table}.{c.name}" for e, c, _ in hits)
            raise RefinementDeclined(f"{text!r} is a value of several columns ({names})", [text])
        if hits:
            entity, column, stored = hits[0]
            at = r.frame.at(entity, column) if r._reachable(entity) else _joined((entity, column))
            return FilterChange(at, "<>" if negated else "=", stored, r.take(*range(i, end)))
    return None
