"""What one answer's SQL changed from the previous turn's, read from both queries' explanations: whoever wrote the
new SQL (an LLM says nothing of what it changed), the thread says it."""

from __future__ import annotations

from hugdata.catalog.semantic import SemanticModel
from hugdata.explain.reading import explain
from hugdata.tenants.models import Dialect

_KINDS = ("measure", "source", "join", "filter", "group", "order", "limit")
MAX_CHANGES = 6


def changes_between(previous_sql: str, sql: str, *, dialect: Dialect, model: SemanticModel) -> list[str]:
    """Parts of ``sql``'s reading that ``previous_sql``'s lacks ("now ..."), then those it dropped ("no longer ...")."""
    before = explain(previous_sql, dialect=dialect, model=model, question="").parts
    after = explain(sql, dialect=dialect, model=model, question="").parts
    old = {(p.kind, p.sql) for p in before}
    new = {(p.kind, p.sql) for p in after}
    added = [f"now {p.text}" for p in after if p.kind in _KINDS and (p.kind, p.sql) not in old]
    dropped = [f"no longer {p.text}" for p in before if p.kind in _KINDS and (p.kind, p.sql) not in new]
    return (added + dropped)[:MAX_CHANGES]
