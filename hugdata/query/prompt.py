"""The prompt for one question: the tenant's most relevant schema documents, within a token budget."""

from __future__ import annotations

from collections.abc import Sequence

from hugdata.catalog.vector_store import SearchHit
from hugdata.tenants.models import Dialect

# Without the endpoint's own tokenizer, ~4 characters per token is the usual estimate for English and SQL text.
CHARS_PER_TOKEN = 4

_SYSTEM = (
    "You write one read-only SQL query for a {dialect} database that answers the user's question. Use only the "
    "tables and columns listed below, qualified as written. Answer with the SQL in a ```sql block and nothing else."
)


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def build_messages(
    question: str, hits: Sequence[SearchHit], *, dialect: Dialect, token_budget: int
) -> list[dict[str, str]]:
    """System + user messages; documents are added best first while they fit in ``token_budget``."""
    system = _SYSTEM.format(dialect=dialect.value)
    used = estimate_tokens(system) + estimate_tokens(question) + 20
    context: list[str] = []
    for hit in hits:
        line = f"- {hit.title}: {hit.content}"
        cost = estimate_tokens(line)
        if used + cost > token_budget:
            break
        context.append(line)
        used += cost
    schema = "\n".join(context) or "- (no schema documents found)"
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Schema:\n{schema}\n\nQuestion: {question}"},
    ]


def feedback_message(sql: str, error: str) -> list[dict[str, str]]:
    """What goes back to the model after an invalid answer: its SQL and why it was refused."""
    return [
        {"role": "assistant", "content": f"```sql\n{sql}\n```"},
        {"role": "user", "content": f"That query was refused: {error}. Write a corrected query."},
    ]
