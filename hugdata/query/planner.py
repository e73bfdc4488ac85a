"""The offline planner: SQL for simple questions from the tenant's semantic model, when no LLM is configured.

It answers counts, lists, top-N, sum/avg/min/max (optionally per a column, a related table or a time bucket) and
simple filters (a column's value, a boolean flag, a numeric comparison, a year). It declines, rather than guesses,
when a question has a word it cannot place on the schema or asks for negation or ratios.
"""

from __future__ import annotations

from collections.abc import Sequence

from hugdata.catalog.semantic import ColumnSemantics, Entity, MetricDefinition, SemanticModel
from hugdata.catalog.words import words
from hugdata.explain.reading import explain
from hugdata.query.planner_facts import additive, is_fact, money_measure
from hugdata.query.planner_filters import YEAR_CUES, FilterReading, ValueLookup, ValueProbe
from hugdata.query.planner_sql import PlannerDeclined, QueryPlan, Reading, join_path, label_columns
from hugdata.query.planner_terms import (
    AGGREGATE_CUES,
    COMPARISONS,
    COUNT_CUES,
    CUE_WORDS,
    DECLINE_CUES,
    GROUP_CUES,
    MONEY_WORDS,
    ORDER_CUES,
    PRICE_WORDS,
    SIZE_ADJECTIVES,
    TIME_BUCKETS,
    TIME_EXTREMES,
    Mention,
    Token,
    find_mentions,
    find_metric,
    is_year,
    tokenize,
)
from hugdata.tenants.models import Dialect

DEFAULT_TOP = 10
_UNREACHABLE = 99
_PHRASE_END = frozenset({"of", "in", "with", "from", "whose", "where", "that", "for", "on", "and"})
# Column names that say a table holds counts already (a "total" of murders, "count" of cases, "n" of a tally);
# a name with more to it (total_episodes_appeared) is a fact about each row.
_TALLY_WORDS = frozenset({"total", "count", "cases", "n", "frequency", "freq", "tally"})


def plan_question(
    question: str,
    model: SemanticModel,
    *,
    dialect: Dialect,
    hints: Sequence[str] = (),
    values: ValueLookup | None = None,
    probe: ValueProbe | None = None,
) -> str:
    """SQL answering ``question`` over ``model`` in the tenant's dialect, or PlannerDeclined with the reason.
    ``values`` lists a category column's values; ``probe`` asks how a column of too many to list holds one."""
    tokens = tokenize(question)
    declined = sorted({t.stem for t in tokens} & DECLINE_CUES)
    if declined:
        raise PlannerDeclined(f"questions with {', '.join(map(repr, declined))} need an LLM")
    mentions = _without_stray_cues(_without_years(find_mentions(tokens, model), tokens), tokens, model)
    metric, span = find_metric(tokens, model)
    if metric is not None:  # the metric's words are its own, not mentions of columns
        mentions = [m for m in mentions if not set(range(m.start, m.end)) & span]
    planner = _Planner(tokens, mentions, model, hints, values, probe, metric=(metric, span) if metric else None)
    sql = planner.read().to_sql(dialect)
    # The words it placed must be words its SQL answers: a mention it dropped ("discontinued" with no filter, "per
    # office" with no grouping) would make the answer another question's.
    unaccounted = explain(sql, dialect=dialect, model=model, question=question).unaccounted
    if unaccounted:
        raise PlannerDeclined(f"the offline planner could not place {', '.join(map(repr, unaccounted))} in its answer")
    return sql


def _without_years(mentions: list[Mention], tokens: list[Token]) -> list[Mention]:
    """ "In 2000" is a year, not a column named 2000 (a table pivoted by year has such columns)."""
    return [
        m
        for m in mentions
        if not (
            m.end - m.start == 1
            and tokens[m.start].number is not None
            and is_year(tokens[m.start].number or 0)
            and m.start > 0
            and tokens[m.start - 1].stem in YEAR_CUES
        )
    ]


def _without_stray_cues(mentions: list[Mention], tokens: list[Token], model: SemanticModel) -> list[Mention]:
    """Drop a cue word read as a column when it modifies the column after it ("total attendance") or names a table
    no named table can reach ("how many pizzas in total" is a count, not murders.total)."""
    named = [m.entity for m in mentions if m.column is None]

    def stray(mention: Mention) -> bool:
        cue = tokens[mention.start].stem in AGGREGATE_CUES.keys() | COUNT_CUES
        if mention.column is None or not cue or mention.end - mention.start > 1:
            return False
        if any(m.start == mention.end and m.column is not None for m in mentions):
            return True  # "total attendance": the cue says what to do with the column after it
        return bool(named) and all(
            m.entity.name != t.name and join_path(model, m.entity, t) is None and join_path(model, t, m.entity) is None
            for m in mentions
            if (m.start, m.end) == (mention.start, mention.end)
            for t in named
        )

    return [m for m in mentions if not stray(m)]


class _Planner(FilterReading):
    def __init__(
        self,
        tokens: list[Token],
        mentions: list[Mention],
        model: SemanticModel,
        hints: Sequence[str],
        values: ValueLookup | None,
        probe: ValueProbe | None = None,
        *,
        metric: tuple[MetricDefinition, set[int]] | None = None,
    ) -> None:
        self.tokens, self.mentions, self.model, self.values, self.probe = tokens, mentions, model, values, probe
        self.metric = metric[0] if metric else None
        self.hints = [h for h in hints if model.entity(h) is not None]
        self.named: frozenset[int] = frozenset(i for m in mentions for i in range(m.start, m.end)) | frozenset(
            metric[1] if metric else ()
        )
        self.used: set[int] = set(self.named)
        self.stems = [t.stem for t in tokens]

    # -- understanding -------------------------------------------------------------------------------------------
    def read(self) -> QueryPlan:
        if self.metric is not None:
            return self._read_metric(self.metric)
        group_mentions, group_bucket = self._group_phrase()
        measure_mention = next(
            (
                m
                for m in self.mentions
                if m.column is not None and m.column.role == "measure" and m not in group_mentions
            ),
            None,
        )
        fact = self._fact(measure_mention, group_mentions)
        reading = Reading(fact=fact)
        counted = self._counted_by_rank()
        if counted is not None and counted.name != fact.name and measure_mention is None:
            # "which department has the most employees": count employees per department.
            reading = Reading(fact=counted, group_entity=fact)
        self._refuse_self_references()
        if measure_mention is not None:
            reading.measure = self._on(fact, measure_mention)
        if reading.measure is None and (MONEY_WORDS - PRICE_WORDS) & set(self.stems):
            reading = self._money_reading(reading)
        elif reading.measure is None and PRICE_WORDS & set(self.stems):
            reading.measure = money_measure(fact)
        self._group(reading, group_mentions, group_bucket)
        # Revenue is a sum of money: the measure counts as named even though no column name was used.
        money_meant = reading.measure is not None and measure_mention is None
        self._aggregate_and_order(reading, measure_named=measure_mention is not None or money_meant)
        self._refuse_counting_observations(reading)
        self._filters(reading)
        self._values(reading)
        self._check_grouping(reading)
        self._leftovers()
        return QueryPlan(reading, self.model)

    def _read_metric(self, metric: MetricDefinition) -> QueryPlan:
        """ "paid revenue per month": the tenant's definition, grouped, filtered, ranked and limited as asked."""
        fact = self.model.entity(metric.entity)
        if fact is None:
            raise PlannerDeclined(f"the metric {metric.name!r} reads {metric.entity}, which the schema no longer has")
        reading = Reading(fact=fact, aggregate="metric", metric=metric)
        group_mentions, group_bucket = self._group_phrase()
        if group_bucket is None and not group_mentions and metric.grain:
            group_bucket = self._default_grain(metric.grain)  # "revenue over time": by the metric's own grain
        self._group(reading, group_mentions, group_bucket)
        free = [s for i, s in enumerate(self.stems) if i not in self.named]
        order = next((ORDER_CUES[s] for s in free if s in ORDER_CUES), None)
        named = next((m.entity for m in self.mentions if m.column is None and m.entity.name != fact.name), None)
        if order is not None and named is not None and not (reading.group_entity or reading.group_column):
            reading.group_entity = named  # "which 3 customers have the most paid revenue"
        if order is not None and (reading.group_entity or reading.group_column):
            reading.order, reading.limit = order, self._top_n() or (1 if self._singular_subject() else DEFAULT_TOP)
        elif reading.time_bucket:
            reading.order = "asc"
        self._filters(reading)
        self._values(reading)
        self._check_grouping(reading)
        self._leftovers()
        return QueryPlan(reading, self.model)

    def _default_grain(self, grain: str) -> str | None:
        """The metric's grain when the question asks for it over time ("over time", "trend"), its words used."""
        free = [i for i in range(len(self.stems)) if i not in self.named]
        over = [i for i in free if i > 0 and self.stems[i - 1 : i + 1] == ["over", "time"]]
        trend = [i for i in free if self.stems[i] == "trend"]
        if not over and not trend:
            return None
        if grain not in TIME_BUCKETS:
            raise PlannerDeclined(f"the metric is read by {grain}, which the offline planner cannot group by")
        self.used.update(trend + over + [i - 1 for i in over])
        return grain

    def _leftovers(self) -> None:
        numbers = [t.text for t in self.tokens if t.number is not None and t.position not in self.used]
        if numbers:
            # "more than 5 customers": a number it did not use would make the answer another question's.
            raise PlannerDeclined(f"the offline planner could not place the number {', '.join(numbers)}")
        leftover = [t.text for t in self.tokens if t.position not in self.used and not self._ignorable(t)]
        if leftover:
            raise PlannerDeclined(
                f"the offline planner cannot place {', '.join(map(repr, leftover))} on the project's schema"
            )

    def _refuse_counting_observations(self, reading: Reading) -> None:
        """ "How many storms" over a table of storm observations: with no key, and names repeated on most rows, its
        rows are not one per thing named, so counting them would answer another question."""
        fact = reading.fact
        if reading.aggregate != "count" or reading.measure is not None:
            return
        if not any(m.column is None and m.entity.name == fact.name for m in self.mentions):
            return
        tally = next(
            (c for c in fact.columns
             if c.role == "measure" and c.type == "integer" and set(words(c.name)) <= _TALLY_WORDS),
            None,
        )  # fmt: skip
        if tally is not None:
            # "How many murders per region" over a table of per-state murder totals: its rows are not the murders.
            raise PlannerDeclined(
                f"{fact.table} holds counts already in its {tally.name} column: ask for the sum of {tally.name}, "
                f"or for the number of {fact.table} rows"
            )
        labels = self._observation_labels(fact)
        if labels:
            names = " and ".join(c.name for c in labels)
            raise PlannerDeclined(
                f"{fact.table} has no key and most of its rows repeat a {names} another row has: its rows are "
                f"records about fewer things, so counting them would not count what the question names"
            )

    def _observation_labels(self, fact: Entity) -> list[ColumnSemantics]:
        """The naming columns of a table whose rows are records about fewer things (storm observations): no key,
        nothing refers to its rows, and each name repeats on most rows. Empty when its rows are things."""
        if fact.primary_key or any(c.unique for c in fact.columns):
            return []
        if any(r.to_entity == fact.name for r in self.model.relationships):
            return []  # other tables refer to its rows: they are things
        labels = [c for c in label_columns(fact) if c.type == "text"]
        return labels if labels and all(c.repeats for c in labels) else []

    def _refuse_self_references(self) -> None:
        """A question like "who reports to whom" pairs rows of one table with rows of the same table: beyond a
        one-table plan."""
        for mention in self.mentions:
            if mention.column is None:
                continue
            for rel in self.model.relationships:
                if rel.from_entity == rel.to_entity == mention.entity.name and mention.column.name in rel.from_columns:
                    raise PlannerDeclined(
                        f"{mention.entity.table}.{mention.column.name} refers to {mention.entity.table} itself; "
                        "pairing its rows with each other needs a self-join"
                    )

    def _money_reading(self, reading: Reading) -> Reading:
        """Revenue, sales or spend: the money measure of the fact table (the many end of the relationships,
        with a date), never a price on a dimension; a named dimension becomes the grouping."""
        own = money_measure(reading.fact)
        if own is not None and is_fact(reading.fact, self.model):
            reading.measure = own
            return reading
        fact = self._money_fact(reading.fact)
        if fact is None:
            if own is None:
                raise PlannerDeclined("no table of the project records amounts of money with a date")
            reading.measure = own
            return reading
        money = Reading(fact=fact, measure=money_measure(fact))
        if fact.name != reading.fact.name and any(
            m.column is None and m.entity.name == reading.fact.name for m in self.mentions
        ):
            money.group_entity = reading.fact  # "top customers by spend": the customers' invoices, summed
        return money

    def _money_fact(self, near: Entity | None) -> Entity | None:
        facts = [e for e in self.model.entities if money_measure(e) is not None and is_fact(e, self.model)]
        if near is not None:
            facts = [e for e in facts if e.name == near.name or join_path(self.model, e, near) is not None] or facts
        if not facts:
            return None
        rank = {name: i for i, name in enumerate(self.hints)}

        def closeness(entity: Entity) -> int:
            return 0 if near is None or entity.name == near.name else self._hops(entity, near)

        return min(facts, key=lambda e: (closeness(e), rank.get(e.name, len(rank)), e.name))

    def _check_grouping(self, reading: Reading) -> None:
        """A question with "per X" or "for each X" asks for one row per X: a plan without a grouping answers
        another question."""
        asks_per = any(s in ("per", "each") and i not in self.named for i, s in enumerate(self.stems))
        grouped = reading.group_column or reading.group_entity or reading.time_bucket
        phrase, _ = self._group_phrase()
        # "average quantity per order item" is per row of the table itself: no grouping needed.
        per_row = bool(phrase) and all(m.column is None and m.entity.name == reading.fact.name for m in phrase)
        labels = self._observation_labels(reading.fact) if per_row and not grouped else []
        if len(labels) == 1 and reading.aggregate not in (None, "count"):
            # "the lowest pressure of each storm" over storm observations: each storm is each name, not each row.
            reading.group_column = (reading.fact, labels[0])
            return
        if labels:
            raise PlannerDeclined(f"each row of {reading.fact.table} is a record, not one of the things it names")
        if asks_per and not grouped and not per_row:
            raise PlannerDeclined("the question asks for one row per something the offline planner could not place")

    def _counted_by_rank(self) -> Entity | None:
        """The table right after "most" or "fewest", as in "the most employees"."""
        for i, stem in enumerate(self.stems):
            if stem in ("most", "fewest", "least") and i not in self.named:
                after = [m for m in self.mentions if m.start == i + 1 and m.column is None]
                if after:
                    return self._best(after)
        return None

    def _ignorable(self, token: Token) -> bool:
        return token.plain or token.stem in CUE_WORDS or token.stem == "year" or token.number is not None

    def _group_phrase(self) -> tuple[list[Mention], str | None]:
        for i, stem in enumerate(self.stems):
            if stem not in GROUP_CUES:
                continue
            phrase: list[Mention] = []
            bucket = None
            for j in range(i + 1, len(self.tokens)):
                if self.stems[j] in _PHRASE_END:
                    break
                if self.stems[j] in TIME_BUCKETS and j not in self.named:
                    bucket = self.stems[j]
                phrase.extend(m for m in self.mentions if m.start == j)
            if stem == "by" and phrase and all(m.column is not None and m.column.role == "measure" for m in phrase):
                continue  # "by total amount": an ordering, not a grouping ("per rating" still groups)
            if phrase or bucket:
                return phrase, bucket
        bucket = next(
            (s for i, s in enumerate(self.stems) if s in ("monthly", "daily", "yearly") and i not in self.named), None
        )
        return [], bucket

    def _fact(self, measure: Mention | None, group: list[Mention]) -> Entity:
        """The table the question counts, sums or lists."""
        if measure is not None:
            near = next((self._best(self._readings(m)) for m in reversed(group)), None)
            readings = self._readings(measure)
            self._refuse_ambiguous_measure(readings, near)
            return self._best(readings, near=near)
        tables = [m for m in self.mentions if m.column is None and m not in group]
        if tables:
            return self._best(self._readings(tables[0]))
        columns = [m for m in self.mentions if m.column is not None and m not in group]
        if columns:
            return self._best(self._readings(columns[0]))
        if group and group[-1].column is not None:
            return self._best(self._readings(group[-1]))  # "total revenue per shipping country"
        if (MONEY_WORDS - PRICE_WORDS) & set(self.stems) and (money := self._money_fact(None)) is not None:
            return money  # "show revenue per month": the table that records sales
        if self.hints:
            entity = self.model.entity(self.hints[0])
            assert entity is not None
            return entity
        raise PlannerDeclined("the question names no table or column of the project's schema")

    def _refuse_ambiguous_measure(self, readings: list[Mention], near: Entity | None) -> None:
        """ "Total attendance in 2019" where teams and homegames both have an attendance: unless a named table or the
        grouping picks one, the two totals differ and choosing would be a guess."""
        # A view repeating a table's column (portal's `complete` over `surveys`) reads the same rows: the table wins.
        tables = {m.entity.name for m in readings if m.entity.kind == "table"} or {m.entity.name for m in readings}
        if len(tables) < 2 or near is not None:
            return
        named = {m.entity.name for m in self.mentions if m.column is None}
        if named & tables:
            return
        reachable = {
            t for t in tables for n in named if self._hops(self.model.entity(t), self.model.entity(n)) < _UNREACHABLE
        }  # type: ignore[arg-type]
        if len(reachable) == 1:
            return
        column = readings[0].column.name if readings[0].column else "it"
        listed = " and ".join(sorted(t.split(".")[-1] for t in tables))
        raise PlannerDeclined(f"{column} is a column of {listed}; name the table the question is about")

    def _readings(self, mention: Mention) -> list[Mention]:
        return [
            m
            for m in self.mentions
            if (m.start, m.end, m.column is None) == (mention.start, mention.end, mention.column is None)
        ]

    def _best(self, readings: list[Mention], near: Entity | None = None) -> Entity:
        """Of equal readings: the table the question names, else the one closest to ``near``, else retrieval's first."""
        named = {m.entity.name for m in self.mentions if m.column is None}
        rank = {name: i for i, name in enumerate(self.hints)}

        def distance(entity: Entity) -> int:
            return self._hops(entity, near) if near is not None else 0

        best = min(
            readings,
            key=lambda m: (m.entity.name not in named, distance(m.entity), rank.get(m.entity.name, len(rank))),
        )
        return best.entity

    def _hops(self, start: Entity, goal: Entity) -> int:
        """Joins from ``start`` to ``goal`` over the relationships; more than any path when none connects them."""
        path = join_path(self.model, start, goal)
        return len(path) if path is not None else _UNREACHABLE

    def _on(self, entity: Entity, mention: Mention) -> ColumnSemantics | None:
        return next((m.column for m in self._readings(mention) if m.entity.name == entity.name), None)

    def _group(self, reading: Reading, group: list[Mention], bucket: str | None) -> None:
        if bucket is not None:
            time_column = self._time_column(reading.fact)
            if time_column is None:
                raise PlannerDeclined(f"{reading.fact.table} has no date or time column to group by {bucket}")
            label = {"%Y-%m": "month", "%Y": "year", "%Y-%m-%d": "day"}[TIME_BUCKETS[bucket]]
            reading.time_bucket = (time_column, TIME_BUCKETS[bucket], label)
            return
        if not group:
            return
        target = group[-1]
        if target.column is None:
            entity = self._best(self._readings(target))
            if entity.name != reading.fact.name:
                reading.group_entity = entity
            return
        choices = self._readings(target)
        same = next((m for m in choices if m.entity.name == reading.fact.name), None)
        chosen = same or min(choices, key=lambda m: self._hops(reading.fact, m.entity))
        assert chosen.column is not None
        named = self._named_by(chosen.entity, chosen.column)
        if named is not None:
            reading.group_entity = named  # "per country" over country_id: the countries' names, not their ids
            return
        reading.group_column = (chosen.entity, chosen.column)

    def _named_by(self, entity: Entity, column: ColumnSemantics) -> Entity | None:
        """The entity a key column points at, when that entity has a name to show instead of the key."""
        for rel in self.model.relationships:
            if rel.from_entity == entity.name and rel.from_columns == [column.name] and rel.to_entity != entity.name:
                target = self.model.entity(rel.to_entity)
                if target is not None and label_columns(target):
                    return target
        return None

    def _time_column(self, entity: Entity) -> ColumnSemantics | None:
        if self.metric is not None and self.metric.time_column and entity.name == self.metric.entity:
            return next((c for c in entity.columns if c.name == self.metric.time_column), None)
        named = [
            m
            for m in self.mentions
            if m.column is not None and m.column.role == "time" and m.entity.name == entity.name
        ]
        if named:
            return named[0].column
        return next((c for c in entity.columns if c.role == "time"), None)

    def _size_adjective(self, reading: Reading) -> str | None:
        """ "oldest", "heaviest" ... when the fact has the column they measure by: that column becomes the measure
        (unless the question names one that is it) and the direction of the ranking is returned."""
        for i, stem in enumerate(self.stems):
            if i in self.named or stem not in SIZE_ADJECTIVES:
                continue
            noun, direction = SIZE_ADJECTIVES[stem]
            if reading.measure is not None:
                # "the longest departure delay": a length, a delay or a duration is long; the named measure's own.
                stretch = stem in ("longest", "shortest") and reading.measure.role == "measure"
                return direction if noun in _column_words(reading.measure) or stretch else None
            column = next((c for c in reading.fact.columns if c.role == "measure" and noun in _column_words(c)), None)
            if column is not None:
                reading.measure = column
                return direction
        return None

    def _aggregate_and_order(self, reading: Reading, *, measure_named: bool = False) -> None:
        free = [s for i, s in enumerate(self.stems) if i not in self.named]
        aggregate = next((AGGREGATE_CUES[s] for s in free if s in AGGREGATE_CUES), None)
        order = next((ORDER_CUES[s] for s in free if s in ORDER_CUES), None)
        if aggregate == "sum" and reading.measure is None and COUNT_CUES & set(free):
            aggregate = None  # "how many pizzas in total", "the total number of flights": a count of rows
        if aggregate is None and self._counts_a_tally(reading):
            aggregate = "sum"  # "how many home runs": the total of the column that counts them, not a count of rows
        sized = self._size_adjective(reading)
        if sized is not None:
            measure_named, order = True, order or sized
            if aggregate in (None, "max", "min"):  # "the oldest" is the greatest age; "heaviest average" stays avg
                aggregate = "max" if sized == "desc" else "min"
        listing = self.stems[:1] in (["list"], ["show"])
        if listing and aggregate != "sum":
            aggregate = None  # "list orders with the highest ..." asks for rows
        if aggregate is None and not listing and self._measure_named_total(reading):
            aggregate = "sum"  # "total amount per country" where the column itself is total_amount
        top = self._top_n()
        which = self.stems[0] in ("which", "who") if self.stems else False
        # "cheapest product" ranks rows; "highest salary" is a MAX unless it asks "which" or for a number of them.
        ranking = order is not None and (top is not None or which or aggregate is None)
        if reading.measure is None and aggregate in ("sum", "avg", "max", "min"):
            measures = [c for c in reading.fact.columns if c.role == "measure"]
            # Its one measure is what the question means only if it names no other table ("highest total order
            # value" of customers is about orders, not the customers' balance).
            others = {m.entity.name for m in self.mentions if m.column is None} - {reading.fact.name}
            if len(measures) == 1 and not others:
                reading.measure = measures[0]
        counting = bool(COUNT_CUES & set(self.stems))
        if ranking:
            reading.order, reading.limit = order, top or (1 if self._singular_subject() else DEFAULT_TOP)
            first_table = next((m.entity for m in self.mentions if m.column is None), None)
            if first_table is not None and first_table.name != reading.fact.name and reading.group_entity is None:
                reading.group_entity = first_table  # "top 10 customers by amount spent on orders"
            if reading.measure is None and not (reading.group_entity or reading.group_column):
                reading.group_column = self._counted_per_column(reading)
            if reading.group_entity or reading.group_column:
                reading.aggregate = "sum" if reading.measure is not None else "count"
            elif reading.measure is None:
                raise PlannerDeclined("the question ranks by something that is not a numeric column")
            return
        if aggregate in ("sum", "avg") and reading.measure is None and not counting:
            raise PlannerDeclined(f"the offline planner could not tell which number the question's {aggregate} is of")
        if aggregate == "avg" and reading.measure is None and counting:
            raise PlannerDeclined("an average of counts (how many per something, on average) needs a subquery")
        if aggregate in ("sum", "avg") and reading.measure is not None:
            reading.aggregate = aggregate
        elif (
            aggregate is None
            and reading.measure is not None
            and (measure_named or reading.group_entity)
            and (reading.group_column or reading.group_entity or reading.time_bucket)
            and not counting
        ):
            # "the store return amount per store": amounts add up; a price or a balance per store is ambiguous.
            # "revenue per size" is a sum even over a price column; "price per size" could be either.
            if not additive(reading.measure) and not (MONEY_WORDS - PRICE_WORDS) & set(free):
                raise PlannerDeclined(f"{reading.measure.name} per group could be a total or an average; say which")
            reading.aggregate = "sum"
        elif aggregate in ("max", "min"):
            about_time = bool(TIME_EXTREMES & set(free)) and sized is None
            column = self._time_column(reading.fact) if about_time else reading.measure
            if column is None:
                raise PlannerDeclined(f"nothing in {reading.fact.table} to take the {aggregate} of")
            reading.measure, reading.aggregate = column, aggregate
        elif counting or reading.group_column or reading.group_entity or reading.time_bucket:
            reading.aggregate = "count"
        if reading.time_bucket:
            reading.order = "asc"

    def _counts_a_tally(self, reading: Reading) -> bool:
        """ "How many [measles] cases": a whole-number column named right after "how many", with no bound on it, is
        what is counted; its rows are not."""
        column = reading.measure
        many = next((i for i, s in enumerate(self.stems) if s == "many" and i not in self.named), None)
        if column is None or many is None or column.type != "integer" or column.role != "measure":
            return False
        mention = next((m for m in self.mentions if m.column == column), None)
        return (
            mention is not None
            and many < mention.start <= many + 2
            and not any(s in COMPARISONS or s == "than" for s in self.stems[mention.end :])
        )

    def _measure_named_total(self, reading: Reading) -> bool:
        if reading.measure is None or "total" not in reading.measure.name.lower():
            return False
        mention = next((m for m in self.mentions if m.column == reading.measure), None)
        return (
            mention is not None
            and self.stems[mention.start] == "total"
            and not any(s in COMPARISONS for s in self.stems[mention.end :])
        )

    def _top_n(self) -> int | None:
        for i, token in enumerate(self.tokens):
            number = token.number
            if number is not None and 1 <= number <= 1000 and number == int(number) and not is_year(number):
                if i > 0 and (self.stems[i - 1] == "than" or self.stems[i - 1] in COMPARISONS):
                    continue  # "more than 300 seats" bounds a column; it is not a number of rows to show
                neighbours = set(self.stems[max(0, i - 2) : i + 3])
                # "which 5 artists have the most albums": a count right before a table, with a ranking anywhere.
                # "which 5 destinations have the most flights": or right before a column the ranking counts per.
                before_table = any(m.start == i + 1 for m in self.mentions)
                ranked = bool(set(self.stems) & ORDER_CUES.keys())
                if neighbours & (ORDER_CUES.keys() | {"top", "first"}) or (before_table and ranked):
                    self.used.add(i)
                    return int(number)
        return None

    def _singular_subject(self) -> bool:
        """Whether the question asks for one row ("which team has", "the oldest baker") or several."""
        asked = self.stems[:1] in (["which"], ["what"], ["who"])
        after = next((m for m in self.mentions if asked and m.start == 1), None)  # "which series had ..."
        subject = after or next((m for m in self.mentions if m.column is None), None)
        if subject is None:
            return False
        last = self.tokens[subject.end - 1]
        if last.text.lower() != last.stem:
            return False
        if not last.stem.endswith("s"):
            return True
        # "series", "species": the same in both numbers; the verb decides, or nothing does.
        verb = self.stems[subject.end] if subject.end < len(self.stems) else ""
        if verb in ("is", "was", "has", "does"):
            return True
        if verb in ("are", "were", "have", "do"):
            return False
        raise PlannerDeclined(f"{last.text!r} may be one or several: ask for the top one or the top few")

    def _counted_per_column(self, reading: Reading) -> tuple[Entity, ColumnSemantics] | None:
        """ "Which 5 destinations have the most flights": the fact's rows counted per a column the question names
        before the ranking, when most rows share its values (per a column of unique values every count is one)."""
        counted = self._counted_by_rank()
        if counted is None or counted.name != reading.fact.name:
            return None
        cue = next((i for i, s in enumerate(self.stems) if s in ORDER_CUES and i not in self.named), None)
        for mention in self.mentions:
            column = self._on(reading.fact, mention) if mention.column is not None else None
            if column is not None and cue is not None and mention.end <= cue and column.role == "dimension":
                return (reading.fact, column) if column.repeats and not column.unique else None
        return None


def _column_words(column: ColumnSemantics) -> set[str]:
    return set(words(column.name)) | set((column.label or "").split())
