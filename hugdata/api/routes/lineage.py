"""A project's column lineage: the graph from source columns to the questions and analytics that read them, and
everything that depends on one column."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hugdata.api.deps import CurrentProject, SessionDep
from hugdata.api.schemas import ErrorBody
from hugdata.catalog.store import latest_semantic_model
from hugdata.lineage.graph import column_id, project_graph, table_id
from hugdata.semantic_layer.in_force import model_in_force
from hugdata.tenants.asset_states import catalog_not_ready
from hugdata.tenants.errors import CatalogNotReady, LineageTargetNotFound

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["lineage"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
    422: {"model": ErrorBody},
}
_COLUMN = r"^[^.]+(\.[^.]+)+$"


class LineageNode(BaseModel):
    id: str = Field(description="stable across calls: table:, column:, entity:, relationship:, metric:, document:, "
                    "query:, golden:, asset:")  # fmt: skip
    kind: str
    label: str
    model_config = {"extra": "allow"}


class LineageEdge(BaseModel):
    source: str
    target: str
    kind: str = Field(description="has_column, modelled_as, joins, measured_by, embedded_as, read_by, feeds")
    uses: list[str] | None = Field(
        default=None, description="read_by only: projected, filtered, joined, grouped, aggregated, ordered, read"
    )


class LineageRead(BaseModel):
    project_id: str
    schema_version: int
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = Field(description="more saved questions than max_questions: the newest are shown")


class ImpactRead(BaseModel):
    project_id: str
    column: str
    questions: list[dict[str, Any]] = Field(description="query-log entries that read the column, with how")
    golden_questions: list[dict[str, Any]]
    semantic: list[str] = Field(description="entities, relationships and metrics built on the column")
    documents: list[str] = Field(description="vector documents built from it")
    assets: list[str] = Field(description="analytics assets that read those questions")
    truncated: bool


def _model(session: SessionDep, project_id: str) -> tuple[int, Any]:
    latest = latest_semantic_model(session, project_id)
    if latest is None:
        raise CatalogNotReady(catalog_not_ready(session, project_id, "semantic model"))
    # The graph shows the model asks use: the tenant's curated relationships and metrics included.
    return latest[0], model_in_force(session, project_id, latest[1])


@router.get("/lineage", response_model=LineageRead, responses=_ERRORS, response_model_exclude_none=True)
def read_lineage(
    project: CurrentProject,
    session: SessionDep,
    table: Annotated[str | None, Query(description="schema.table: only what is downstream of it")] = None,
    column: Annotated[
        str | None, Query(pattern=_COLUMN, description="schema.table.column: only what is downstream of it")
    ] = None,
    max_questions: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> LineageRead:
    """The project's lineage graph: source tables and columns -> semantic model -> documents -> saved questions
    -> analytics assets; `table` or `column` keep only the part connected downstream of it."""
    version, model = _model(session, project.id)
    graph = project_graph(
        session, project_id=project.id, model=model, table=table, column=column, max_questions=max_questions
    )
    wanted = column_id(*column.rsplit(".", 1)) if column else table_id(table) if table else None
    if wanted is not None and wanted not in graph.nodes:
        raise LineageTargetNotFound(
            f"project {project.id!r} has no {'column' if column else 'table'} {column or table!r} in its schema, "
            "and none of its saved questions reads it"
        )
    body = graph.as_json()
    return LineageRead(project_id=project.id, schema_version=version, **body)


@router.get("/lineage/impact", response_model=ImpactRead, responses=_ERRORS)
def read_lineage_impact(
    project: CurrentProject,
    session: SessionDep,
    column: Annotated[str, Query(pattern=_COLUMN, description="schema.table.column, e.g. main.orders.total")],
    max_questions: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> ImpactRead:
    """Everything that depends on one column: saved questions (and how they use it), golden questions, the
    semantic model's parts, vector documents and analytics assets."""
    _, model = _model(session, project.id)
    graph = project_graph(session, project_id=project.id, model=model, column=column, max_questions=max_questions)
    start = column_id(*column.rsplit(".", 1))
    if start not in graph.nodes:
        raise LineageTargetNotFound(
            f"project {project.id!r} has no column {column!r} in its schema, and none of its saved questions reads it"
        )
    uses = {e["target"]: e.get("uses", []) for e in graph.edges.values() if e["source"] == start}
    nodes = sorted(graph.nodes.values(), key=lambda n: n["id"])

    def question(n: dict[str, Any]) -> dict[str, Any]:
        return {"id": int(n["id"].split(":", 1)[1]), "question": n["label"], "uses": uses.get(n["id"], []),
                "stale": n.get("stale", False)}  # fmt: skip

    return ImpactRead(
        project_id=project.id,
        column=column,
        questions=[question(n) for n in nodes if n["kind"] == "question"],
        golden_questions=[question(n) for n in nodes if n["kind"] == "golden_question"],
        semantic=[n["id"] for n in nodes if n["kind"] in ("entity", "relationship", "metric")],
        documents=[n["id"] for n in nodes if n["kind"] == "document"],
        assets=[n["id"] for n in nodes if n["kind"] == "asset"],
        truncated=graph.truncated,
    )
