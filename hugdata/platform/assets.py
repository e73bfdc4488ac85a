"""Tenant catalog assets, one partition per project: database_schema -> semantic_model -> schema_vector_index.

A run usually covers one project; an onboarding batch covers several, each handled on its own (see batches.py).
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Backoff,
    DataVersion,
    Failure,
    MaterializeResult,
    RetryPolicy,
    asset,
)

from hugdata.catalog.documents import build_documents
from hugdata.catalog.schema import SchemaSnapshot
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.catalog.store import latest_semantic_model, latest_snapshot, save_semantic_model, save_snapshot_if_changed
from hugdata.catalog.vector_store import stored_dimensions, stored_document_keys, sync_documents
from hugdata.config import get_settings
from hugdata.platform.batches import batch_metadata, for_each_project
from hugdata.platform.partitions import hugdata_projects
from hugdata.platform.resources import EmbeddingModelResource, PlatformDatabaseResource, TenantDatabaseResource
from hugdata.platform.state import record_state

# Transient source errors (network blips, a restarting server) get three tries in all; permanent ones
# (bad credentials) are raised with allow_retries=False and fail at once.
SOURCE_RETRY = RetryPolicy(max_retries=2, delay=2, backoff=Backoff.EXPONENTIAL)
GROUP = "tenant_catalog"


@asset(partitions_def=hugdata_projects, group_name=GROUP, retry_policy=SOURCE_RETRY, kinds={"sql"})
def database_schema(
    context: AssetExecutionContext, tenant_db: TenantDatabaseResource, platform_db: PlatformDatabaseResource
) -> MaterializeResult:
    """The tenant's source schema, normalized and versioned: a new version only when its fingerprint changes."""

    def one(project_id: str) -> dict[str, object]:
        snapshot = tenant_db.introspect(project_id)
        with platform_db.session() as session:
            stored = save_snapshot_if_changed(session, project_id=project_id, snapshot=snapshot)
            session.commit()
        diff = stored.diff if stored.created else None
        metadata = {
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
        }
        record_state(
            context, platform_db, project_id, {k: metadata[k] for k in ("schema_version", "new_version", "tables")}
        )
        return metadata

    per_project = for_each_project(context, one)
    if len(per_project) == 1:
        metadata = next(iter(per_project.values()))
        return MaterializeResult(metadata=metadata, data_version=DataVersion(str(metadata["fingerprint"])))
    return MaterializeResult(metadata=batch_metadata(per_project))


@asset(
    partitions_def=hugdata_projects,
    group_name=GROUP,
    deps=[database_schema],
    check_specs=[AssetCheckSpec("relationships_point_at_existing_columns", asset="semantic_model")],
)
def semantic_model(context: AssetExecutionContext, platform_db: PlatformDatabaseResource) -> MaterializeResult:
    """Entities, declared and inferred relationships, metrics and plain descriptions of the latest schema."""

    def one(project_id: str) -> tuple[dict[str, object], list[str]]:
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
        record_state(context, platform_db, project_id, metadata)
        return metadata, dangling_relationship_columns(model, stored.snapshot)

    per_project = for_each_project(context, one)
    dangling = {project_id: found[:50] for project_id, (_, found) in per_project.items() if found}
    return MaterializeResult(
        metadata=batch_metadata({project_id: metadata for project_id, (metadata, _) in per_project.items()}),
        check_results=[
            AssetCheckResult(
                check_name="relationships_point_at_existing_columns",
                passed=not dangling,
                severity=AssetCheckSeverity.ERROR,
                metadata={"dangling": _single_or_by_project(dangling)},
            )
        ],
    )


def _single_or_by_project(found: dict[str, list[str]]) -> object:
    # A one-project run reports its list as before; a batch names the projects the findings belong to.
    return next(iter(found.values()), []) if len(found) <= 1 else found


def dangling_relationship_columns(model: SemanticModel, snapshot: SchemaSnapshot) -> list[str]:
    """Relationship ends that name a table or column the snapshot does not have."""
    missing = []
    for rel in model.relationships:
        for entity, columns in ((rel.from_entity, rel.from_columns), (rel.to_entity, rel.to_columns)):
            table = snapshot.table(entity)
            missing += [f"{entity}.{c}" for c in columns if table is None or table.column(c) is None]
    return missing


@asset(
    partitions_def=hugdata_projects,
    group_name=GROUP,
    deps=[semantic_model],
    kinds={"pgvector"},
    check_specs=[
        AssetCheckSpec("every_table_and_column_has_a_document", asset="schema_vector_index"),
        AssetCheckSpec("vectors_have_the_model_dimension", asset="schema_vector_index"),
    ],
)
def schema_vector_index(
    context: AssetExecutionContext, platform_db: PlatformDatabaseResource, embeddings: EmbeddingModelResource
) -> MaterializeResult:
    """One embedded document per table, column, relationship and metric; unchanged documents are not re-embedded."""
    embedder = embeddings.embedder()

    def one(project_id: str) -> tuple[dict[str, object], list[str], set[int]]:
        with platform_db.session() as session:
            latest = latest_semantic_model(session, project_id)
            if latest is None:
                raise Failure(f"project {project_id}: no semantic model yet; materialize semantic_model first")
            schema_version, model = latest
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
        record_state(context, platform_db, project_id, metadata)
        return metadata, sorted(expected - keys), dimensions

    per_project = for_each_project(context, one)
    missing = {project_id: found for project_id, (_, found, _) in per_project.items() if found}
    wrong_dimensions = {
        project_id: sorted(dims) for project_id, (_, _, dims) in per_project.items() if dims != {embedder.dimensions}
    }
    return MaterializeResult(
        metadata=batch_metadata({project_id: metadata for project_id, (metadata, _, _) in per_project.items()}),
        check_results=[
            AssetCheckResult(
                check_name="every_table_and_column_has_a_document",
                passed=not missing,
                metadata={
                    "missing": _single_or_by_project({p: found[:50] for p, found in missing.items()}),
                    "missing_count": sum(len(found) for found in missing.values()),
                },
            ),
            AssetCheckResult(
                check_name="vectors_have_the_model_dimension",
                passed=not wrong_dimensions,
                metadata={
                    "stored_dimensions": _single_or_by_project(
                        {p: sorted(dims) for p, (_, _, dims) in per_project.items()}
                    ),
                    "model_dimensions": embedder.dimensions,
                },
            ),
        ],
    )
