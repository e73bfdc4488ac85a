"""A follow-up applied to the previous turn's query: its parsed tree changed where the follow-up asks (a condition
added or replaced, a grouping added or replaced, the measure swapped, the order and limit set), and every change
said in plain words. Nothing else of the query moves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from hugdata.catalog.semantic import SemanticModel
from hugdata.conversations.followup_reader import (
    FilterChange,
    GroupChange,
    MeasureChange,
    OrderChange,
    ValueLookup,
    ValueProbe,
)
from hugdata.conversations.followup_words import read_followup
from hugdata.conversations.frame import ColumnAt, QueryFrame, RefinementDeclined, read_frame
from hugdata.query.planner_sql import column_ref, identifier, join_path
from hugdata.tenants.models import Dialect

_SPELLED = {
    "AVG": "the average of",
    "SUM": "the total of",
    "MAX": "the highest",
    "MIN": "the lowest",
    "COUNT": "the count of",
}


class NotARefinement(ValueError):
    """The follow-up asks for no change to the previous query: it is a question of its own."""


@dataclass(frozen=True)
class Refinement:
    sql: str
    changes: list[str]  # what changed from the previous answer, in plain words


def refine(previous_sql: str, followup: str, *, dialect: Dialect, model: SemanticModel,
           values: ValueLookup | None = None, probe: ValueProbe | None = None) -> Refinement:  # fmt: skip
    """``previous_sql`` changed as ``followup`` asks; RefinementDeclined when a word cannot be applied, NotARefinement
    when the follow-up asks for no change at all."""
    frame = read_frame(previous_sql, dialect=dialect, model=model)
    follow = read_followup(followup, frame, values=values, probe=probe)
    if follow.empty:
        raise NotARefinement(followup)
    changes: list[str] = []
    if follow.measure is not None:
        changes.append(_measure(frame, follow.measure))
    for group in follow.groups:
        changes.append(_group(frame, group))
    for condition in follow.filters:
        changes.append(_filter(frame, condition))
    if follow.order is not None:
        changes.append(_order(frame, follow.order))
    _drop_unused_joins(frame)
    return Refinement(frame.sql(dialect), changes)


def _resolved(frame: QueryFrame, target: ColumnAt) -> ColumnAt:
    """``target`` readable by the query: its table joined (many rows to one) when the query does not read it yet."""
    if target.qualifier != "?":
        return target
    path = join_path(frame.model, frame.fact_entity, target.entity)
    if path is None or len(path) != 1 or path[0][0] != frame.fact_entity.name:
        raise RefinementDeclined(f"no known relationship joins {frame.fact_entity.table} to {target.entity.table}")
    _, from_column, to_table, to_column = path[0]
    if target.column.name == to_column:
        # "just UA" names the airline's code, which the flight row already holds: no join needed.
        own = next(c for c in frame.fact_entity.columns if c.name == from_column)
        return frame.at(frame.fact_entity, own)
    if frame.bare:
        # The query named its columns bare; with a second table each is named with its own.
        for column in frame.tree.find_all(exp.Column):
            if not column.table:
                column.set("table", exp.to_identifier(frame.fact))
        frame.bare = False
    alias = f"j{len(frame.tables)}"
    frame.tables[alias] = target.entity
    on = column_ref(from_column, frame.fact).eq(column_ref(to_column, alias))
    schema, _, table = to_table.rpartition(".")
    joined = exp.table_(identifier(table), db=identifier(schema) if schema else None).as_(alias)
    frame.tree.join(joined, on=on, copy=False)
    return ColumnAt(target.entity, target.column, alias)


def _measure(frame: QueryFrame, change: MeasureChange) -> str:
    old = frame.measure
    if old is None or not isinstance(old, exp.AggFunc):
        raise RefinementDeclined("the previous answer has no one total, count or average to change", change.words)
    argument = change.target.ref() if change.target else old.this
    if change.function == "COUNT":
        new: exp.Expression = exp.Count(this=exp.Star())
    elif argument is None or isinstance(argument, exp.Star):
        raise RefinementDeclined(
            f"{' '.join(change.words)} of what? The previous answer counts rows; name the column", change.words
        )
    else:
        new = {"AVG": exp.Avg, "SUM": exp.Sum, "MAX": exp.Max, "MIN": exp.Min}[change.function](this=argument.copy())
    before = old.sql(dialect=frame.read)
    for node in list(frame.tree.find_all(type(old))):
        if node.sql(dialect=frame.read) == before:
            node.replace(new.copy())
    frame.measure = new
    what = change.target.words if change.target else _words(argument)
    shown = f"{_SPELLED[change.function]} {what if change.function != 'COUNT' else 'rows'}"
    return f"shows {shown} instead of {_words(old)}"


def _group(frame: QueryFrame, change: GroupChange) -> str:
    target = _resolved(frame, change.target)
    key: exp.Expression = target.ref()
    if change.grain is not None:
        key = exp.TimeToStr(this=key, format=exp.Literal.string(change.grain))
    label = target.words if change.grain is None else {"%Y-%m": "month", "%Y": "year", "%Y-%m-%d": "day"}[change.grain]
    old = [g.sql(dialect=frame.read) for g in frame.groups]
    if any(k == key.sql(dialect=frame.read) for k in old):
        raise RefinementDeclined(f"the previous answer is already grouped by {label}", change.words)
    shown = exp.alias_(key, label.replace(" ", "_")) if change.grain else key
    projections = frame.tree.expressions
    if change.replace and frame.groups:
        projections = [p for p in projections if p.unalias().sql(dialect=frame.read) not in old]
        _drop_order_on(frame, old, keep_time=change.grain is not None)
        frame.groups = []
    first_measure = next((i for i, p in enumerate(projections) if p.find(exp.AggFunc)), len(projections))
    frame.tree.set("expressions", [*projections[:first_measure], shown, *projections[first_measure:]])
    frame.groups.append(key)
    frame.tree.set("group", exp.Group(expressions=[g.copy() for g in frame.groups]))
    if change.replace and old:
        return f"one row per {label} instead of per {', '.join(_words_sql(o) for o in old)}"
    return f"also one row per {label}" if old else f"one row per {label}"


def _drop_order_on(frame: QueryFrame, old_groups: list[str], *, keep_time: bool) -> None:
    order = frame.tree.args.get("order")
    if order is None:
        return
    aliases = {p.alias.lower() for p in frame.tree.expressions if isinstance(p, exp.Alias)}
    kept = [o for o in order.expressions if o.this.sql(dialect=frame.read) not in old_groups
            and not (isinstance(o.this, exp.Column) and o.this.name.lower() in aliases and not o.this.table
                     and not _is_measure_alias(frame, o.this.name))]  # fmt: skip
    frame.tree.set("order", exp.Order(expressions=kept) if kept else None)


def _is_measure_alias(frame: QueryFrame, name: str) -> bool:
    return any(isinstance(p, exp.Alias) and p.alias.lower() == name.lower() and p.find(exp.AggFunc)
               for p in frame.tree.expressions)  # fmt: skip


def _filter(frame: QueryFrame, change: FilterChange) -> str:
    target = _resolved(frame, change.target)
    ref = target.ref()
    where = frame.tree.args.get("where")
    conjuncts = (
        list(where.this.flatten()) if where and isinstance(where.this, exp.And) else ([where.this] if where else [])
    )
    if change.op == "<>":
        condition: exp.Expression = ref.neq(_literal(change.value))
        if target.column.nullable:
            # "excluding USA" keeps the rows with no country: they are not USA.
            condition = exp.Paren(this=exp.or_(condition, exp.Is(this=ref.copy(), expression=exp.Null())))
        kept, said = conjuncts, f"leaves out {target.words} {change.value}"
    else:
        # A new condition on the same column replaces the old one ("2018 instead", "just Peru" after "only Chile").
        kept = [c for c in conjuncts if not _compares(c, target) or (change.op == "=" and isinstance(c, exp.Paren))]
        replaced = [c for c in conjuncts if c not in kept]
        condition = _comparison(ref, target, change)
        said = _said(target, change) + (
            f" instead of {' and '.join(_words_sql(c) for c in replaced)}" if replaced else ""
        )
    frame.tree.set("where", exp.Where(this=exp.and_(*kept, condition)) if kept else exp.Where(this=condition))
    return said


def _compares(node: exp.Expression, target: ColumnAt) -> bool:
    return isinstance(node, exp.EQ | exp.NEQ | exp.GT | exp.GTE | exp.LT | exp.LTE | exp.In | exp.Paren) and any(
        target.same(c) for c in node.find_all(exp.Column)
    )


def _comparison(ref: exp.Column, target: ColumnAt, change: FilterChange) -> exp.Expression:
    if change.op != "year":
        if target.column.role == "time" and isinstance(change.value, int) and change.op in (">=", ">", "<", "<="):
            # "since 2010" on a date column: from its first day; "after 2010": from the next year's.
            year = change.value + (1 if change.op in (">", "<=") else 0)
            bound = exp.Literal.string(f"{year}-01-01")
            return (
                exp.GTE(this=ref, expression=bound) if change.op in (">=", ">") else exp.LT(this=ref, expression=bound)
            )
        node = {"=": exp.EQ, ">=": exp.GTE, ">": exp.GT, "<": exp.LT, "<=": exp.LTE}[change.op]
        return node(this=ref, expression=_literal(change.value, target))
    if target.column.role == "time":
        start, end = exp.Literal.string(f"{change.value}-01-01"), exp.Literal.string(f"{int(change.value) + 1}-01-01")  # type: ignore[call-overload]
        return exp.and_(exp.GTE(this=ref, expression=start), exp.LT(this=ref.copy(), expression=end))
    return exp.EQ(this=ref, expression=_literal(change.value, target))


def _literal(value: object, target: ColumnAt | None = None) -> exp.Expression:
    if isinstance(value, int | float) and not (target and target.column.type == "text"):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _said(target: ColumnAt, change: FilterChange) -> str:
    if change.op == "year":
        return f"only {change.value} ({target.words})"
    cue = {">=": "from", ">": "after", "<": "before", "<=": "up to"}.get(change.op)
    return f"only {target.words} {cue} {change.value}" if cue else f"only {target.words} {change.value}"


def _order(frame: QueryFrame, change: OrderChange) -> str:
    if frame.measure is None:
        raise RefinementDeclined("the previous answer has no total, count or average to rank by", change.words)
    shown = next((p for p in frame.tree.expressions if p.unalias() is frame.measure or
                  p.unalias().sql(dialect=frame.read) == frame.measure.sql(dialect=frame.read)), None)  # fmt: skip
    key = exp.column(shown.alias) if isinstance(shown, exp.Alias) else frame.measure.copy()
    frame.tree.set("order", exp.Order(expressions=[exp.Ordered(this=key, desc=change.descending)]))
    if change.limit is not None:
        frame.tree.set("limit", exp.Limit(expression=exp.Literal.number(change.limit)))
    direction = "highest first" if change.descending else "lowest first"
    cut = {None: "", 1: ", only the first row"}.get(change.limit, f", the first {change.limit} rows")
    return f"ordered by {_words(frame.measure)}, {direction}{cut}"


def _drop_unused_joins(frame: QueryFrame) -> None:
    """A join only the replaced grouping read is dropped with it (the new grouping does not need its rows)."""
    joins = frame.tree.args.get("joins") or []
    kept = []
    for join in joins:
        alias = (join.this.alias or join.this.name).lower()
        outside = [
            c
            for c in frame.tree.find_all(exp.Column)
            if c.table.lower() == alias and c.find_ancestor(exp.Join) is not join
        ]
        if outside:
            kept.append(join)
        else:
            frame.tables.pop(alias, None)
    frame.tree.set("joins", kept or None)


def _words(node: exp.Expression) -> str:
    if isinstance(node, exp.Count):
        return "the count"
    if isinstance(node, exp.AggFunc):
        return f"{_SPELLED.get(node.key.upper(), node.key)} {_words_sql(node.this)}"
    return _words_sql(node)


def _words_sql(node: exp.Expression | str) -> str:
    text = node if isinstance(node, str) else node.sql()
    return text.replace('"', "").replace("`", "")
