"""A follow-up's words read as changes to the previous query: filters ("only from JFK", "excluding rodents", "since
2010"), groupings ("by month instead", "and by country"), the measure ("average instead of total") and order and limit
("top 5", "lowest first", "which one had the most?"). A word that is none of these, and no filler, is named in the
decline: the reader never guesses."""

from __future__ import annotations

from sqlglot import exp

from hugdata.catalog.words import singular, words
from hugdata.conversations.followup_filters import read_filters
from hugdata.conversations.followup_reader import (
    ADDING,
    AGGREGATES,
    FILLER,
    GRAINS,
    HIGH,
    LOW,
    REPLACING,
    ColumnAt,
    FollowUp,
    FollowUpReader,
    GroupChange,
    MeasureChange,
    OrderChange,
    ValueLookup,
    ValueProbe,
)
from hugdata.conversations.frame import QueryFrame, RefinementDeclined
from hugdata.query.planner_terms import Token, tokenize

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


def read_followup(
    text: str, frame: QueryFrame, *, values: ValueLookup | None = None, probe: ValueProbe | None = None
) -> FollowUp:
    """The changes ``text`` asks of ``frame``'s query; RefinementDeclined naming the words it could not place."""
    reader = FollowUpReader(text, frame, values, probe)
    follow = FollowUp(filters=[], groups=[], measure=None, order=None)
    follow.order = _order(reader)
    follow.measure = _measure(reader)
    follow.groups = _groups(reader)
    follow.filters = read_filters(reader)
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


def _order(r: FollowUpReader) -> OrderChange | None:
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


def _names_a_group(r: FollowUpReader, at: list[int]) -> bool:
    """ "which month", "which team": words naming the column (or time bucket) the previous answer groups by."""
    grouped = [c for g in r.frame.groups for c in g.find_all(exp.Column)]
    if len(at) == 1 and r.stems[at[0]] in GRAINS:
        grain = _grain(r, r.stems[at[0]])
        if grain is not None and any(grain[0].same(c) for c in grouped):
            return True
    found = r.column_at(at[0])
    return found is not None and found[1] == at[-1] + 1 and any(found[0].same(c) for c in grouped)


def _measure(r: FollowUpReader) -> MeasureChange | None:
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


def _groups(r: FollowUpReader) -> list[GroupChange]:
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


def _grain(r: FollowUpReader, word: str) -> tuple[ColumnAt, str | None] | None:
    """By month, year or day: a column that is just that (``month``, ``yearid``), else a bucket of the date column."""
    fact = r.frame.fact_entity
    plain = [c for c in fact.columns if [singular(w) for w in words(c.name)] in ([word], [word, "id"])]
    if len(plain) == 1:
        return r.frame.at(fact, plain[0]), None
    dates = [c for c in fact.columns if c.role == "time"]
    if len(dates) == 1:
        return r.frame.at(fact, dates[0]), GRAINS[word]
    return None
