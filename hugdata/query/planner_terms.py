"""The offline planner's reading of a question: tokens, cue words, and mentions of the tenant's tables and columns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlglot import exp

from hugdata.catalog.retrieval import table_name_words
from hugdata.catalog.semantic import ColumnSemantics, Entity, MetricDefinition, SemanticModel
from hugdata.catalog.words import singular, words

_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|\d+(?:\.\d+)?|[A-Za-z][A-Za-z0-9_]*")
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "twenty": 20, "fifty": 50, "hundred": 100,
}  # fmt: skip
# Words that carry no schema meaning in a question; anything else the planner cannot place makes it decline. The
# participles at the end name the event a row records ("animals caught", "pizzas sold"), never a condition on it;
# words that do condition ("cancelled", "paid", "shipped") are not among them.
_STOPWORD_TEXT = """
    a an the of in on for to is are was were be been being do does did we our us you your i my have has had
    there what which who whom when where how many much me show list give get find all each per by with whose
    that this those these and or from at as it its their they any please tell display return across every
    placed made exist exists currently overall ever recorded stored existing there's what's whats number count
    value values database dataset data caught captured surveyed done operate operated flown went competed
    reported built"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
COUNT_CUES = frozenset({"many", "number", "count"})
AGGREGATE_CUES = {
    "average": "avg", "avg": "avg", "mean": "avg", "total": "sum", "sum": "sum",
    "highest": "max", "maximum": "max", "max": "max", "largest": "max", "biggest": "max", "latest": "max",
    "newest": "max", "lowest": "min", "minimum": "min", "min": "min", "smallest": "min", "earliest": "min",
    "oldest": "min",
}  # fmt: skip
ORDER_CUES = {
    "top": "desc", "most": "desc", "highest": "desc", "largest": "desc", "biggest": "desc", "expensive": "desc",
    "bottom": "asc", "least": "asc", "fewest": "asc", "lowest": "asc", "smallest": "asc", "cheapest": "asc",
}  # fmt: skip
# Adjectives that name their measure: "the oldest baker" ranks by an age column, "the heaviest animals" by weight.
# Without such a column, "oldest" stays an extreme in time.
SIZE_ADJECTIVES = {
    "oldest": ("age", "desc"), "youngest": ("age", "asc"), "heaviest": ("weight", "desc"),
    "lightest": ("weight", "asc"), "tallest": ("height", "desc"), "shortest": ("height", "asc"),
    "longest": ("length", "desc"),
}  # fmt: skip
# "revenue", "spent" ... name no column, but mean the money measure of the table in question.
MONEY_WORDS = frozenset(
    {"revenue", "sales", "sale", "spent", "spend", "spending", "income", "expensive", "cheapest", "paid", "paying",
     "billed"}
)  # fmt: skip
# Of those, the ones about what a thing costs rather than what the business took in: its own price column.
PRICE_WORDS = frozenset({"expensive", "cheapest"})
# Extremes that are about time, not size: "the latest order" is the greatest date, not the greatest amount.
TIME_EXTREMES = frozenset({"latest", "newest", "earliest", "oldest", "recent"})
MONEY_COLUMN_WORDS = ("amount", "total", "price", "revenue", "cost", "value")
GROUP_CUES = frozenset({"per", "by", "each", "across"})
TIME_BUCKETS = {
    "day": "%Y-%m-%d", "daily": "%Y-%m-%d", "month": "%Y-%m", "monthly": "%Y-%m", "year": "%Y", "yearly": "%Y",
    "annually": "%Y",
}  # fmt: skip
COMPARISONS = {
    "over": ">", "above": ">", "greater": ">", "more": ">", "exceeding": ">", "under": "<", "below": "<",
    "less": "<", "fewer": "<",
}  # fmt: skip
# Questions the planner must not guess at: negation, ratios, ranking within groups.
DECLINE_CUES = frozenset(
    {"never", "not", "without", "no", "except", "share", "percentage", "percent", "ratio", "proportion", "rate"}
)
# Trailing words a column name carries that a question usually leaves out: country_code -> "country".
_GENERIC = frozenset({"id", "code", "at", "on", "is", "has", "date", "flag"})


@dataclass(frozen=True)
class Token:
    text: str  # as written
    stem: str  # lower case, singular
    position: int

    @property
    def plain(self) -> bool:
        """A word with no meaning on the schema: a stopword as written or as its singular ("does", "values")."""
        return self.text.lower() in STOPWORDS or self.stem in STOPWORDS

    @property
    def quoted(self) -> bool:
        return self.text[:1] in "'\""

    @property
    def number(self) -> float | None:
        if re.fullmatch(r"\d+(?:\.\d+)?", self.text):
            return float(self.text)
        return float(NUMBER_WORDS[self.stem]) if self.stem in NUMBER_WORDS else None


@dataclass(frozen=True)
class Mention:
    """A run of tokens naming a table (``column`` None) or a column; ``strength`` 2 = its whole name, 1 = part."""

    start: int
    end: int  # exclusive
    entity: Entity
    column: ColumnSemantics | None
    strength: int


def tokenize(question: str) -> list[Token]:
    """The question's words, numbers and quoted strings, in order."""
    tokens = []
    for i, text in enumerate(_TOKEN.findall(question)):
        stem = text if text[:1] in "'\"" else singular(text.lower())
        tokens.append(Token(text=text, stem=stem, position=i))
    return tokens


def _stems(identifier: str) -> list[str]:
    return list(_stem_tuple(identifier))


# Every question reads every name of the model: a wide model's names would be split and singularised again on each
# ask (two thirds of the planner's time on a 68-table tenant). Pure functions of strings, remembered, bounded.
@lru_cache(maxsize=1 << 16)
def _stem_tuple(identifier: str) -> tuple[str, ...]:
    return tuple(singular(w) for w in words(identifier))


def _entity_phrases(entity: Entity, distinctive: list[str]) -> list[tuple[list[str], int]]:
    full = _stems(entity.table)
    phrases = [(full, 2)]
    # The table's plain words without a shared app prefix: "invoice line" for chinook_invoiceline.
    if distinctive and distinctive != full:
        phrases.append((distinctive, 2))
    if len(distinctive) > 1 and distinctive[-1] not in STOPWORDS:  # "list" of playlist is the command, not it
        phrases.append((distinctive[-1:], 1))  # "reviews" for product_reviews
    label = _stems(entity.label) if entity.label else []
    if len(words(entity.table.split(".")[-1])) == 1 and len(label) > 1:
        # One run-together word (pizzaplace, halloffame): its split reads as the name, and a piece of four or more
        # letters may name the rows on its own ("pizzas" of pizzaplace), as weakly as a last word does.
        phrases.append((label, 2))
        phrases.extend(([w], 1) for w in label if len(w) >= 4 and w not in STOPWORDS)
    return phrases


def key_things(entity: Entity, model: SemanticModel) -> list[list[str]]:
    """What a table's own key is named after names its rows: ``people`` keyed by ``playerid`` (which every other
    table refers to) holds the players. A role pointing at another key (``manager_id`` -> ``employees.id``) does not:
    managers are some employees, not the table."""
    keys = set(entity.primary_key if len(entity.primary_key) == 1 else []) | {
        r.to_columns[0] for r in model.relationships if r.to_entity == entity.name and len(r.to_columns) == 1
    }
    things = []
    for column in entity.columns:
        # A bridge's key (item_id, tag_id) refers to other tables' rows: it names them, not the bridge.
        if column.name not in keys or column.role == "foreign_key":
            continue
        stems = _stems(column.label or column.name)
        if len(stems) > 1 and stems[-1] == "id" and not set(stems[:-1]) & (_GENERIC | STOPWORDS):
            things.append(stems[:-1])
    return things


def _column_phrases(column: ColumnSemantics) -> list[tuple[list[str], int]]:
    return _phrases_of_column(column.name, column.label, tuple(column.synonyms))


@lru_cache(maxsize=1 << 16)
def _phrases_of_column(name: str, label_text: str | None, synonyms: tuple[str, ...]) -> list[tuple[list[str], int]]:
    """The phrases that name a column (read-only: shared by every question)."""
    full = _stems(name)
    phrases = [(full, 2)]
    label = _stems(label_text) if label_text else []
    if label and label != full:
        phrases.append((label, 2))  # "account balance" for c_acctbal, "billing country" for billingcountry
        full = label
    core = [w for w in full if w not in _GENERIC]
    if core and core != full and not set(core) <= STOPWORDS:  # g_of is not a mention of "of"
        phrases.append((core, 2))  # country_code -> country, is_active -> active
    if len(core) > 1:
        phrases.extend(([w], 1) for w in core if w not in STOPWORDS and w not in AGGREGATE_CUES and w != "unit")
    phrases.extend((_stems(synonym), 3) for synonym in synonyms)
    return phrases


def find_mentions(tokens: list[Token], model: SemanticModel) -> list[Mention]:
    """Longest non-overlapping runs of tokens naming a table or column; equal readings of one run are all kept."""
    candidates: list[Mention] = []
    stems = [t.stem for t in tokens]
    distinctive = table_name_words(model)
    for entity in model.entities:
        phrases = _entity_phrases(entity, distinctive.get(entity.name, []))
        phrases += [(thing, 2) for thing in key_things(entity, model)]
        phrases += [(_stems(synonym), 3) for synonym in entity.synonyms]  # the tenant's own word for the table
        for phrase, strength in phrases:
            candidates.extend(Mention(i, i + len(phrase), entity, None, strength) for i in _find(stems, phrase))
        for column in entity.columns:
            for phrase, strength in _column_phrases(column):
                candidates.extend(Mention(i, i + len(phrase), entity, column, strength) for i in _find(stems, phrase))
    # Longer runs first, then whole names, then tables over columns: "order items" is the table, not "order".
    candidates.sort(key=lambda m: (-(m.end - m.start), -m.strength, m.column is not None, m.start))
    taken: set[int] = set()
    chosen: list[Mention] = []
    for mention in candidates:
        span = set(range(mention.start, mention.end))
        if span & taken:
            # Same span, same kind, other table: keep it as an alternative reading, resolved by context later.
            if any(
                (m.start, m.end, m.column is None) == (mention.start, mention.end, mention.column is None)
                and m.strength == mention.strength
                for m in chosen
            ):
                chosen.append(mention)
            continue
        taken |= span
        chosen.append(mention)
    return sorted(chosen, key=lambda m: m.start)


def find_metric(tokens: list[Token], model: SemanticModel) -> tuple[MetricDefinition | None, set[int]]:
    """The tenant's metric the question names (its name or a synonym, the longest match), and the tokens it spans."""
    stems = [t.stem for t in tokens]
    best: tuple[int, MetricDefinition, set[int]] | None = None
    for definition in model.definitions:
        for phrase in [definition.name, *definition.synonyms]:
            words = _stems(phrase)
            for start in _find(stems, words):
                if best is None or len(words) > best[0]:
                    best = (len(words), definition, set(range(start, start + len(words))))
    return (best[1], best[2]) if best else (None, set())


def _find(stems: list[str], phrase: list[str]) -> list[int]:
    if phrase and phrase[0] not in stems:  # most of a model's names are not in a question: no scan for them
        return []
    n = len(phrase)
    return [i for i in range(len(stems) - n + 1) if stems[i : i + n] == phrase]


# Words that steer the plan rather than name the schema.
CUE_WORDS = (
    COUNT_CUES | AGGREGATE_CUES.keys() | ORDER_CUES.keys() | GROUP_CUES | TIME_BUCKETS.keys() | COMPARISONS.keys()
    | MONEY_WORDS | SIZE_ADJECTIVES.keys() | {"than", "least", "top", "first"}
)  # fmt: skip


def is_year(number: float) -> bool:
    return number == int(number) and 1900 <= number <= 2100


def fits_value(token: Token, column: ColumnSemantics, known: Sequence[str]) -> bool:
    """Whether ``token`` reads as a value of ``column``: a number for numbers, a known category for text."""
    if column.role in ("time", "key", "foreign_key"):
        return False
    if column.type in ("integer", "numeric", "float") or column.numeric_text:
        return token.number is not None  # numbers kept as text take numbers too: "weight of females" is no weight
    if token.quoted:
        return True
    if token.plain or token.stem in CUE_WORDS:
        return False
    return known_value(token, known) is not None if known else column.type == "text"


def known_value(token: Token, known: Sequence[str]) -> str | None:
    """The stored value ``token`` names: the same text in any case ("jp" for "JP"), else its singular
    ("Republicans" for "Republican", "hurricanes" for "hurricane")."""
    text = token.text.strip("'\"").lower()
    exact = next((v for v in known if isinstance(v, str) and v.lower() == text), None)
    if exact is not None or token.quoted:
        return exact
    return next((v for v in known if isinstance(v, str) and v.lower() == token.stem), None)


def value_literal(token: Token, known: Sequence[str]) -> exp.Expression:
    if token.number is not None and not token.quoted:
        number = token.number
        return exp.Literal.number(int(number) if number == int(number) else number)
    # The spelling the database uses, when the question's differs in case or number: "jp" -> "JP".
    return exp.Literal.string(known_value(token, known) or token.text.strip("'\""))
