"""The offline planner's reading of conditions: a column's value ("orders from Chile"), a bound ("more than 300
seats"), a year ("in 2010", "before 1990"), a boolean flag, and leftover words that are values of a category column
or, probed on the source, of a column with too many values to list."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlglot import exp

from hugdata.catalog.semantic import ColumnSemantics, Entity, SemanticModel
from hugdata.catalog.words import words
from hugdata.query.planner_sql import PlannerDeclined, Reading, column_ref
from hugdata.query.planner_terms import COMPARISONS, Mention, Token, fits_value, is_year, value_literal

# The distinct values of a text column (None when it has too many to be a category), for matching question words.
ValueLookup = Callable[[Entity, ColumnSemantics], Sequence[str] | None]
# How a column of too many values to list holds one: "only", "inside" (also within other values) or "" (not).
ValueProbe = Callable[[Entity, ColumnSemantics, str], str]
_PROBED_WORDS = 2
_PROBED_COLUMNS = 6
_EQUALS = frozenset({"is", "are", "=", "equal", "equals", "to", "of"})
# Words before a year that make it a filter: the year itself, or the years before or after it.
YEAR_CUES = frozenset({"in", "during", "of", "before", "after", "since"})


class FilterReading:
    """Conditions of the question, as WHERE clauses on the fact table (a mixin of the planner)."""

    tokens: list[Token]
    mentions: list[Mention]
    stems: list[str]
    used: set[int]
    model: SemanticModel
    values: ValueLookup | None
    probe: ValueProbe | None

    def _on(self, entity: Entity, mention: Mention) -> ColumnSemantics | None:
        raise NotImplementedError

    def _time_column(self, entity: Entity) -> ColumnSemantics | None:
        raise NotImplementedError

    def _filters(self, reading: Reading) -> None:
        for mention in self.mentions:
            column = self._on(reading.fact, mention) if mention.column is not None else None
            if column is None:
                continue
            ref = column_ref(column.name, "t0")
            value_at = mention.end
            while value_at < len(self.tokens) and self.stems[value_at] in _EQUALS | {"than", "least", "a", "an"}:
                value_at += 1
            comparison = next(
                (COMPARISONS[self.stems[j]] for j in range(mention.end, min(value_at + 1, len(self.tokens)))
                 if self.stems[j] in COMPARISONS),
                None,
            )  # fmt: skip
            before = self._comparison_before(mention.start)
            if comparison is None and before is not None and column.role == "measure":
                # "more than 300 seats": the comparison and its number come before the column they bound.
                self._bound(reading, ref, *before)
                continue
            if comparison is not None:
                value_at = next(
                    (j for j in range(mention.end, len(self.tokens)) if self.tokens[j].number is not None), -1
                )
                if value_at >= 0 and column.role == "measure":
                    self._bound(reading, ref, comparison, value_at)
                continue
            value = self.tokens[value_at] if value_at < len(self.tokens) else None
            known = self._known_values(reading.fact, column)
            said = {k.lower(): v for k, v in column.value_synonyms.items()}
            stored = said.get(value.text.strip("'\"").lower()) if value is not None else None
            if value is not None and value.position not in self.used and stored is not None:
                reading.filters.append(exp.EQ(this=ref, expression=exp.Literal.string(stored)))  # "Germany" = 'DE'
                self.used.add(value.position)
            elif value is not None and value.position not in self.used and fits_value(value, column, known):
                reading.filters.append(exp.EQ(this=ref, expression=value_literal(value, known)))
                self.used.add(value.position)
            elif column.type == "boolean":
                reading.filters.append(exp.EQ(this=ref, expression=exp.true()))
        for i, token in enumerate(self.tokens):
            if token.number is not None and is_year(token.number) and i > 0 and self.stems[i - 1] in YEAR_CUES:
                self._year_filter(reading, token, cue=self.stems[i - 1])
                self.used.update((i - 1, i))

    def _bound(self, reading: Reading, ref: exp.Column, comparison: str, at: int) -> None:
        """``ref`` above (">") or below ("<") the number at position ``at``, which is then used."""
        number = self.tokens[at].number
        assert number is not None
        literal = exp.Literal.number(int(number) if number == int(number) else number)
        compare = exp.GT if comparison == ">" else exp.LT
        reading.filters.append(compare(this=ref, expression=literal))
        self.used.add(at)

    def _comparison_before(self, start: int) -> tuple[str, int] | None:
        """(">" or "<", the number's position) when "more than N", "over N" or "fewer than N" ends right before
        ``start``."""
        at = start - 1
        if at < 1 or self.tokens[at].number is None or at in self.used:
            return None
        cue = at - 2 if self.stems[at - 1] == "than" and at >= 2 else at - 1
        return (COMPARISONS[self.stems[cue]], at) if self.stems[cue] in COMPARISONS else None

    def _year_filter(self, reading: Reading, token: Token, *, cue: str) -> None:
        """ "in 2010" (the whole year), "before 1990", "after 2000", "since 2015" on the fact's date or year column."""
        year = int(token.number or 0)
        others = {m.entity.name: m.entity for m in self.mentions if m.column is None}
        others.pop(reading.fact.name, None)
        for other in others.values():
            if self._time_column(other) is not None or self._year_column(other) is not None:
                # "flights by planes built before 1990": the planes' year or the flights'? Either would be a guess.
                raise PlannerDeclined(
                    f"both {reading.fact.table} and {other.table} have a year: the offline planner cannot tell "
                    f"which one {token.text} is about"
                )
        time_column = self._time_column(reading.fact)
        if time_column is None:
            year_column = self._year_column(reading.fact)
            if year_column is None:
                raise PlannerDeclined(
                    f"{reading.fact.table} has no date, time or year column for the year {token.text}"
                )
            # A year kept as a number, or as four-digit text as a spreadsheet import leaves it (text of four digits
            # orders as the years do).
            literal = exp.Literal.string(str(year)) if year_column.type == "text" else exp.Literal.number(year)
            compare = {"before": exp.LT, "after": exp.GT, "since": exp.GTE}.get(cue, exp.EQ)
            reading.filters.append(compare(this=column_ref(year_column.name, "t0"), expression=literal))
            return
        ref = column_ref(time_column.name, "t0")
        start, end = exp.Literal.string(f"{year}-01-01"), exp.Literal.string(f"{year + 1}-01-01")
        if cue == "before":
            reading.filters.append(exp.LT(this=ref, expression=start))
        elif cue == "after":
            reading.filters.append(exp.GTE(this=ref, expression=end))
        elif cue == "since":
            reading.filters.append(exp.GTE(this=ref, expression=start))
        else:
            reading.filters.append(exp.GTE(this=ref, expression=start))
            reading.filters.append(exp.LT(this=ref.copy(), expression=end))

    @staticmethod
    def _year_column(entity: Entity) -> ColumnSemantics | None:
        """The one column that is just "year" (``year``, ``yearid``, ``fiscal_year`` is not): None when none, or
        several, are."""
        found = [
            c
            for c in entity.columns
            if set((c.label or " ".join(words(c.name))).split()) - {"id", "key"} == {"year"}
            and c.type in ("integer", "text", "float", "numeric")
        ]
        return found[0] if len(found) == 1 else None

    def _known_values(self, entity: Entity, column: ColumnSemantics) -> Sequence[str]:
        if self.values is None or column.type != "text":
            return ()
        return self.values(entity, column) or ()

    def _values(self, reading: Reading) -> None:
        """Leftover words that are values of one of the table's category columns: "cancelled or refunded" orders."""
        # Cue words count too: "paid" names money in "amount paid" but a status in "paid orders".
        open_words = [t for t in self.tokens if t.position not in self.used and not t.plain and t.number is None]
        curated = any(c.value_synonyms for c in reading.fact.columns)
        if not open_words or (self.values is None and not curated):
            return
        # Per word, every column holding it: a word two columns hold ("Rodent" as a genus and as a taxon) is
        # ambiguous, and choosing one would answer another question.
        holders: dict[int, list[tuple[ColumnSemantics, str]]] = {}
        for column in reading.fact.columns:
            if column.role != "dimension" or column.type != "text":
                continue
            known = {v.lower(): v for v in self._known_values(reading.fact, column) if isinstance(v, str)}
            # The tenant's words for stored values: "cancelled" for status 'C'.
            known |= {said.lower(): value for said, value in column.value_synonyms.items()}
            for token in open_words:
                # As written, else as its singular: "hurricanes" are rows whose status is 'hurricane'.
                value = known.get(token.text.strip("'\"").lower()) or (None if token.quoted else known.get(token.stem))
                if value is not None:
                    holders.setdefault(token.position, []).append((column, value))
        for token, column in self._probed(reading.fact, open_words, holders):
            holders.setdefault(token.position, []).append((column, token.text.strip("'\"")))
        matched: dict[str, tuple[ColumnSemantics, list[str]]] = {}
        for position, found_in in holders.items():
            curated_first = [(c, v) for c, v in found_in if c.value_synonyms]
            found_in = curated_first or found_in  # the tenant's own words for a column decide
            if len(found_in) > 1:
                names = " and ".join(c.name for c, _ in found_in)
                raise PlannerDeclined(f"{self.tokens[position].text!r} is a value of {names}: say which is meant")
            column, value = found_in[0]
            matched.setdefault(column.name, (column, []))[1].append(value)
            self.used.add(position)
        for column, found in matched.values():
            ref = column_ref(column.name, "t0")
            literals = [exp.Literal.string(v) for v in found]
            reading.filters.append(
                exp.EQ(this=ref, expression=literals[0])
                if len(literals) == 1
                else exp.In(this=ref, expressions=literals)
            )

    def _probed(
        self, fact: Entity, open_words: list[Token], matched: dict[int, list[tuple[ColumnSemantics, str]]]
    ) -> list[tuple[Token, ColumnSemantics]]:
        """Names the lists did not hold ("from London", "to LAX"): each exact value found in a column of the fact
        with too many values to list. A few words and columns at most: each probe is a query on the source."""
        if self.probe is None:
            return []
        names = [
            t for t in open_words
            if t.position not in matched and t.position not in self.used
            and (t.quoted or (t.position > 0 and t.text[:1].isupper()) or (len(t.text) > 1 and t.text.isupper()))
        ][:_PROBED_WORDS]  # fmt: skip
        listless = [
            c for c in fact.columns
            if c.role == "dimension" and c.type == "text" and not c.numeric_text
            and self.values is not None and self.values(fact, c) is None
        ][:_PROBED_COLUMNS]  # fmt: skip
        found = []
        for token in names:
            for column in listless:
                held = self.probe(fact, column, token.text.strip("'\""))
                if held == "inside":
                    # 'London' and 'Enfield, London': the exact value alone would leave some of what was meant out.
                    raise PlannerDeclined(
                        f"{token.text!r} is a {column.name} and also part of other {column.name} values: "
                        f"say exactly which"
                    )
                if held:
                    found.append((token, column))
        return found
