"""A tenant's past successful question -> SQL pairs as retrieval documents (the `query_history_index` asset)."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy.orm import Session

from hugdata.catalog.documents import Document
from hugdata.catalog.semantic import SemanticModel
from hugdata.lineage.store import stale_query_ids
from hugdata.query.log import successful_asks
from hugdata.tenants.models import Dialect

MAX_PAST_QUERIES = 200
_SCAN = 2000  # newest log rows read to find that many distinct questions


def _normalized(question: str) -> str:
    return re.sub(r"\s+", " ", question.strip().lower().rstrip("?.! "))


def past_query_key(question: str) -> str:
    """The document key of a question's past pair: one per distinct normalized question."""
    return f"past_query:{hashlib.sha256(_normalized(question).encode()).hexdigest()[:32]}"


def past_query_documents(
    session: Session, *, project_id: str, dialect: Dialect, model: SemanticModel
) -> list[Document]:
    """The newest SQL of each distinct question that ran without error and still fits the current schema."""
    # Imported here so that schema-change handling, which needs only past_query_key, does not load sqlglot.
    from hugdata.query.validation import QueryRejected, validate_query

    rows = session.execute(successful_asks(project_id, limit=_SCAN)).all()
    stale = stale_query_ids(session, project_id, [row[3] for row in rows])
    documents: list[Document] = []
    seen: set[str] = set()
    for question, sql, _latency, log_id in rows:
        key = _normalized(question)
        if key in seen or not key:
            continue
        seen.add(key)
        if log_id in stale:
            continue  # its newest SQL reads what a schema change removed or retyped: not an example to follow
        try:
            # A pair whose tables or columns are gone would teach the LLM a query that no longer runs.
            tables = validate_query(sql, dialect=dialect, model=model, max_rows=1_000_000).tables
        except QueryRejected:
            continue
        documents.append(
            Document(
                key=past_query_key(question),
                kind="past_query",
                title=question,
                content=f"answered before with: {sql}",
                tables=tables,
            )
        )
        if len(documents) == MAX_PAST_QUERIES:
            break
    return documents
