"""The semantic layer a tenant curates: read it with its ETag, replace it whole with If-Match, list its versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from hugdata.api.dagster_runs import DagsterUnavailable
from hugdata.api.deps import CallerDep, CurrentProject, RuntimeDep, SessionDep
from hugdata.api.routes.audit import write_audit
from hugdata.api.runtime import ApiRuntime
from hugdata.api.schemas import ErrorBody
from hugdata.catalog.store import latest_semantic_model
from hugdata.platform.jobs import schema_sync
from hugdata.semantic_layer.checks import check_document
from hugdata.semantic_layer.document import MAX_DOCUMENT_BYTES, SemanticLayerDocument
from hugdata.semantic_layer.store import (
    StaleVersion,
    current_layer,
    drift_stale_paths,
    layer_versions,
    write_layer,
)
from hugdata.semantic_layer.suggestions import accepted, suggestions_for
from hugdata.tenants.errors import CatalogNotReady
from hugdata.tenants.keys import Caller
from hugdata.tenants.models import Project, Tier

router = APIRouter(prefix="/v1/projects/{project_id}/semantic-layer", tags=["semantic layer"])
_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 404: {"model": ErrorBody}}
_DRIFTED = (
    "a schema sync since this version removed or retyped a column this entry uses; it is not used until the layer "
    "is written again (PUT it unchanged to confirm it still holds)"
)


class StaleEntry(BaseModel):
    path: str
    message: str


class SemanticLayerRead(BaseModel):
    project_id: str
    version: int = Field(description="0 before anything was curated")
    etag: str = Field(description="send it back as If-Match to replace this version")
    document: SemanticLayerDocument
    stale: list[StaleEntry] = Field(
        default_factory=list,
        description="entries the current schema no longer fits (a column removed or retyped by a sync): kept in the "
        "document, not used until fixed",
    )
    search_refresh_run_id: str | None = Field(
        default=None,
        description="on a write: the run re-indexing the project's search documents with this version; null when "
        "nothing changed or Dagster could not be reached (the next schema sync re-indexes them)",
    )


class SemanticLayerVersion(BaseModel):
    version: int
    etag: str
    author: str = Field(description="admin, or the project key's id that wrote it")
    created_at: datetime | None
    changed: list[str] = Field(description="the top-level entries that differ from the version before")


class SemanticLayerVersions(BaseModel):
    project_id: str
    versions: list[SemanticLayerVersion]


@router.get("", response_model=SemanticLayerRead, responses=_ERRORS)
def read_semantic_layer(project: CurrentProject, session: SessionDep, response: Response) -> SemanticLayerRead:
    """The curated document in force, with its ETag (also in the ETag header)."""
    layer = current_layer(session, project.id)
    response.headers["ETag"] = layer.etag
    latest = latest_semantic_model(session, project.id)
    stale = (
        [StaleEntry(path=p.path, message=p.message)
         for p in check_document(layer.document, latest[1], dialect=project.data_source.dialect)]
        if latest is not None and layer.version > 0 else []
    )  # fmt: skip
    named = {e.path for e in stale}
    stale += [
        StaleEntry(path=path, message=_DRIFTED)
        for path in drift_stale_paths(session, project.id, layer)
        if path not in named
    ]
    return SemanticLayerRead(
        project_id=project.id, version=layer.version, etag=layer.etag, document=layer.document, stale=stale
    )


@router.put(
    "",
    response_model=SemanticLayerRead,
    responses={**_ERRORS, 412: {"model": ErrorBody}, 413: {"model": ErrorBody}, 422: {"model": ErrorBody},
               428: {"model": ErrorBody}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/SemanticLayerDocument"}}}}},
)  # fmt: skip
async def replace_semantic_layer(
    request: Request,
    project: CurrentProject,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: CallerDep,
    if_match: str | None = Header(default=None),
) -> Response:
    """Replace the whole document. Checked against the project's current schema first: every problem comes back as
    one 422 with the path of each entry; nothing is stored unless all of it is right."""
    if if_match is None:
        return _error(status.HTTP_428_PRECONDITION_REQUIRED, "send If-Match with the ETag of the version you edited")
    raw = await request.body()
    if len(raw) > MAX_DOCUMENT_BYTES:
        return _error(413, f"the document is {len(raw)} bytes; at most {MAX_DOCUMENT_BYTES} are accepted")
    try:
        document = SemanticLayerDocument.model_validate_json(raw or b"{}")
    except ValidationError as invalid:
        problems = [{"path": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in invalid.errors()]
        return _problems(problems)
    return _store(session, runtime, caller, project, document, if_match)


def _store(
    session: Any, runtime: ApiRuntime, caller: Caller, project: Project, document: SemanticLayerDocument, if_match: str
) -> Response:
    project_id, dialect = project.id, project.data_source.dialect
    before = current_layer(session, project_id).version
    latest = latest_semantic_model(session, project_id)
    if latest is None:
        raise CatalogNotReady(f"project {project_id!r} has no semantic model yet: its catalog has not materialized")
    problems = check_document(document, latest[1], dialect=dialect)
    if problems:
        return _problems([{"path": p.path, "message": p.message} for p in problems])
    try:
        stored = write_layer(session, project_id, document, if_match=if_match, author=_author(caller))
    except StaleVersion as stale:
        detail = f"the document changed since you read it; its ETag is now {stale.args[0]}: read it again"
        return _error(status.HTTP_412_PRECONDITION_FAILED, detail)
    session.commit()
    # A project key's session runs under the tenant role, which may not touch the audit log: the platform writes it.
    with runtime.sessions() as platform:
        write_audit(platform, runtime, caller, "semantic_layer.write", project_id, {"version": stored.version})
        platform.commit()
    refresh = _refresh_search(runtime, project) if stored.version != before else None
    body = SemanticLayerRead(project_id=project_id, version=stored.version, etag=stored.etag, document=stored.document,
                             search_refresh_run_id=refresh)  # fmt: skip
    return JSONResponse(body.model_dump(mode="json"), headers={"ETag": stored.etag})


def _refresh_search(runtime: ApiRuntime, project: Project) -> str | None:
    """Queue the project's search index rebuilt with the new layer, so its words are found now rather than after
    the next nightly sync. Asks use the new layer at once either way; a Dagster outage only delays search."""
    try:
        return runtime.dagster_runs.launch(
            project_id=project.id, tier=Tier(project.tier).value, assets=["schema_vector_index"], job=schema_sync.name
        )
    except DagsterUnavailable:
        return None


@router.get("/versions", response_model=SemanticLayerVersions, responses=_ERRORS)
def read_semantic_layer_versions(project: CurrentProject, session: SessionDep) -> SemanticLayerVersions:
    """Who changed the document when, newest first, with the entries each version changed."""
    layers = layer_versions(session, project.id)
    versions = []
    for i, layer in enumerate(layers):
        before = layers[i + 1].document if i + 1 < len(layers) else SemanticLayerDocument()
        versions.append(
            SemanticLayerVersion(
                version=layer.version,
                etag=layer.etag,
                author=layer.author,
                created_at=layer.created_at,
                changed=_changed(before, layer.document),
            )  # fmt: skip
        )
    return SemanticLayerVersions(project_id=project.id, versions=versions)


class SuggestionRead(BaseModel):
    id: str = Field(description="accept it with POST .../suggestions/{id}/accept")
    kind: str = Field(description="relationship, synonym or label_column")
    path: str = Field(description="where it goes in the document")
    value: dict[str, Any]
    evidence: str
    confidence: float


class SuggestionsRead(BaseModel):
    project_id: str
    etag: str = Field(description="the document's ETag: send it as If-Match when accepting")
    suggestions: list[SuggestionRead]


@router.get("/suggestions", response_model=SuggestionsRead, responses=_ERRORS)
def read_semantic_layer_suggestions(project: CurrentProject, session: SessionDep) -> SuggestionsRead:
    """What inference proposes that the document does not hold yet: links with their evidence, synonyms from
    run-together names, and the column that names each table's rows."""
    layer = current_layer(session, project.id)
    latest = latest_semantic_model(session, project.id)
    if latest is None:
        raise CatalogNotReady(f"project {project.id!r} has no semantic model yet: its catalog has not materialized")
    found = suggestions_for(latest[1], layer.document)
    return SuggestionsRead(
        project_id=project.id, etag=layer.etag, suggestions=[SuggestionRead(**vars(s)) for s in found]
    )


@router.post(
    "/suggestions/{suggestion_id}/accept",
    response_model=SemanticLayerRead,
    responses={**_ERRORS, 412: {"model": ErrorBody}, 422: {"model": ErrorBody}, 428: {"model": ErrorBody}},
)
def accept_semantic_layer_suggestion(
    suggestion_id: str,
    project: CurrentProject,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: CallerDep,
    if_match: str | None = Header(default=None),
) -> Response:
    """Take one suggestion into the document as a new version (checked like a PUT)."""
    if if_match is None:
        return _error(status.HTTP_428_PRECONDITION_REQUIRED, "send If-Match with the ETag of the version you read")
    layer = current_layer(session, project.id)
    latest = latest_semantic_model(session, project.id)
    if latest is None:
        raise CatalogNotReady(f"project {project.id!r} has no semantic model yet: its catalog has not materialized")
    chosen = next((s for s in suggestions_for(latest[1], layer.document) if s.id == suggestion_id), None)
    if chosen is None:
        return _error(status.HTTP_404_NOT_FOUND, f"no suggestion {suggestion_id!r}: it may have been taken already")
    document = accepted(layer.document, chosen)
    return _store(session, runtime, caller, project, document, if_match)


def _changed(before: SemanticLayerDocument, after: SemanticLayerDocument) -> list[str]:
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    changed = [f"tables.{t}" for t in sorted(set(old["tables"]) | set(new["tables"]))
               if old["tables"].get(t) != new["tables"].get(t)]  # fmt: skip
    changed += [key for key in ("relationships", "metrics", "instructions") if old[key] != new[key]]
    return changed


def _author(caller: Caller) -> str:
    return "admin" if caller.is_admin else f"key:{caller.key_id}"


def _error(code: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=code)


def _problems(problems: list[dict[str, str]]) -> JSONResponse:
    first = problems[0]
    detail = f"{len(problems)} problem(s) in the document; first: {first['path']}: {first['message']}"
    return JSONResponse({"detail": detail, "problems": problems}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
