"""A project's catalog: its latest schema, its semantic model, and semantic search over its documents."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from hugdata.api.deps import CurrentProject, ProjectScope, RuntimeDep, SessionDep
from hugdata.api.quotas import search_quota
from hugdata.api.runtime import ApiRuntime
from hugdata.api.schemas import ErrorBody
from hugdata.catalog.documents import DOCUMENT_KINDS, DocumentKind
from hugdata.catalog.embedder_factory import embedder_for
from hugdata.catalog.models import SchemaDocumentRow
from hugdata.catalog.store import latest_semantic_model, latest_snapshot, schema_versions
from hugdata.catalog.vector_store import SearchHit, search_documents_scoped
from hugdata.db import read_retrying
from hugdata.observability.api_metrics import SEARCH_SECONDS
from hugdata.observability.server_timing import server_timing
from hugdata.tenants.asset_states import catalog_not_ready
from hugdata.tenants.errors import CatalogNotReady, ProjectNotFound
from hugdata.tenants.registry import project_exists

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["catalog"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
}


class SchemaRead(BaseModel):
    project_id: str
    version: int
    fingerprint: str
    snapshot: dict[str, Any]
    diff: dict[str, Any]


class SemanticModelRead(BaseModel):
    project_id: str
    schema_version: int
    model: dict[str, Any]


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=10, ge=1, le=100)
    kinds: list[DocumentKind] | None = Field(
        default=None,
        description=f"any of {', '.join(DOCUMENT_KINDS)}; unless only metric is asked for, metric documents come "
        "after tables, columns and relationships",
    )


class SearchResponse(BaseModel):
    project_id: str
    results: list[SearchHit]


@router.get("/schema", response_model=SchemaRead, responses=_ERRORS)
def read_schema(project: CurrentProject, session: SessionDep) -> SchemaRead:
    """The latest schema snapshot of the project's source and its version."""
    stored = latest_snapshot(session, project.id)
    if stored is None:
        raise CatalogNotReady(catalog_not_ready(session, project.id, "schema snapshot"))
    return SchemaRead(
        project_id=project.id,
        version=stored.version,
        fingerprint=stored.fingerprint,
        snapshot=stored.snapshot.model_dump(mode="json"),
        diff=stored.diff.model_dump(mode="json"),
    )


class SchemaVersionRead(BaseModel):
    version: int
    fingerprint: str
    created_at: datetime
    tables: int
    diff: dict[str, Any] = Field(description="tables and columns added, removed or retyped since the version before")
    affected: dict[str, Any] | None = Field(
        default=None,
        description="what the change made stale: affected_questions, query_log_ids, golden_question_ids, "
        "cached_answers_dropped, semantic_layer_stale (paths of curated entries it broke); null for a first version",
    )


class SchemaVersionPage(BaseModel):
    project_id: str
    items: list[SchemaVersionRead]
    next_before: int | None = Field(description="pass as `before` for the next (older) page; null on the last page")


@router.get("/schema/versions", response_model=SchemaVersionPage, responses=_ERRORS)
def read_schema_versions(
    project: CurrentProject,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1, description="only versions older than this one")] = None,
) -> SchemaVersionPage:
    """The project's schema versions, newest first, each with its diff against the version before."""
    versions = schema_versions(session, project.id, limit=limit, before=before)
    items = [
        SchemaVersionRead(
            version=v.version,
            fingerprint=v.fingerprint,
            created_at=v.created_at,
            tables=v.tables,
            diff=v.diff.model_dump(mode="json"),
            affected=v.impact,
        )
        for v in versions
    ]
    next_before = versions[-1].version if len(versions) == limit and versions[-1].version > 1 else None
    return SchemaVersionPage(project_id=project.id, items=items, next_before=next_before)


@router.get("/semantic-model", response_model=SemanticModelRead, responses=_ERRORS)
def read_semantic_model(project: CurrentProject, session: SessionDep) -> SemanticModelRead:
    """Entities, relationships and metrics of the project's latest schema."""
    latest = latest_semantic_model(session, project.id)
    if latest is None:
        raise CatalogNotReady(catalog_not_ready(session, project.id, "semantic model"))
    return SemanticModelRead(project_id=project.id, schema_version=latest[0], model=latest[1].model_dump(mode="json"))


@router.post(
    "/search", response_model=SearchResponse, responses={**_ERRORS, 429: {"model": ErrorBody}},
    dependencies=[Depends(search_quota)],
)  # fmt: skip
async def search(request: Request, project_id: ProjectScope, body: SearchRequest, runtime: RuntimeDep) -> Response:
    """The project's documents nearest in meaning to ``query``, best first (scores are cosine similarities).

    The `Server-Timing` header says how long the tenant quota check (`quota`), the query embedding (`embed`) and the
    database search (`db`) took. Over the project key's searches per minute: 429 with Retry-After.
    """
    # The hot path: one hop to a worker thread (embedding, then one autocommit round trip to Postgres) and JSON
    # written by pydantic straight from the result; FastAPI's generic threadpool and response re-validation cost
    # more than the search's own SQL here (profiled under load).
    found = await asyncio.get_running_loop().run_in_executor(None, _search, runtime, project_id, body)
    SEARCH_SECONDS.labels("embed").observe(found.embed_ms / 1000)
    SEARCH_SECONDS.labels("database").observe(found.db_ms / 1000)
    return Response(
        found.response.model_dump_json(),
        media_type="application/json",
        headers={
            "Server-Timing": server_timing(
                {"quota": getattr(request.state, "quota_ms", 0.0), "embed": found.embed_ms, "db": found.db_ms},
                decimals=3,
            )
        },
    )


@dataclass(frozen=True)
class _TimedSearch:
    response: SearchResponse
    embed_ms: float
    db_ms: float


def _search(runtime: ApiRuntime, project_id: str, body: SearchRequest) -> _TimedSearch:
    started = time.perf_counter()
    embedder = embedder_for(runtime.settings)
    vector = embedder.embed([body.query])[0]
    embedded = time.perf_counter()
    hits = read_retrying(
        runtime.reads,
        lambda connection: search_documents_scoped(
            connection,
            project_id=project_id,
            query_vector=vector,
            model_id=embedder.model_id,
            k=body.k,
            kinds=body.kinds,
        ),
    )
    searched = time.perf_counter()
    if not hits:
        # Checked only when nothing was found: a project with documents exists, and has a search index.
        with runtime.sessions() as session:
            if not project_exists(session, project_id):
                raise ProjectNotFound(f"project {project_id!r} not found")
            indexed = session.scalar(
                select(SchemaDocumentRow.doc_key).where(SchemaDocumentRow.project_id == project_id).limit(1)
            )
            if indexed is None:
                # As ask says it: the first run has not finished, or the catalog's last run failed and why.
                raise CatalogNotReady(catalog_not_ready(session, project_id, "search index"))
    return _TimedSearch(
        SearchResponse(project_id=project_id, results=hits),
        embed_ms=(embedded - started) * 1000,
        db_ms=(searched - embedded) * 1000,
    )
