"""One project's catalog work, a function per asset: the partitioned assets and the automation batches both call
these, so a project synced in a nightly batch gets exactly what a single-project run gives it."""

from __future__ import annotations

from dataclasses import dataclass, field

from dagster import Failure, MetadataValue
from sqlalchemy.orm import Session

from hugdata.catalog.documents import build_documents
from hugdata.catalog.embeddings import Embedder
from hugdata.catalog.schema import SchemaDiff, SchemaSnapshot
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.catalog.store import latest_semantic_model, latest_snapshot, save_semantic_model, save_snapshot_if_changed
from hugdata.catalog.vector_store import stored_dimensions, stored_document_keys, sync_documents
from hugdata.config import get_settings
from hugdata.lineage.impact import SchemaChangeImpact, apply_schema_change
from hugdata.lineage.store import catch_up
from hugdata.platform.resources import PlatformDatabaseResource, TenantDatabaseResource
from hugdata.platform.schema_metadata import schema_metadata
from hugdata.platform.state import record_state
from hugdata.semantic_layer.in_force import model_in_force


@dataclass(frozen=True)
class StepResult:
    """What one asset step did for one project: its materialization metadata and what its checks found."""

    metadata: dict[str, object]
    findings: dict[str, object] = field(default_factory=dict)
    data_version: str | None = None
    # Shown on the project's own partition only (Dagster metadata values, not JSON for a batch's summary).
    ui_metadata: dict[str, MetadataValue] = field(default_factory=dict)


def ingest_schema(
    project_id: str, *, run_id: str, tenant_db: TenantDatabaseResource, platform_db: PlatformDatabaseResource
) -> StepResult:
    """database_schema: introspect the source; a new schema version only when its fingerprint changed."""
    snapshot = tenant_db.introspect(project_id)
    impact = None
    with platform_db.session() as session:
        stored = save_snapshot_if_changed(session, project_id=project_id, snapshot=snapshot)
        if stored.created and stored.version > 1:
            impact = _schema_change_impact(session, platform_db, project_id, stored.version, stored.diff)
        session.commit()
    diff = stored.diff if stored.created else None
    metadata: dict[str, object] = {
        "schema_version": stored.version,
        "fingerprint": stored.fingerprint,
        "new_version": stored.created,
        "tables": len(snapshot.tables),
        "columns": sum(len(t.columns) for t in snapshot.tables),
        "tables_added": diff.tables_added if diff else [],
        "tables_removed": diff.tables_removed if diff else [],
        "columns_added": diff.columns_added if diff else [],
        "columns_removed": diff.columns_removed if diff else [],
        "columns_changed": diff.columns_changed if diff else [],
        "affected_questions": impact.as_json()["affected_questions"] if impact else 0,
    }
    state = {k: metadata[k] for k in ("schema_version", "new_version", "tables")}
    record_state(platform_db, project_id=project_id, asset="database_schema", run_id=run_id, summary=state)
    return StepResult(metadata, data_version=stored.fingerprint, ui_metadata=schema_metadata(snapshot))


def _schema_change_impact(
    session: Session, platform_db: PlatformDatabaseResource, project_id: str, version: int, diff: SchemaDiff
) -> SchemaChangeImpact:
    """Mark what the new version breaks; saved questions not parsed yet are parsed first, against the model their
    SQL was written for (the previous version's, still the latest while this step runs)."""
    previous = latest_semantic_model(session, project_id)
    if previous is not None:
        catch_up(
            session,
            project_id=project_id,
            dialect=platform_db.project_facts(project_id).dialect,
            model=previous[1],
            schema_version=previous[0],
        )
    return apply_schema_change(session, project_id=project_id, from_version=version - 1, to_version=version, diff=diff)


def build_model(project_id: str, *, run_id: str, platform_db: PlatformDatabaseResource) -> StepResult:
    """semantic_model: entities, relationships and metrics of the latest schema; finds dangling relationship ends."""
    with platform_db.session() as session:
        stored = latest_snapshot(session, project_id)
        if stored is None:
            raise Failure(f"project {project_id}: no schema snapshot yet; materialize database_schema first")
        model = build_semantic_model(stored.snapshot)
        save_semantic_model(session, project_id=project_id, schema_version=stored.version, model=model)
        session.commit()
    metadata: dict[str, object] = {
        "schema_version": stored.version,
        "entities": len(model.entities),
        "relationships_declared": sum(r.source == "declared" for r in model.relationships),
        "relationships_inferred": sum(r.source == "inferred" for r in model.relationships),
        "metrics": len(model.metrics),
    }
    record_state(platform_db, project_id=project_id, asset="semantic_model", run_id=run_id, summary=metadata)
    return StepResult(metadata, {"dangling": dangling_relationship_columns(model, stored.snapshot)})


def dangling_relationship_columns(model: SemanticModel, snapshot: SchemaSnapshot) -> list[str]:
    """Relationship ends that name a table or column the snapshot does not have."""
    missing = []
    for rel in model.relationships:
        for entity, columns in ((rel.from_entity, rel.from_columns), (rel.to_entity, rel.to_columns)):
            table = snapshot.table(entity)
            missing += [f"{entity}.{c}" for c in columns if table is None or table.column(c) is None]
    return missing


def index_documents(
    project_id: str, *, run_id: str, platform_db: PlatformDatabaseResource, embedder: Embedder
) -> StepResult:
    """schema_vector_index: one embedded document per table, column, relationship and metric (unchanged ones kept)."""
    with platform_db.session() as session:
        latest = latest_semantic_model(session, project_id)
        if latest is None:
            raise Failure(f"project {project_id}: no semantic model yet; materialize semantic_model first")
        schema_version, model = latest
        # The tenant's own words are searchable too: its curated layer over the inferred model.
        model = model_in_force(session, project_id, model)
        documents = build_documents(model)
        result = sync_documents(
            session,
            project_id=project_id,
            documents=documents,
            embedder=embedder,
            share_vectors=get_settings().share_embeddings,
        )
        session.commit()
        keys = stored_document_keys(session, project_id=project_id)
        dimensions = stored_dimensions(session, project_id=project_id)
    expected = {f"table:{e.name}" for e in model.entities} | {
        f"column:{e.name}.{c.name}" for e in model.entities for c in e.columns
    }
    metadata: dict[str, object] = {
        "schema_version": schema_version,
        "documents": len(documents),
        "embedded": result.embedded,
        "reused": result.reused,
        "deleted": result.deleted,
        "copied": result.copied,
        "embedding_model": embedder.model_id,
    }
    record_state(platform_db, project_id=project_id, asset="schema_vector_index", run_id=run_id, summary=metadata)
    return StepResult(metadata, {"missing": sorted(expected - keys), "dimensions": dimensions})
