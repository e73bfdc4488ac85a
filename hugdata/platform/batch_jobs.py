"""The batch jobs of automation.py: one op that works through the run's projects one at a time.

For each project it runs the same steps as the single-project assets (catalog_steps, analytics_steps) under the
project's lock, and records each step as a materialization of that project's partition, so Dagster's UI and the
asset states show every partition as its own. A failing project stops only itself: its remaining assets are
marked failed with its cause, and afterwards the run fails naming how many failed, which the run-failure sensor
answers with a single-project run for each of them (and only them). A project another run is working on is
skipped the same way, to be run on its own once that run lets go.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from dagster import AssetKey, AssetMaterialization, Failure, OpExecutionContext, job, op

from hugdata.observability.run_logs import RUN_LOGGING, working_on
from hugdata.platform.analytics_steps import (
    index_past_queries,
    report_optimizations,
    score_golden_questions,
    summarize_usage,
)
from hugdata.platform.automation import ANALYTICS_BATCH_JOB, SCHEMA_SYNC_BATCH_JOB, batch_members
from hugdata.platform.catalog_steps import StepResult, build_model, index_documents, ingest_schema
from hugdata.platform.project_steps import project_failure_message, save_step_outcomes
from hugdata.platform.resources import (
    EmbeddingModelResource,
    PlatformDatabaseResource,
    QuestionAnsweringResource,
    TenantDatabaseResource,
)
from hugdata.platform.run_events import announce_started
from hugdata.tenants.asset_states import record_failed
from hugdata.tenants.models import Project
from hugdata.tenants.project_locks import project_lock
from hugdata.tenants.run_failures import record_run_failure
from hugdata.tenants.run_steps import StepOutcome

Step = tuple[str, Callable[[str], StepResult | dict[str, object]]]


def run_batch(context: OpExecutionContext, platform_db: PlatformDatabaseResource, steps: Sequence[Step]) -> None:
    """Every listed project through ``steps`` in order, each on its own; fail afterwards if any project failed."""
    projects = batch_members(context.run.tags)
    announce_started(context.instance, context.run, platform_db, projects)
    run_id = context.run.run_id
    failed: dict[str, str] = {}
    outcomes: list[StepOutcome] = []
    for project_id in projects:
        remaining = [asset for asset, _ in steps]
        started = datetime.now(UTC)
        try:
            with working_on(project_id), project_lock(platform_db.engine, project_id) as held:
                if not held:
                    raise Failure(f"project {project_id}: another run is working on it; it runs on its own next")
                for asset, work in steps:
                    done = work(project_id)
                    metadata = {**done.metadata, **done.ui_metadata} if isinstance(done, StepResult) else done
                    context.log_event(
                        AssetMaterialization(asset_key=AssetKey(asset), partition=project_id, metadata=metadata)
                    )
                    remaining.pop(0)
                    outcomes.append(StepOutcome(run_id, project_id, asset, "SUCCESS", started, datetime.now(UTC)))
                    started = datetime.now(UTC)
        except Exception as exc:
            cause = project_failure_message(project_id, exc)
            outcomes.extend(_failed_and_skipped(run_id, project_id, remaining, started, cause))
            with platform_db.session() as session:
                if session.get(Project, project_id) is None:
                    continue  # offboarded while the batch ran: nothing of it is kept, nor re-run
                record_failed(session, project_id=project_id, assets=remaining, run_id=run_id, cause=cause)
                record_run_failure(session, run_id=run_id, project_id=project_id, cause=cause)
                session.commit()
            with working_on(project_id):
                context.log.error(cause)
            failed[project_id] = cause
        if len(outcomes) >= _OUTCOMES_PER_WRITE:
            save_step_outcomes(platform_db, outcomes)
            outcomes = []
    save_step_outcomes(platform_db, outcomes)
    context.log.info(f"batch of {len(projects)} projects: {len(projects) - len(failed)} done, {len(failed)} failed")
    if failed:
        raise Failure(
            description=f"{len(failed)} of {len(projects)} projects failed; each is re-run on its own",
            metadata={"failed_projects": len(failed)},
            allow_retries=False,
        )


# A batch keeps its projects' step outcomes in writes of about this many rows, not one per project.
_OUTCOMES_PER_WRITE = 500


def _failed_and_skipped(
    run_id: str, project_id: str, remaining: Sequence[str], started: datetime, cause: str
) -> list[StepOutcome]:
    """The step that failed for the project, with the cause, and the steps after it that it never ran."""
    ended = datetime.now(UTC)
    failing, *skipped = remaining
    return [
        StepOutcome(run_id, project_id, failing, "FAILURE", started, ended, cause),
        *(StepOutcome(run_id, project_id, a, "SKIPPED", None, ended, f"not run: {failing} failed") for a in skipped),
    ]


@op(description="Sync the schema, semantic model and vector index of each project the run lists.")
def sync_listed_projects(
    context: OpExecutionContext,
    tenant_db: TenantDatabaseResource,
    platform_db: PlatformDatabaseResource,
    embeddings: EmbeddingModelResource,
) -> None:
    embedder, run_id = embeddings.embedder(), context.run.run_id
    run_batch(
        context,
        platform_db,
        [
            (
                "database_schema",
                lambda p: ingest_schema(p, run_id=run_id, tenant_db=tenant_db, platform_db=platform_db),
            ),
            ("semantic_model", lambda p: build_model(p, run_id=run_id, platform_db=platform_db)),
            (
                "schema_vector_index",
                lambda p: index_documents(p, run_id=run_id, platform_db=platform_db, embedder=embedder),
            ),
        ],
    )


@op(description="Refresh the analytics assets of each project the run lists.")
def refresh_listed_projects(
    context: OpExecutionContext,
    tenant_db: TenantDatabaseResource,
    platform_db: PlatformDatabaseResource,
    embeddings: EmbeddingModelResource,
    answering: QuestionAnsweringResource,
) -> None:
    embedder, run_id = embeddings.embedder(), context.run.run_id
    ask_context = answering.context(platform_db, embedder)
    run_batch(
        context,
        platform_db,
        [
            ("usage_analytics", lambda p: summarize_usage(p, run_id=run_id, platform_db=platform_db)),
            (
                "query_history_index",
                lambda p: index_past_queries(p, run_id=run_id, platform_db=platform_db, embedder=embedder),
            ),
            (
                "model_accuracy",
                lambda p: score_golden_questions(p, run_id=run_id, platform_db=platform_db, ask_context=ask_context),
            ),
            (
                "query_optimization_report",
                lambda p: report_optimizations(p, run_id=run_id, platform_db=platform_db, tenant_db=tenant_db),
            ),
        ],
    )


@job(
    name=SCHEMA_SYNC_BATCH_JOB,
    description="schema_sync for the projects listed in the run's tags, each on its own.",
    config=RUN_LOGGING,
)
def schema_sync_batch() -> None:
    sync_listed_projects()


@job(
    name=ANALYTICS_BATCH_JOB,
    description="analytics_refresh for the projects listed in the run's tags.",
    config=RUN_LOGGING,
)
def analytics_refresh_batch() -> None:
    refresh_listed_projects()
