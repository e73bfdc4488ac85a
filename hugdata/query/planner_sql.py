"""The offline planner's SQL: what it understood of a question (a Reading), written as a query in the tenant's
dialect with sqlglot, joining along the semantic model's relationships."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from hugdata.catalog.semantic import ColumnSemantics, Entity, MetricDefinition, SemanticModel
from hugdata.catalog.words import singular, words
from hugdata.query.bridges import bridges_between
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.tenants.models import Dialect


class PlannerDeclined(ValueError):
    """The planner cannot answer this question safely; the message says why."""


@dataclass
class Reading:
    """What the planner understood, before it becomes SQL."""

    fact: Entity
    aggregate: str | None = None  # count, sum, avg, min, max
    measure: ColumnSemantics | None = None
    group_column: tuple[Entity, ColumnSemantics] | None = None
    group_entity: Entity | None = None
    time_bucket: tuple[ColumnSemantics, str, str] | None = None  # column, format, label
    filters: list[exp.Expression] = field(default_factory=list)
    order: str | None = None
    limit: int | None = None
    metric: MetricDefinition | None = None  # a tenant's metric: its expression and filters, expanded


def join_path(
    model: SemanticModel, start: Entity, goal: Entity, max_hops: int = 3
) -> list[tuple[str, str, str, str]] | None:
    """Join steps (from table, from column, to table, to column) from ``start`` to ``goal``, each from a row to the
    one row it refers to: a path that never fans out, so a count or a sum over ``start`` stays one per its row
    (two sales tables joined through a shared date table would multiply both)."""
    edges: dict[str, list[tuple[str, str, str, str]]] = {}
    for rel in model.relationships:
        if rel.confidence < 0.6 or len(rel.from_columns) != 1 or rel.from_entity == rel.to_entity:
            continue
        edges.setdefault(rel.from_entity, []).append(
            (rel.from_entity, rel.from_columns[0], rel.to_entity, rel.to_columns[0])
        )
    queue: deque[tuple[str, list[tuple[str, str, str, str]]]] = deque([(start.name, [])])
    seen = {start.name}
    while queue:
        name, path = queue.popleft()
        if name == goal.name:
            return path
        if len(path) >= max_hops:
            continue
        for step in edges.get(name, []):
            if step[2] not in seen:
                seen.add(step[2])
                queue.append((step[2], [*path, step]))
    return None


def bridge_path(model: SemanticModel, start: Entity, goal: Entity) -> list[tuple[str, str, str, str]] | None:
    """Join steps from ``start`` through the one bridge table that refers to both ``start`` and ``goal``
    (``item`` <- ``item_tag`` -> ``tag``): a many-to-many path. It fans out, so only a count of distinct
    ``start`` rows may be taken over it. None when no bridge, or more than one, joins them."""
    found = bridges_between(model, start.name, goal.name)
    if len(found) != 1:
        return None
    bridge = found[0]
    return [
        (start.name, bridge.left.to_columns[0], bridge.table, bridge.left.from_columns[0]),
        (bridge.table, bridge.right.from_columns[0], goal.name, bridge.right.to_columns[0]),
    ]


def label_columns(entity: Entity) -> list[ColumnSemantics]:
    """The columns a person reads to tell rows apart: names and titles, else a description, else an email, else
    the key."""
    if entity.label_column is not None:  # the tenant said what names a row
        chosen = [c for c in entity.columns if c.name == entity.label_column]
        if chosen:
            return chosen
    text = [c for c in entity.columns if c.type == "text" and not c.numeric_text]
    named = [c for c in text if "name" in c.name.lower() or "title" in c.name.lower()]
    if named:
        return named[:2]
    # A column named after the table's own thing (``bakers.baker``, ``baker_full``) is what its rows are called.
    thing = singular(words(entity.table)[-1]) if words(entity.table) else ""
    own = [c for c in text if c.role != "foreign_key" and thing and thing in {singular(w) for w in words(c.name)}]
    if own:
        return own[:2]
    described = [c for c in text if c.name.lower().endswith(("desc", "description", "label"))]
    if described:
        return described[:1]
    email = [c for c in text if "email" in c.name.lower()]
    if email:
        return email[:1]
    # A readable business identifier (TPC-DS's wp_web_page_id beside its surrogate key wp_web_page_sk).
    codes = [c for c in text if c.role != "foreign_key" and c.name.lower().endswith(("_id", "_code", "code"))]
    if codes:
        return codes[:1]
    return [c for c in entity.columns if c.name in entity.primary_key] or entity.columns[:1]


class QueryPlan:
    def __init__(self, reading: Reading, model: SemanticModel) -> None:
        self.reading, self.model = reading, model
        self.distinct_key: str | None = None  # set when a count crosses a many-to-many bridge

    def to_sql(self, dialect: Dialect) -> str:
        r = self.reading
        query = exp.select().from_(_table(r.fact.name).as_("t0"))
        aliases = {r.fact.name: "t0"}
        target = r.group_entity or (r.group_column[0] if r.group_column else None)
        self.distinct_key = None
        if target is not None and target.name != r.fact.name:
            path = join_path(self.model, r.fact, target)
            if path is None:
                path = self._through_bridge(target)
            for from_table, from_column, to_table, to_column in path:
                alias = f"t{len(aliases)}"
                aliases[to_table] = alias
                on = column_ref(from_column, aliases[from_table]).eq(column_ref(to_column, alias))
                query = query.join(_table(to_table).as_(alias), on=on)
        value = self._aggregate_expression(dialect)
        filters = [*r.filters, *(_on_t0(f, dialect) for f in (r.metric.filters if r.metric else []))]
        if r.time_bucket is not None:
            column, fmt, label = r.time_bucket
            bucket = exp.TimeToStr(this=column_ref(column.name, "t0"), format=exp.Literal.string(fmt))
            query = query.select(exp.alias_(bucket, label)).group_by(exp.column(label))
            query = query.select(value).order_by(exp.column(label))
        elif r.group_entity is not None:
            alias = aliases[r.group_entity.name]
            labels = [column_ref(c.name, alias) for c in label_columns(r.group_entity)]
            # A key-less table's identifying column (the end of the relationship that reached it) stands in for its key.
            key_names = r.group_entity.primary_key or self._identifying(r.group_entity)
            keys = [column_ref(k, alias) for k in key_names]
            # The key beside the label: two customers may share a name, and a caller may want to link the row.
            shown = [k for k in keys if k.name not in {c.name for c in labels}]
            grouped = list({c.sql(): c for c in [*keys, *labels]}.values())  # a key that is its own label, once
            query = query.select(*shown, *labels, value).group_by(*grouped)
        elif r.group_column is not None:
            entity, column = r.group_column
            ref = column_ref(column.name, aliases[entity.name])
            query = query.select(ref, value).group_by(ref)
        elif r.aggregate is not None and r.order is None:
            query = query.select(value)
        elif r.order is not None:
            labels = [column_ref(c.name, "t0") for c in label_columns(r.fact)]
            query = query.select(*labels, self._measure_ref(shown=True))
        else:
            query = query.select(exp.Star())
        if filters:
            query = query.where(exp.and_(*filters))
        if r.order is not None and r.time_bucket is None:
            sort = exp.alias_(value, "value") if r.aggregate else None
            key = exp.column("value") if sort is not None else self._measure_ref()
            if sort is not None:
                query.set("expressions", [*query.expressions[:-1], sort])
            query = query.order_by(exp.Ordered(this=key, desc=r.order == "desc"))
        if r.limit is not None:
            query = query.limit(r.limit)
        return query.sql(dialect=sqlglot_dialect(dialect))

    def _identifying(self, entity: Entity) -> list[str]:
        ends = {
            r.to_columns[0] for r in self.model.relationships if r.to_entity == entity.name and len(r.to_columns) == 1
        }
        return sorted(ends)[:1] if len(ends) == 1 else []

    def _through_bridge(self, target: Entity) -> list[tuple[str, str, str, str]]:
        r = self.reading
        path = bridge_path(self.model, r.fact, target)
        if path is None:
            raise PlannerDeclined(f"no known relationship joins {r.fact.table} to {target.table}")
        if r.aggregate not in (None, "count") or r.group_entity is None and r.group_column is None:
            # Over a many-to-many path a sum would count a row once per partner: only counting is safe.
            raise PlannerDeclined(f"{r.fact.table} and {target.table} are linked many-to-many; only counts are safe")
        if len(r.fact.primary_key) != 1:
            raise PlannerDeclined(f"{r.fact.table} has no single key to count its rows once across {target.table}")
        self.distinct_key = r.fact.primary_key[0]
        return path

    def _measure_ref(self, *, shown: bool = False) -> exp.Expression:
        """The measure as a number: numbers stored as text sort as text ('99' above '280') unless cast; ``shown``
        keeps the column's name on the cast."""
        measure = self.reading.measure
        assert measure is not None
        ref = column_ref(measure.name, "t0")
        if not measure.numeric_text:
            return ref
        return exp.alias_(_as_number(ref), measure.name) if shown else _as_number(ref)

    def _aggregate_expression(self, dialect: Dialect) -> exp.Expression:
        r = self.reading
        if r.metric is not None:
            return _on_t0(r.metric.expression, dialect)
        if r.aggregate in (None, "count"):
            if self.distinct_key is not None:
                return exp.Count(this=exp.Distinct(expressions=[column_ref(self.distinct_key, "t0")]))
            return exp.Count(this=exp.Star())
        assert r.measure is not None
        ref: exp.Expression = column_ref(r.measure.name, "t0")
        if r.measure.numeric_text:
            # Numbers stored as text: PostgreSQL refuses SUM(text), MySQL would add up their prefixes, and MAX
            # compares text ('99' after '280').
            ref = _as_number(ref)
        return {"sum": exp.Sum, "avg": exp.Avg, "max": exp.Max, "min": exp.Min}[r.aggregate](this=ref)


def _on_t0(sql: str, dialect: Dialect) -> exp.Expression:
    """A curated metric's expression or filter, its columns read from the fact table (alias t0)."""
    tree = sqlglot.parse_one(sql, read=sqlglot_dialect(dialect))
    for column in tree.find_all(exp.Column):
        column.set("table", exp.to_identifier("t0"))
        column.set("db", None)
    return tree


def _as_number(ref: exp.Expression) -> exp.Expression:
    return exp.Cast(this=ref, to=exp.DataType.build("double"))


_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")


def identifier(name: str) -> exp.Identifier:
    """A name as written in the tenant's database: quoted unless it is plain lower case, since PostgreSQL folds an
    unquoted ``InvoiceDate`` to ``invoicedate`` (quoting is harmless on SQLite and MySQL)."""
    return exp.to_identifier(name, quoted=not _PLAIN.match(name))


def column_ref(name: str, table: str) -> exp.Column:
    """``table.name`` with the column quoted as it must be (the alias ``table`` is the planner's own)."""
    return exp.column(identifier(name), table=table)


def _table(qualified: str) -> exp.Table:
    schema, _, name = qualified.rpartition(".")
    return exp.table_(identifier(name), db=identifier(schema) if schema else None)
