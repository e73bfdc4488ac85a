"""Tenant catalog assets, one partition per project: database_schema -> semantic_model -> schema_vector_index.

A run usually covers one project; an onboarding batch covers several, each handled on its own (see batches.py).
The work itself is in catalog_steps, shared with the automation batches.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Backoff,
    DataVersion,
    FreshnessPolicy,
    MaterializeResult,
    RetryPolicy,
    asset,
)

from hugdata.config import get_settings
from hugdata.platform.batches import batch_metadata
from hugdata.platform.catalog_steps import build_model, index_documents, ingest_schema
from hugdata.platform.partitions import hugdata_projects
from hugdata.platform.project_steps import for_each_project
from hugdata.platform.resources import EmbeddingModelResource, PlatformDatabaseResource, TenantDatabaseResource
from hugdata.tenants.asset_states import record_checks

# Transient source errors (network blips, a restarting server) get three tries in all; permanent ones
# (bad credentials) are raised with allow_retries=False and fail at once.
SOURCE_RETRY = RetryPolicy(max_retries=2, delay=2, backoff=Backoff.EXPONENTIAL)
GROUP = "tenant_catalog"
# Who an operator asks about a tenant asset (shown in Dagster's UI).
OWNERS = ["team:hugdata-platform"]
# Dagster shows a catalog asset as failing its freshness once it has gone HUGDATA_CATALOG_MAX_AGE without a
# materialization; GET /assets says it per project (tenants.freshness).
CATALOG_FRESHNESS = FreshnessPolicy.time_window(fail_window=get_settings().catalog_max_age)


@asset(
    partitions_def=hugdata_projects,
    group_name=GROUP,
    retry_policy=SOURCE_RETRY,
    kinds={"sql"},
    owners=OWNERS,
    freshness_policy=CATALOG_FRESHNESS,
)
def database_schema(
    context: AssetExecutionContext, tenant_db: TenantDatabaseResource, platform_db: PlatformDatabaseResource
) -> MaterializeResult:
    """The tenant's source schema, normalized and versioned: a new version only when its fingerprint changes."""
    run_id = context.run.run_id
    per_project = for_each_project(
        context, lambda p: ingest_schema(p, run_id=run_id, tenant_db=tenant_db, platform_db=platform_db), platform_db
    )
    if len(per_project) == 1:
        done = next(iter(per_project.values()))
        return MaterializeResult(
            metadata={**done.metadata, **done.ui_metadata}, data_version=DataVersion(str(done.data_version))
        )
    return MaterializeResult(metadata=batch_metadata({p: r.metadata for p, r in per_project.items()}))


@asset(
    partitions_def=hugdata_projects,
    group_name=GROUP,
    deps=[database_schema],
    kinds={"python"},
    owners=OWNERS,
    freshness_policy=CATALOG_FRESHNESS,
    check_specs=[AssetCheckSpec("relationships_point_at_existing_columns", asset="semantic_model")],
)
def semantic_model(context: AssetExecutionContext, platform_db: PlatformDatabaseResource) -> MaterializeResult:
    """Entities, declared and inferred relationships, metrics and plain descriptions of the latest schema."""
    run_id = context.run.run_id
    per_project = for_each_project(
        context, lambda p: build_model(p, run_id=run_id, platform_db=platform_db), platform_db
    )
    dangling = {p: list(r.findings["dangling"])[:50] for p, r in per_project.items() if r.findings["dangling"]}
    record_check_results(platform_db, "semantic_model", {
        p: [_check("relationships_point_at_existing_columns", dangling.get(p, []),
                   "relationships point at columns that do not exist")]
        for p in per_project
    })  # fmt: skip
    return MaterializeResult(
        metadata=batch_metadata({p: r.metadata for p, r in per_project.items()}),
        check_results=[
            AssetCheckResult(
                check_name="relationships_point_at_existing_columns",
                passed=not dangling,
                severity=AssetCheckSeverity.ERROR,
                metadata={"dangling": _single_or_by_project(dangling)},
            )
        ],
    )


def _check(name: str, findings: list[str], what: str) -> dict[str, object]:
    """One project's result of one check, as /assets shows it: what failed, with the first findings."""
    if not findings:
        return {"name": name, "passed": True, "message": ""}
    shown = ", ".join(findings[:5]) + (f" and {len(findings) - 5} more" if len(findings) > 5 else "")
    return {"name": name, "passed": False, "message": f"{what} ({len(findings)}): {shown}"}


def record_check_results(
    platform_db: PlatformDatabaseResource, asset: str, per_project: dict[str, list[dict[str, object]]]
) -> None:
    """Each project's check results beside its asset state, in one transaction for the batch."""
    with platform_db.session() as session:
        for project_id, checks in per_project.items():
            record_checks(session, project_id=project_id, asset=asset, checks=checks)
        session.commit()


def _single_or_by_project(found: dict[str, list[str]]) -> object:
    # A one-project run reports its list as before; a batch names the projects the findings belong to.
    return next(iter(found.values()), []) if len(found) <= 1 else found


@asset(
    partitions_def=hugdata_projects,
    group_name=GROUP,
    deps=[semantic_model],
    kinds={"pgvector"},
    owners=OWNERS,
    freshness_policy=CATALOG_FRESHNESS,
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
    run_id = context.run.run_id
    per_project = for_each_project(
        context, lambda p: index_documents(p, run_id=run_id, platform_db=platform_db, embedder=embedder), platform_db
    )
    missing = {p: list(r.findings["missing"]) for p, r in per_project.items() if r.findings["missing"]}
    dimensions = {p: sorted(r.findings["dimensions"]) for p, r in per_project.items()}
    wrong_dimensions = {p: dims for p, dims in dimensions.items() if dims != [embedder.dimensions]}
    record_check_results(platform_db, "schema_vector_index", {
        p: [_check("every_table_and_column_has_a_document", missing.get(p, []), "tables or columns have no document"),
            _check("vectors_have_the_model_dimension", [str(d) for d in wrong_dimensions.get(p, [])],
                   f"stored vectors are not of the model's {embedder.dimensions} dimensions")]
        for p in per_project
    })  # fmt: skip
    return MaterializeResult(
        metadata=batch_metadata({p: r.metadata for p, r in per_project.items()}),
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
                    "stored_dimensions": _single_or_by_project(dimensions),
                    "model_dimensions": embedder.dimensions,
                },
            ),
        ],
    )
