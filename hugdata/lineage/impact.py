"""What a schema change breaks: the saved questions whose lineage reads a removed or retyped column or a removed
table are marked stale (no longer offered to the LLM as examples, reported as stale by model_accuracy), the
project's remembered answers from the old version are dropped, and a signed `schema.changed` webhook names them.
Curated semantic-layer entries it breaks are kept, listed, and announced by `semantic_layer.stale`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select, tuple_, update
from sqlalchemy.orm import Session

from hugdata.catalog.models import SchemaDocumentRow, SchemaSnapshotRow
from hugdata.catalog.schema import SchemaDiff
from hugdata.lineage.store import GOLDEN, QUERY, ColumnLineageRow, LineageSource
from hugdata.memory.answers import RememberedAnswer
from hugdata.query.history import past_query_key
from hugdata.semantic_layer.drift import entries_using
from hugdata.semantic_layer.store import current_layer
from hugdata.webhooks.outbox import enqueue

MAX_LISTED = 1000  # IDs named in one webhook; the counts are always complete


@dataclass(frozen=True)
class SchemaChangeImpact:
    from_version: int
    to_version: int
    query_log_ids: list[int]
    golden_question_ids: list[int]
    cached_answers: int
    curated_entries: list[str] = field(default_factory=list)  # paths in the semantic layer the change broke

    def as_json(self) -> dict[str, Any]:
        return {
            "from_version": self.from_version,
            "to_version": self.to_version,
            "affected_questions": len(self.query_log_ids) + len(self.golden_question_ids),
            "query_log_ids": self.query_log_ids[:MAX_LISTED],
            "golden_question_ids": self.golden_question_ids[:MAX_LISTED],
            "cached_answers_dropped": self.cached_answers,
            "semantic_layer_stale": self.curated_entries[:MAX_LISTED],
        }


def breaking_columns(diff: SchemaDiff) -> tuple[set[tuple[str, str]], set[str]]:
    """(table, column) pairs a query could no longer read as it did, and tables that are gone."""
    columns = {tuple(name.rsplit(".", 1)) for name in (*diff.columns_removed, *diff.columns_changed)}
    return {(t, c) for t, c in columns}, set(diff.tables_removed)


def sources_reading(session: Session, project_id: str, columns: set[tuple[str, str]], tables: set[str]) -> list[str]:
    """Keys of the project's lineage sources that read any of ``columns`` or anything of ``tables``."""
    if not columns and not tables:
        return []
    conditions = []
    if columns:
        conditions.append(tuple_(ColumnLineageRow.table_name, ColumnLineageRow.column_name).in_(sorted(columns)))
    if tables:
        conditions.append(ColumnLineageRow.table_name.in_(sorted(tables)))
    return list(
        session.scalars(
            select(ColumnLineageRow.source_key)
            .where(ColumnLineageRow.project_id == project_id, or_(*conditions))
            .distinct()
        )
    )


def apply_schema_change(
    session: Session, *, project_id: str, from_version: int, to_version: int, diff: SchemaDiff
) -> SchemaChangeImpact:
    """Mark what the change breaks, record it on the new version and queue `schema.changed` (the caller commits)."""
    columns, tables = breaking_columns(diff)
    keys = sources_reading(session, project_id, columns, tables)
    reason = _reason(diff)
    affected = session.execute(
        update(LineageSource)
        .where(
            LineageSource.project_id == project_id,
            LineageSource.source_key.in_(keys),
            LineageSource.stale_version.is_(None),
        )
        .values(stale_version=to_version, stale_reason=reason)
        .returning(
            LineageSource.kind, LineageSource.query_log_id, LineageSource.golden_question_id, LineageSource.question
        )
    ).all()
    query_ids = sorted(row.query_log_id for row in affected if row.kind == QUERY and row.query_log_id is not None)
    golden_ids = sorted(
        row.golden_question_id for row in affected if row.kind == GOLDEN and row.golden_question_id is not None
    )
    # The history index would offer these pairs to the LLM until its next refresh: take them out now.
    stale_pairs = {past_query_key(row.question) for row in affected if row.kind == QUERY}
    if stale_pairs:
        session.execute(
            delete(SchemaDocumentRow).where(
                SchemaDocumentRow.project_id == project_id, SchemaDocumentRow.doc_key.in_(sorted(stale_pairs))
            )
        )
    # Remembered answers are keyed by schema version: none from before can be served again.
    dropped = session.execute(
        delete(RememberedAnswer).where(
            RememberedAnswer.project_id == project_id, RememberedAnswer.schema_version < to_version
        )
    ).rowcount
    curated = entries_using(current_layer(session, project_id).document, columns, tables)
    impact = SchemaChangeImpact(from_version, to_version, query_ids, golden_ids, int(dropped or 0), curated)
    session.execute(
        update(SchemaSnapshotRow)
        .where(SchemaSnapshotRow.project_id == project_id, SchemaSnapshotRow.version == to_version)
        .values(impact=impact.as_json())
    )
    event_id = f"schema.changed:{project_id}:{to_version}"
    enqueue(
        session,
        event_id=event_id,
        project_id=project_id,
        payload={
            "event_id": event_id,
            "project_id": project_id,
            "event": "schema.changed",
            "status": "changed",
            "diff": diff.model_dump(mode="json"),
            **impact.as_json(),
        },
    )
    if curated:
        # Nothing curated is dropped: the entries stay, unused until fixed, and the tenant is told which.
        stale_id = f"semantic_layer.stale:{project_id}:{to_version}"
        enqueue(
            session,
            event_id=stale_id,
            project_id=project_id,
            payload={
                "event_id": stale_id,
                "project_id": project_id,
                "event": "semantic_layer.stale",
                "status": "stale",
                "schema_version": to_version,
                "entries": curated[:MAX_LISTED],
            },  # fmt: skip
        )
    return impact


def _reason(diff: SchemaDiff) -> str:
    parts = []
    if diff.tables_removed:
        parts.append("tables removed: " + ", ".join(diff.tables_removed[:10]))
    if diff.columns_removed:
        parts.append("columns removed: " + ", ".join(diff.columns_removed[:10]))
    if diff.columns_changed:
        parts.append("columns changed: " + ", ".join(diff.columns_changed[:10]))
    return "; ".join(parts)[:1000]
