"""The conditions a follow-up asks for: a year ("only 2025", "since 2010"), a month number ("in March"), a numbered
column ("series 3"), or a stored value of one column ("just JFK", "excluding cancelled"), read on the previous
query's tables and the ones its first table refers to."""

from __future__ import annotations

from sqlglot import exp

from hugdata.catalog.semantic import ColumnSemantics, Entity
from hugdata.conversations.followup_reader import (
    FILLER,
    MONTHS,
    NEGATIONS,
    YEAR_CUES,
    FilterChange,
    FollowUpReader,
    is_numeric,
    joined,
)
from hugdata.conversations.frame import RefinementDeclined
from hugdata.query.planner_filters import FilterReading
from hugdata.query.planner_terms import Token, known_value


def read_filters(r: FollowUpReader) -> list[FilterChange]:
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


def _year(r: FollowUpReader, i: int, year: int) -> FilterChange:
    cue = r.stems[i - 1] if i > 0 and r.free(i - 1) else ""
    fact = r.frame.fact_entity
    column = FilterReading._year_column(fact)
    dates = [c for c in fact.columns if c.role == "time"]
    if column is None and len(dates) != 1:
        raise RefinementDeclined(f"{fact.table} has no one date or year column for {year}", [str(year)])
    at = r.frame.at(fact, column or dates[0])
    op = YEAR_CUES.get(cue, "year")
    return FilterChange(at, op, year, r.take(*([i - 1] if cue in YEAR_CUES else []), i))


def _month(r: FollowUpReader, i: int) -> FilterChange:
    fact = r.frame.fact_entity
    plain = [c for c in fact.columns if c.name.lower() == "month" and is_numeric(c)]
    if len(plain) != 1:
        raise RefinementDeclined(f"{fact.table} has no month number column for {r.tokens[i].text}", [r.tokens[i].text])
    return FilterChange(r.frame.at(fact, plain[0]), "=", MONTHS.index(r.stems[i]) + 1, r.take(i))


def _column_number(r: FollowUpReader, i: int) -> FilterChange | None:
    """ "series 3", "plot 12": a numeric column named, then its value."""
    hit = r.column_at(i, numeric=True)
    if hit is None:
        return None
    target, end = hit
    number = r.tokens[end].number if end < len(r.tokens) and r.free(end) else None
    if number is None or target.qualifier == "?":
        return None
    return FilterChange(target, "=", int(number) if number == int(number) else number, r.take(*range(i, end + 1)))


def _grouped(r: FollowUpReader, entity: Entity, column: ColumnSemantics) -> bool:
    at = r.frame.at(entity, column)
    return r.reads_table(entity) and any(at.same(c) for g in r.frame.groups for c in g.find_all(exp.Column))


def _synonym(token: Token, column: ColumnSemantics) -> str | None:
    """The stored value the tenant's semantic layer says these words mean ("males" for 'M')."""
    said = {k.lower(): v for k, v in column.value_synonyms.items()}
    return said.get(token.text.strip("'\"").lower()) or said.get(token.stem)


def _value(r: FollowUpReader, i: int, negated: list[int]) -> FilterChange | None:
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
        if len(hits) > 1:
            names = ", ".join(f"{e.table}.{c.name}" for e, c, _ in hits)
            raise RefinementDeclined(f"{text!r} is a value of several columns ({names})", [text])
        if hits:
            entity, column, stored = hits[0]
            at = r.frame.at(entity, column) if r.reads_table(entity) else joined((entity, column))
            return FilterChange(at, "<>" if negated else "=", stored, r.take(*range(i, end)))
    return None
