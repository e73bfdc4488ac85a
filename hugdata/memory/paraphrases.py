"""Paraphrase reuse: a new question whose embedding is very close to a past successful question of the same project
reuses that question's SQL (validated again and executed fresh by the caller).

Closeness alone is not enough: "orders in 2024" and "orders in 2025", "hired before 2019" and "hired after 2019",
"paid invoices" and "open invoices" embed almost alike. So both questions must also name the same constants: the
same numbers (digits or words), months, comparisons and directions (each by meaning: "most", "highest", "top" are
one), aggregations, negations, capitalised names, and values the project's own columns hold. A pair that differs
in any of them is never reused, however close.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hugdata.catalog.semantic import SemanticModel

# Chosen on the tuning half of hugdata.evaluation.paraphrases (`bench paraphrases`), see that benchmark's report.
REUSE_THRESHOLD = 0.80
_PAST_PREFIX = "answered before with: "
_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
            "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")  # fmt: skip
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(_NUMBERS)} | {
    "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000", "dozen": "12"}  # fmt: skip
# "May" is left out: far more often the verb. A question naming another month still differs by that month.
_MONTH_NAMES = ("january", "february", "march", "april", "", "june", "july", "august", "september", "october",
                "november", "december")  # fmt: skip
_MONTHS = {m: f"month:{i + 1}" for i, m in enumerate(_MONTH_NAMES) if m}
_MONTHS |= {m[:3]: v for m, v in list(_MONTHS.items())} | {"sept": "month:9"}
# Words that change the answer, grouped by meaning so that paraphrases still agree.
_MEANINGS = {
    "max": "most highest largest biggest max maximum top greatest best",
    "min": "least fewest lowest smallest min minimum bottom worst",
    "gt": "more over above exceeding greater",
    "lt": "less fewer under below",
    "before": "before prior earlier",
    "after": "after since later",
    "not": "not no without never none",
    "avg": "average mean avg",
    "sum": "total sum overall",
    "newest": "newest latest recent youngest",
    "oldest": "oldest earliest longest",
    "next": "next upcoming coming",
    "last": "last previous past",
    "asc": "ascending",
    "desc": "descending",
}
_MEANING_OF = {word: meaning for meaning, words in _MEANINGS.items() for word in words.split()}
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[A-Za-z][A-Za-z_']*")


def column_values(model: SemanticModel) -> set[str]:
    """The sampled category values of the project's columns, lower-cased (`paid`, `past_due`, `Engineering`)."""
    return {v.lower() for e in model.entities for c in e.columns for v in c.values if v and len(v) <= 60}


def question_constants(question: str, values: Iterable[str] = ()) -> list[str]:
    """What must be equal in two questions for one's SQL to answer the other."""
    known = {v.replace("_", " ") for v in values}
    text = question.replace("_", " ")
    found = []
    # Values of several words first ("past due"), so that their words are not read on their own ("past").
    for value in sorted((v for v in known if " " in v), key=len, reverse=True):
        at = text.lower().find(value)
        if at >= 0 and value:
            found.append(f"value:{value}")
            text = text[:at] + " " * len(value) + text[at + len(value) :]
    for position, token in enumerate(_TOKEN.findall(text)):
        word = token.lower()
        if word[0].isdigit():
            found.append(word.replace(",", ""))
        elif word in _NUMBER_WORDS:
            found.append(_NUMBER_WORDS[word])
        elif word in _MONTHS:
            found.append(_MONTHS[word])
        elif word in _MEANING_OF:
            found.append(f"~{_MEANING_OF[word]}")
        elif position > 0 and token[0].isupper():
            found.append(f"name:{word}")
        if word in known:
            found.append(f"value:{word}")
        elif word.endswith("s") and word[:-1] in known:
            found.append(f"value:{word[:-1]}")
    return sorted(set(found))


def may_reuse(
    asked: str, new: str, similarity: float, *, values: Iterable[str] = (), threshold: float = REUSE_THRESHOLD
) -> bool:
    """Whether ``new`` may be answered with the SQL of ``asked``."""
    known = set(values)
    return similarity >= threshold and question_constants(asked, known) == question_constants(new, known)


@dataclass(frozen=True)
class ReusablePair:
    question: str
    sql: str
    similarity: float
    document: str


# The kind's rows of one project through the (project_id, doc_key) key, nearest first; stale pairs are not indexed.
_NEAREST_SQL = (
    "SELECT doc_key, title, content, embedding <=> %(q)s AS distance FROM schema_documents "
    "WHERE project_id = %(project_id)s AND kind = 'past_query' AND model_id = %(model_id)s "
    "ORDER BY distance LIMIT 1"
)


def queue_nearest_past_question(
    raw: Any, *, project_id: str, query_vector: Sequence[float], model_id: str
) -> Callable[[], ReusablePair | None]:
    """The project's past successful question closest to the new one's embedding, queued on a pipelined connection
    (``db.pipelined``, vectors registered); the returned call reads it once the pipeline has been sent."""
    params = {"q": np.asarray(query_vector, dtype=np.float32), "project_id": project_id, "model_id": model_id}
    cursor = raw.execute(_NEAREST_SQL, params)

    def pair() -> ReusablePair | None:
        row = cursor.fetchone()
        if row is None or not row[2].startswith(_PAST_PREFIX):
            return None
        return ReusablePair(row[1], row[2].removeprefix(_PAST_PREFIX), 1.0 - float(row[3]), row[0])

    return pair
