"""What an answer's SQL does, read from its parsed tree, part by part, with the words of the question each part answers.

Deterministic and LLM-free: the same SQL and question always give the same explanation, whoever wrote the SQL (the
LLM, the offline planner, a reused past question, the answer memory). A part names its SQL fragment and says in plain
words what it computes, reads, joins, filters, groups, orders or limits; its vocabulary is the words of the tables
and columns it touches, its literal values and the cue words of its kind ("how many" for a count, "per" for a
grouping, "top" for an order). A content word of the question that no part's vocabulary holds is `unaccounted`: the
SQL does not answer it, so it answers another question than the one asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from hugdata.catalog.semantic import Entity, SemanticModel
from hugdata.catalog.words import singular, words
from hugdata.query.planner_terms import NUMBER_WORDS, SIZE_ADJECTIVES, Token, key_things, tokenize
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.tenants.models import Dialect

_CUES = {
    "count": {"many", "number", "count", "counted", "how", "total", "overall", "altogether"},
    "count_distinct": {"many", "number", "count", "different", "distinct", "unique"},
    "sum": {"total", "sum", "overall", "combined", "revenue", "sales", "spent", "spend", "spending", "amount"},
    "avg": {"average", "avg", "mean", "typical"},
    "max": {"highest", "maximum", "max", "largest", "biggest", "most", "top", "longest", "best"},
    "min": {"lowest", "minimum", "min", "smallest", "least", "shortest", "cheapest", "worst"},
    "group": {"per", "each", "by", "every", "across", "breakdown"},
    "desc": {"top", "most", "highest", "largest", "biggest", "best", "longest", "greatest", "expensive", "leading",
             "first"},
    "asc": {"bottom", "least", "fewest", "lowest", "smallest", "shortest", "cheapest", "worst", "first"},
    # Extremes in time: answered only by an order, minimum or maximum over a date.
    "time_desc": {"latest", "newest", "recent", "last"},
    "time_asc": {"earliest", "oldest", "first"},
    ">": {"over", "above", "greater", "more", "exceeding", "after", "since", "than", "least"},
    "<": {"under", "below", "less", "fewer", "before", "than", "most"},
    "year": {"year", "yearly", "annual", "annually"},
    "month": {"month", "monthly"},
    "day": {"day", "daily", "date"},
    "like": {"contain", "containing", "start", "starting", "end", "ending", "like", "named", "called", "with"},
}  # fmt: skip


def _shape(node: exp.Expression, read: str) -> str:
    """``node`` as SQL without table qualifiers: t0.total_amount and total_amount compare equal."""
    bare = node.copy()
    for column in bare.find_all(exp.Column):
        column.set("table", None)
        column.set("db", None)
    return bare.sql(dialect=read).lower()


def _size_words(node: exp.Expression, direction: str) -> set[str]:
    """ "oldest" for the greatest age, "heaviest" for the greatest weight: adjectives that name their column."""
    named = {w for column in node.find_all(exp.Column) for w in words(column.name)}
    return {adj for adj, (noun, way) in SIZE_ADJECTIVES.items() if way == direction and noun in named}


_NARROWING = frozenset({"filter", "group", "order", "limit"})
_AGGREGATES = {exp.Count: "count", exp.Sum: "sum", exp.Avg: "avg", exp.Max: "max", exp.Min: "min"}
# Words that ask for a count: a plain word elsewhere, but an answer without a count does not answer "how many".
_COUNT_WORDS = frozenset({"many", "count"})
# Words after which a name is the grouping ("per office"), or, after "by", the grouping or the order.
_GROUP_WORDS = frozenset({"per", "each", "every", "by"})
_PHRASE_END = frozenset({"of", "in", "with", "from", "where", "that", "for", "on", "and", "or", "to", "who", "which"})
_TIME_TYPES = frozenset({"date", "datetime", "timestamp", "time"})
_READS = {"count": "the number of", "sum": "the total", "avg": "the average", "max": "the highest", "min": "the lowest"}


@dataclass(frozen=True)
class ExplanationPart:
    kind: str  # measure, column, source, join, filter, group, order, limit
    sql: str
    text: str
    words: list[str] = field(default_factory=list)  # the question's words this part answers, as written


@dataclass(frozen=True)
class Explanation:
    text: str
    parts: list[ExplanationPart]
    unaccounted: list[str]  # the question's content words no part answers, as written


def _stems(text: str) -> set[str]:
    return {singular(w) for w in words(text)} | {w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)}


class _Reader:
    def __init__(self, model: SemanticModel, read: str) -> None:
        self.read = read
        self.model = model
        self.by_table = {e.table.lower(): e for e in model.entities}
        # The tenant's metrics by the shape of their SQL: an aggregate or a filter the metric brings names it.
        self.metric_shapes: dict[str, tuple[str, set[str]]] = {}
        for definition in model.definitions:
            words = {w for phrase in [definition.name, *definition.synonyms] for w in _stems(phrase)}
            for part in [definition.expression, *definition.filters]:
                try:
                    self.metric_shapes[_shape(sqlglot.parse_one(part, read=read), read)] = (definition.name, words)
                except Exception:  # noqa: BLE001 - a stale or odd definition explains nothing
                    continue
        self.aliases: dict[str, Entity] = {}

    def metric_of(self, node: exp.Expression) -> tuple[str, set[str]] | None:
        """The tenant's metric whose expression or filter ``node`` is, with the words that name it."""
        return self.metric_shapes.get(_shape(node, self.read)) if self.metric_shapes else None

    def entity(self, table: exp.Table) -> Entity | None:
        return self.by_table.get(table.name.lower())

    def table_vocab(self, entity: Entity | None, table: exp.Table) -> set[str]:
        found = _stems(table.name)
        if entity is not None:
            found |= _stems(entity.table) | _stems(entity.label)
            found |= {w for thing in key_things(entity, self.model) for w in thing}  # "players" for people
            found |= {w for synonym in entity.synonyms for w in _stems(synonym)}
        return found

    def column_vocab(self, node: exp.Expression, *, grouping: bool = False) -> set[str]:
        found: set[str] = set()
        for column in node.find_all(exp.Column):
            found |= _stems(column.name)
            entity = self.aliases.get(column.table.lower()) if column.table else None
            if entity is not None and (len(self.aliases) > 1 or grouping):
                # A column of a joined table, or a grouping key, stands for its table too: "per department".
                found |= _stems(entity.table) | _stems(entity.label)
                found |= {w for synonym in entity.synonyms for w in _stems(synonym)}
            candidates = [entity] if entity else list(self.aliases.values())
            for owner in candidates:
                semantics = next((c for c in owner.columns if c.name.lower() == column.name.lower()), None)
                if semantics is not None:
                    found |= _stems(semantics.label)
                    found |= {w for synonym in semantics.synonyms for w in _stems(synonym)}
                    # "cancelled" answers status = 'C' when the tenant said so.
                    literals = {str(lit.this) for lit in node.find_all(exp.Literal)}
                    found |= {w for said, value in semantics.value_synonyms.items() if value in literals
                              for w in _stems(said)}  # fmt: skip
                    if column.table:
                        break
        for literal in node.find_all(exp.Literal):
            found |= _stems(str(literal.this))
        metric = self.metric_of(node)
        if metric is not None:
            found |= metric[1]
        return found

    def whole_numbers(self, node: exp.Expression) -> bool:
        """Whether ``node`` aggregates one column of whole numbers (a tally such as home runs or cases)."""
        columns = list(node.find_all(exp.Column))
        if len(columns) != 1:
            return False
        owners = list(self.aliases.values())
        found = next((c for o in owners for c in o.columns if c.name.lower() == columns[0].name.lower()), None)
        return found is not None and found.type == "integer"

    def involves_time(self, node: exp.Expression) -> bool:
        for column in node.find_all(exp.Column):
            for owner in self.aliases.values():
                semantics = next((c for c in owner.columns if c.name.lower() == column.name.lower()), None)
                if semantics is not None and (semantics.role == "time" or semantics.type in _TIME_TYPES):
                    return True
        return bool(_time_words(node))

    def label(self, node: exp.Expression) -> str:
        return node.sql(dialect=self.read)[:120]

    def words_for(self, node: exp.Expression) -> str:
        """``node`` for a person: each column by its label (``birth country``) without the query's table alias."""
        plain = node.copy()
        for column in list(plain.find_all(exp.Column)):
            entity = self.aliases.get(column.table.lower()) if column.table else None
            owners = [entity] if entity else list(self.aliases.values())
            semantics = next((c for o in owners for c in o.columns if c.name.lower() == column.name.lower()), None)
            said = exp.var((semantics.label if semantics and semantics.label else None) or column.name)
            if column is plain:
                return said.sql(dialect=self.read)[:120]
            column.replace(said)
        for node_type, kind in _AGGREGATES.items():
            for call in list(plain.find_all(node_type)):
                counted = call.this is not None and not isinstance(call.this, exp.Star)
                inner = call.this.sql(dialect=self.read) if counted else "rows"
                spoken = exp.var(f"{_READS[kind].removeprefix('the ')} {inner}")
                if call is plain:
                    return spoken.sql(dialect=self.read)[:120]
                call.replace(spoken)
        return plain.sql(dialect=self.read)[:120]


def explain(
    sql: str,
    *,
    dialect: Dialect,
    model: SemanticModel,
    question: str,
    row_cap: int | None = None,
    tree: exp.Expression | None = None,
) -> Explanation:
    """The reading of ``sql`` as an answer to ``question``; ``row_cap`` is the LIMIT the platform adds itself (not a
    word of the question's); ``tree`` is ``sql`` already parsed (not changed here)."""
    read = sqlglot_dialect(dialect)
    if tree is None:
        try:
            tree = sqlglot.parse_one(sql, read=read)
        except Exception:  # noqa: BLE001 - SQL the validator accepted parses; anything else explains nothing
            return Explanation(text="", parts=[], unaccounted=_content(tokenize(question)))
    select = tree if isinstance(tree, exp.Select) else next(tree.find_all(exp.Select), None)
    reader = _Reader(model, read)
    parts: list[tuple[ExplanationPart, set[str]]] = []
    if select is not None:
        parts = _parts(select, reader, row_cap)
    tokens = tokenize(question)
    grouped = _grouped_positions(tokens)
    per_row = _per_row_positions(tokens, grouped, reader, parts)
    accounted: set[int] = set()
    finished = []
    for part, vocab in parts:
        hits = []
        for token in tokens:
            kinds = grouped.get(token.position)
            allowed = kinds is None or part.kind in kinds or (part.kind == "source" and token.position in per_row)
            if _matches(token, vocab) and allowed:
                hits.append(token.text)
                accounted.add(token.position)
        finished.append(ExplanationPart(part.kind, part.sql, part.text, hits))
    unaccounted = [t.text for t in tokens if _is_content(t) and t.position not in accounted]
    text = "; ".join(p.text for p in finished)
    return Explanation(text=text[:1].upper() + text[1:] + "." if text else "", parts=finished, unaccounted=unaccounted)


def _matches(token: Token, vocab: set[str]) -> bool:
    if token.quoted:
        return any(w in vocab for w in _stems(token.text.strip("'\"")))
    number = NUMBER_WORDS.get(token.text.lower())
    return token.stem in vocab or token.text.lower() in vocab or (number is not None and str(number) in vocab)


def _is_content(token: Token) -> bool:
    return not token.plain or token.stem in _COUNT_WORDS


def _content(tokens: list[Token]) -> list[str]:
    return [t.text for t in tokens if _is_content(t)]


def _per_row_positions(
    tokens: list[Token], grouped: dict[int, set[str]], reader: _Reader, parts: list[tuple[ExplanationPart, set[str]]]
) -> set[int]:
    """Positions of a "per" phrase that names the whole source table ("average quantity per order item" over
    order_items): one row each, no grouping needed."""
    sources = [vocab for part, vocab in parts if part.kind == "source"]
    phrase = [t for t in tokens if "per_row" in grouped.get(t.position, set())]
    if not phrase or not sources:
        return set()
    names = {singular(w) for entity in reader.aliases.values() for w in words(entity.table)}
    if {t.stem for t in phrase} >= names & {t.stem for t in phrase} and all(t.stem in names for t in phrase):
        source_table = next(iter(reader.aliases.values()))
        if {t.stem for t in phrase} == {singular(w) for w in words(source_table.table)}:
            return {t.position for t in phrase}
    return set()


def _grouped_positions(tokens: list[Token]) -> dict[int, set[str]]:
    """Positions of the words after "per", "each", "every" (answered only by a grouping) or "by" (a grouping or an
    order), up to the end of the phrase."""
    found: dict[int, set[str]] = {}
    for i, token in enumerate(tokens):
        if token.stem not in _GROUP_WORDS:
            continue
        # "by card" can be a value too; "per order item" can be the table itself, one row each.
        kinds = {"group", "order", "filter"} if token.stem == "by" else {"group", "per_row"}
        for later in tokens[i + 1 :]:
            if later.stem in _PHRASE_END or later.stem in _GROUP_WORDS:
                break
            if _is_content(later):
                found[later.position] = kinds
    return found


def _parts(select: exp.Select, reader: _Reader, row_cap: int | None) -> list[tuple[ExplanationPart, set[str]]]:
    found: list[tuple[ExplanationPart, set[str]]] = []
    source = select.args.get("from_") or select.args.get("from")
    tables = list(source.find_all(exp.Table)) if source is not None else []
    for join in select.args.get("joins") or []:
        tables += list(join.find_all(exp.Table))
    for table in tables:
        entity = reader.entity(table)
        if entity is not None:
            reader.aliases[table.alias_or_name.lower()] = entity
    fact = tables[0] if tables else None
    fact_words = reader.table_vocab(reader.entity(fact), fact) if fact is not None else set()
    fact_label = (reader.entity(fact).label or fact.name) if fact is not None and reader.entity(fact) else (
        fact.name if fact is not None else "")  # fmt: skip
    for projection in select.expressions:
        node = projection.this if isinstance(projection, exp.Alias) else projection
        aggregate = next((kind for cls, kind in _AGGREGATES.items() if isinstance(node, cls) or node.find(cls)), None)
        vocab = reader.column_vocab(node)
        if aggregate == "count":
            distinct = node.find(exp.Distinct) is not None
            counted = "different " + ", ".join(c.name for c in node.find_all(exp.Column)) if distinct else fact_label
            kind = "count_distinct" if distinct else "count"
            found.append((ExplanationPart("measure", reader.label(projection), f"the number of {counted}"),
                          vocab | _CUES[kind] | fact_words))  # fmt: skip
        elif aggregate:
            if aggregate in ("max", "min") and reader.involves_time(node):
                vocab |= _CUES["time_desc" if aggregate == "max" else "time_asc"]
            if aggregate in ("max", "min"):
                vocab |= _size_words(node, "desc" if aggregate == "max" else "asc")
            if aggregate == "sum" and reader.whole_numbers(node):
                vocab |= {"many", "number"}  # "how many home runs" is answered by the total of hr
            metric = reader.metric_of(node)
            text = (f"the {metric[0]} (as the project defines it)" if metric
                    else f"{_READS[aggregate]} {reader.words_for(node.this if node.this else node)}")  # fmt: skip
            found.append((ExplanationPart("measure", reader.label(projection), text), vocab | _CUES[aggregate]))
        elif isinstance(node, exp.Star):
            found.append((ExplanationPart("column", "*", f"every column of {fact_label}"), fact_words))
        else:
            time = _time_words(node)
            found.append((ExplanationPart("column", reader.label(projection), f"the {reader.words_for(node)}"),
                          vocab | time))  # fmt: skip
    for table in tables:
        entity = reader.entity(table)
        label = (entity.label or table.name) if entity else table.name
        kind = "source" if table is fact else "join"
        text = f"from {label}" if kind == "source" else f"joined with {label}"
        found.append((ExplanationPart(kind, reader.label(table), text), reader.table_vocab(entity, table)))
    where = select.args.get("where")
    if where is not None:
        for condition in _conjuncts(where.this):
            vocab = reader.column_vocab(condition) | _comparison_words(condition) | _time_words(condition)
            text = f"only where {reader.words_for(condition)}"
            found.append((ExplanationPart("filter", reader.label(condition), text), vocab))
    group = select.args.get("group")
    if group is not None:
        for key in group.expressions:
            if isinstance(key, exp.Literal) and key.is_int and 0 < int(key.this) <= len(select.expressions):
                key = select.expressions[int(key.this) - 1]  # GROUP BY 1: the first selected expression
            vocab = reader.column_vocab(key, grouping=True) | _CUES["group"] | _time_words(key)
            if _time_words(key) or reader.involves_time(key):
                vocab |= {"over", "time", "trend"}  # "revenue over time": a series by some bucket of time
            found.append((ExplanationPart("group", reader.label(key), f"for each {reader.words_for(key)}"), vocab))
    having = select.args.get("having")
    if having is not None:
        vocab = reader.column_vocab(having) | _comparison_words(having.this)
        vocab |= {k for cls, kind in _AGGREGATES.items() if having.find(cls) for k in _CUES[kind]}
        condition = reader.label(having.this)
        text = f"keeping groups where {reader.words_for(having.this)}"
        found.append((ExplanationPart("filter", condition, text), vocab))
    order = select.args.get("order")
    named = {p.alias.lower(): p.this for p in select.expressions if isinstance(p, exp.Alias) and p.alias}
    if order is not None:
        for ordered in order.expressions:
            direction = "desc" if ordered.args.get("desc") else "asc"
            key = ordered.this
            if isinstance(key, exp.Column) and not key.table and key.name.lower() in named:
                ordered = ordered.copy()
                ordered.set("this", named[key.name.lower()].copy())  # ORDER BY an alias: what the alias names
            elif isinstance(key, exp.Literal) and key.is_int and 0 < int(key.this) <= len(select.expressions):
                ordered = ordered.copy()
                projection = select.expressions[int(key.this) - 1]
                ordered.set("this", (projection.this if isinstance(projection, exp.Alias) else projection).copy())
            vocab = reader.column_vocab(ordered) | _CUES[direction] | _time_words(ordered)
            if reader.involves_time(ordered):
                vocab |= _CUES[f"time_{direction}"]
            vocab |= {k for cls, kind in _AGGREGATES.items() if ordered.find(cls) for k in _CUES[kind]}
            vocab |= _size_words(ordered, direction)
            text = f"{'highest' if direction == 'desc' else 'lowest'} {reader.words_for(ordered.this)} first"
            found.append((ExplanationPart("order", reader.label(ordered), text), vocab))
    limit = select.args.get("limit")
    count = limit.expression if isinstance(limit, exp.Limit) else None
    if isinstance(count, exp.Literal) and count.is_int and int(count.this) != row_cap:
        vocab = {str(count.this)} | ({"top", "first"} if int(count.this) > 1 else {"top", "first", "most", "least"})
        if int(count.this) == 1:  # "the tallest", "the oldest": a superlative asks for the one row
            vocab |= _CUES["desc"] | _CUES["asc"] | _CUES["time_desc"] | _CUES["time_asc"] | set(SIZE_ADJECTIVES)
        found.append((ExplanationPart("limit", reader.label(limit), f"at most {count.this} rows"), vocab))
    return found


def _conjuncts(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    if isinstance(node, exp.Paren):
        return _conjuncts(node.this)
    return [node]


def _comparison_words(node: exp.Expression) -> set[str]:
    if isinstance(node, exp.GTE) and isinstance(node.expression, exp.Literal):
        # ">= '2024-01-01'" is "since 2024", and as much "after 2023".
        start = re.fullmatch(r"(\d{4})-01-01", str(node.expression.this))
        return _CUES[">"] | ({str(int(start.group(1)) - 1)} if start else set())
    if isinstance(node, (exp.GT, exp.GTE)):
        return _CUES[">"]
    if isinstance(node, (exp.LT, exp.LTE)):
        return _CUES["<"]
    if isinstance(node, (exp.Like, exp.ILike)):
        return _CUES["like"]
    if isinstance(node, exp.Between):
        return {"between", "from", "to", "and"}
    return {"is", "equal", "named", "called"} if isinstance(node, exp.EQ) else set()


def _time_words(node: exp.Expression) -> set[str]:
    text = node.sql().lower()
    found: set[str] = set()
    for unit, markers in (("year", ("%y", "year")), ("month", ("%m", "month")), ("day", ("%d", "day"))):
        if any(m in text for m in markers):
            found |= _CUES[unit]
    return found


def answers_every_word(
    question: str, sql: str, *, past_question: str, dialect: Dialect, model: SemanticModel, row_cap: int | None = None
) -> bool:
    """Whether ``sql``, written for ``past_question``, answers every content word of ``question``: each is a word the
    SQL answers, or one the past question had too (its answer was that question's, "destination" for a shipping
    country). A word neither has is new, and the past SQL would answer another question; so would a filter,
    grouping, order or limit no word of ``question`` asks for (``row_cap``: the LIMIT the platform adds itself)."""
    past = {t.stem for t in tokenize(past_question)}
    explained = explain(sql, dialect=dialect, model=model, question=question, row_cap=row_cap)
    if [word for word in explained.unaccounted if tokenize(word)[0].stem not in past]:
        return False
    # And the other way: a filter, grouping, order or limit no word of the new question asks for ("how many
    # mammals" after "how many mammals are herbivores") would answer the past question, not this one.
    return all(part.words for part in explained.parts if part.kind in _NARROWING)
