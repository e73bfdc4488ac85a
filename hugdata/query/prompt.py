"""The prompt for one question, built around tables: each ranked table's full column list, the joins between
the chosen tables, then metrics and past questions, best first, up to a token budget."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect as SqlglotDialect

from hugdata.catalog.retrieval import TableRanking
from hugdata.catalog.semantic import ColumnSemantics, Entity, SemanticModel
from hugdata.query.bridges import Bridge, bridges_between
from hugdata.query.sql_policy import SQLGLOT_DIALECT
from hugdata.tenants.models import Dialect

# Without the endpoint's own tokenizer, ~4 characters per token is the usual estimate for English and SQL text.
CHARS_PER_TOKEN = 4
# Of the budget, this share is kept for the joins, metrics and past questions once the tables are in.
_NOTES_SHARE = 0.12
_PAST_QUESTIONS = 3
_VALUES_SHOWN = 6
_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# Words SQL reserves in every dialect the platform reads (SQL:2016 and PostgreSQL's reserved list, the ones a
# table or column is plausibly named); sqlglot lists MySQL's own.
_RESERVED = frozenset(
    {"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "by", "case", "cast",
     "check", "collate", "column", "constraint", "create", "cross", "current_date", "current_role", "current_time",
     "current_timestamp", "current_user", "default", "desc", "distinct", "do", "else", "end", "except", "false",
     "fetch", "for", "foreign", "from", "full", "grant", "group", "having", "in", "inner", "intersect", "into", "is",
     "join", "lateral", "leading", "left", "limit", "localtime", "localtimestamp", "natural", "not", "null",
     "offset", "on", "only", "or", "order", "outer", "placing", "primary", "references", "returning", "right",
     "select", "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union", "unique",
     "user", "using", "variadic", "when", "where", "window", "with"}
)  # fmt: skip

_SYSTEM = (
    "You write one read-only SQL query for a {dialect} database that answers the user's question. Use only the "
    "tables and columns listed below, written exactly as listed (quoted names stay quoted). Answer with the SQL "
    "in a ```sql block and nothing else."
)


_HISTORY_TITLE = "Earlier in this conversation (the question may refine the last answer)"


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass
class PromptContext:
    """The messages and exactly which tables and columns they show (what a coverage check needs)."""

    messages: list[dict[str, str]]
    tables: list[str] = field(default_factory=list)
    columns: set[tuple[str, str]] = field(default_factory=set)
    tokens: int = 0


def sql_name(name: str, dialect: Dialect) -> str:
    """An identifier as the dialect needs it written: quoted when mixed case (PostgreSQL folds unquoted names),
    when it is a keyword (``order``, ``user``) or when it has characters a bare name cannot have."""
    read = SQLGLOT_DIALECT[dialect]
    reserved = _RESERVED | SqlglotDialect.get_or_raise(read).generator_class.RESERVED_KEYWORDS
    folds = dialect is Dialect.postgresql and name != name.lower()
    quoted = folds or not _PLAIN_NAME.match(name.lower()) or name.lower() in reserved
    return exp.to_identifier(name, quoted=quoted).sql(read)


def _qualified(entity: Entity, dialect: Dialect) -> str:
    return f"{sql_name(entity.schema_name, dialect)}.{sql_name(entity.table, dialect)}"


def _column_text(column: ColumnSemantics, entity: Entity, model: SemanticModel, dialect: Dialect) -> str:
    parts = [sql_name(column.name, dialect), column.type]
    if column.name in entity.primary_key:
        parts.append("PK")
    target = next(
        (r for r in model.relationships if r.from_entity == entity.name and column.name in r.from_columns), None
    )
    if target is not None:
        parts.append(
            f"-> {target.to_entity.split('.', 1)[1]}.{target.to_columns[target.from_columns.index(column.name)]}"
        )
    if column.numeric_text:
        parts.append("(numbers as text: CAST before arithmetic)")
    if column.values:
        parts.append("values: " + "|".join(column.values[:_VALUES_SHOWN]))
    if column.unit:
        parts.append(f"unit: {column.unit}")
    if column.synonyms:
        parts.append("also called: " + "|".join(column.synonyms))
    if column.value_synonyms:
        parts.append("said as: " + "|".join(f"{k}={v}" for k, v in column.value_synonyms.items()))
    return " ".join(parts)


def table_block(
    entity: Entity, model: SemanticModel, dialect: Dialect, *, max_chars: int | None = None
) -> tuple[str, list[str]]:
    """``schema.table(col type PK, col type -> other.id, ...) -- what a row is``, cut at ``max_chars`` (whole
    columns only); returns the text and the columns it shows."""
    head = f"{_qualified(entity, dialect)}("
    what = entity.description.split(". ", 1)[0].split(": ", 1)[-1].rstrip(".")
    tail = f") -- {what}" + (f"; also called {', '.join(entity.synonyms)}" if entity.synonyms else "")
    shown: list[str] = []
    pieces: list[str] = []
    length = len(head) + len(tail)
    for column in entity.columns:
        piece = _column_text(column, entity, model, dialect)
        if max_chars is not None and length + len(piece) + 2 > max_chars and pieces:
            pieces.append("...")
            break
        pieces.append(piece)
        shown.append(column.name)
        length += len(piece) + 2
    return head + ", ".join(pieces) + tail, shown


def _join_lines(tables: Sequence[str], model: SemanticModel, dialect: Dialect) -> list[str]:
    chosen = set(tables)
    lines = []
    for rel in model.relationships:
        if rel.from_entity in chosen and rel.to_entity in chosen:
            left, right = model.entity(rel.from_entity), model.entity(rel.to_entity)
            if left is None or right is None:
                continue
            l_table, r_table = _qualified(left, dialect), _qualified(right, dialect)
            pairs = " AND ".join(
                f"{l_table}.{sql_name(a, dialect)} = {r_table}.{sql_name(b, dialect)}"
                for a, b in zip(rel.from_columns, rel.to_columns, strict=False)
            )
            lines.append(f"- {pairs}" + (" (inferred)" if rel.source == "inferred" else ""))
    ordered = sorted(chosen)
    for i, one in enumerate(ordered):
        for other in ordered[i + 1 :]:
            for bridge in bridges_between(model, one, other):
                lines.append(_bridge_line(bridge, model, dialect))
    return lines


def _bridge_line(bridge: Bridge, model: SemanticModel, dialect: Dialect) -> str:
    """``item`` and ``tag`` many-to-many through ``item_tag``: a count across it counts distinct rows."""

    def side(entity_name: str, column: str) -> str:
        entity = model.entity(entity_name)
        table = _qualified(entity, dialect) if entity is not None else entity_name
        return f"{table}.{sql_name(column, dialect)}"

    left, right = bridge.left, bridge.right
    inward = f"{side(left.to_entity, left.to_columns[0])} = {side(bridge.table, left.from_columns[0])}"
    outward = f"{side(bridge.table, right.from_columns[0])} = {side(right.to_entity, right.to_columns[0])}"
    return f"- many-to-many: {inward} and {outward}; count DISTINCT rows across it"


def _metric_lines(tables: Sequence[str], model: SemanticModel) -> list[str]:
    order = {t: i for i, t in enumerate(tables)}
    metrics = sorted((m for m in model.metrics if m.entity in order and m.column), key=lambda m: order[m.entity])
    return [f"- {m.description}: {m.entity.split('.', 1)[1]}.{m.column}" for m in metrics]


def build_prompt(
    question: str,
    ranking: TableRanking,
    model: SemanticModel,
    *,
    dialect: Dialect,
    token_budget: int,
    history: Sequence[tuple[str, str]] = (),
) -> PromptContext:
    """System + user messages; tables are added in ranking order while they fit, then the notes. ``history``: the
    thread's earlier (question, SQL) turns, oldest first; the newest are kept when the budget runs short."""
    system = _SYSTEM.format(dialect=dialect.value)
    used = estimate_tokens(system) + estimate_tokens(question) + 30
    table_budget = int(token_budget * (1 - _NOTES_SHARE))
    context = PromptContext(messages=[])
    blocks: list[str] = []
    for name in ranking.tables:
        entity = model.entity(name)
        if entity is None:
            continue
        room = (table_budget - used) * CHARS_PER_TOKEN
        if room <= 0:
            break
        block, shown = table_block(entity, model, dialect, max_chars=room)
        if not shown:
            break
        blocks.append(block)
        used += estimate_tokens(block) + 1
        context.tables.append(name)
        context.columns.update((name, c) for c in shown)
    sections = ["Tables (most relevant first):\n" + ("\n".join(blocks) or "(no tables found)")]
    for title, lines in (
        (_HISTORY_TITLE, _history_lines(history, used, token_budget)),
        ("Business rules", [f"- {rule}" for rule in model.instructions]),
        ("Joins", _join_lines(context.tables, model, dialect)),
        ("Measures", _metric_lines(context.tables, model)),
        ("Answered before", _past_questions(ranking)),
    ):
        kept = []
        for line in lines:
            cost = estimate_tokens(line) + 1
            if used + cost > token_budget:
                break
            kept.append(line)
            used += cost
        if kept:
            sections.append(f"{title}:\n" + "\n".join(kept))
            used += 2
    context.messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": "\n\n".join(sections) + f"\n\nQuestion: {question}"},
    ]
    context.tokens = used
    return context


def _history_lines(history: Sequence[tuple[str, str]], used: int, token_budget: int) -> list[str]:
    """The newest turns that fit in what is left of the budget, oldest first."""
    kept: list[str] = []
    for question, sql in reversed(history):
        line = f'- "{question}" was answered with: {" ".join(sql.split())}'
        used += estimate_tokens(line) + 1
        if used > token_budget:
            break
        kept.insert(0, line)
    return kept


def _past_questions(ranking: TableRanking) -> list[str]:
    past = [hit for hit in ranking.hits if hit.kind == "past_query"][:_PAST_QUESTIONS]
    return [f'- "{hit.title}" {hit.content}' for hit in past]


def feedback_message(sql: str, error: str) -> list[dict[str, str]]:
    """What goes back to the model after an invalid answer: its SQL and why it was refused."""
    return [
        {"role": "assistant", "content": f"```sql\n{sql}\n```"},
        {"role": "user", "content": f"That query was refused: {error}. Write a corrected query."},
    ]
