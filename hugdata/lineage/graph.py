"""A project's lineage as a graph: source tables and columns -> semantic entities, relationships and metrics ->
vector documents -> saved questions (query log, golden questions) -> the analytics assets that read them.

Node IDs are names, so they are the same on every call: `table:main.orders`, `column:main.orders.total`,
`entity:main.orders`, `relationship:...`, `metric:main.orders.revenue`, `document:<doc key>`, `query:<log id>`,
`golden:<id>`, `asset:<asset key>`. Edges point downstream, from what is read to what reads it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hugdata.catalog.models import SchemaDocumentRow
from hugdata.catalog.semantic import SemanticModel
from hugdata.lineage.store import GOLDEN, TABLE_READ, ColumnLineageRow, LineageSource
from hugdata.query.history import past_query_key
from hugdata.semantic_layer.drift import metric_columns

# Which analytics assets read which kind of saved question.
_ASSETS_READING = {
    "query": ("usage_analytics", "query_history_index", "query_optimization_report"),
    GOLDEN: ("model_accuracy",),
}


@dataclass
class LineageGraph:
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    truncated: bool = False

    def node(self, node_id: str, kind: str, label: str, **extra: Any) -> str:
        self.nodes.setdefault(node_id, {"id": node_id, "kind": kind, "label": label, **extra})
        return node_id

    def edge(self, source: str, target: str, kind: str, **extra: Any) -> None:
        self.edges.setdefault((source, target), {"source": source, "target": target, "kind": kind, **extra})

    def downstream_of(self, starts: set[str]) -> LineageGraph:
        """The part reachable from ``starts`` along the edges, with the edges among it."""
        after: dict[str, list[str]] = defaultdict(list)
        for source, target in self.edges:
            after[source].append(target)
        seen, queue = set(starts & self.nodes.keys()), deque(starts & self.nodes.keys())
        while queue:
            for target in after[queue.popleft()]:
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        part = LineageGraph(truncated=self.truncated)
        part.nodes = {k: v for k, v in self.nodes.items() if k in seen}
        part.edges = {k: v for k, v in self.edges.items() if k[0] in seen and k[1] in seen}
        return part

    def as_json(self) -> dict[str, Any]:
        return {
            "nodes": sorted(self.nodes.values(), key=lambda n: n["id"]),
            "edges": sorted(self.edges.values(), key=lambda e: (e["source"], e["target"])),
            "truncated": self.truncated,
        }


def table_id(entity: str) -> str:
    return f"table:{entity}"


def column_id(entity: str, column: str) -> str:
    return f"column:{entity}.{column}"


def catalog_graph(model: SemanticModel, documents: list[tuple[str, str, list[str], str | None]]) -> LineageGraph:
    """Tables, columns, the semantic model and the vector documents built from them."""
    graph = LineageGraph()
    for entity in model.entities:
        table = graph.node(table_id(entity.name), "table", entity.name, table_kind=entity.kind)
        modelled = graph.node(f"entity:{entity.name}", "entity", entity.label or entity.name)
        graph.edge(table, modelled, "modelled_as")
        for column in entity.columns:
            col = graph.node(column_id(entity.name, column.name), "column", column.name, table=entity.name,
                             type=column.type, role=str(column.role))  # fmt: skip
            graph.edge(table, col, "has_column")
            graph.edge(col, modelled, "modelled_as")
    for rel in model.relationships:
        rel_id = graph.node(
            f"relationship:{rel.from_entity}({','.join(rel.from_columns)})->{rel.to_entity}",
            "relationship",
            f"{rel.from_entity} -> {rel.to_entity}",
            source=rel.source,
        )
        for entity, columns in ((rel.from_entity, rel.from_columns), (rel.to_entity, rel.to_columns)):
            for name in columns:
                if column_id(entity, name) in graph.nodes:
                    graph.edge(column_id(entity, name), rel_id, "joins")
    for metric in model.metrics:
        metric_id = graph.node(f"metric:{metric.entity}.{metric.name}", "metric", metric.name)
        if f"entity:{metric.entity}" in graph.nodes:
            graph.edge(f"entity:{metric.entity}", metric_id, "measured_by")
        for name in (metric.column, metric.time_dimension):
            if name and column_id(metric.entity, name) in graph.nodes:
                graph.edge(column_id(metric.entity, name), metric_id, "measured_by")
    for definition in model.definitions:  # the tenant's metrics, from the columns they read
        metric_id = graph.node(f"metric:curated:{definition.name}", "metric", definition.name, source="curated")
        if f"entity:{definition.entity}" in graph.nodes:
            graph.edge(f"entity:{definition.entity}", metric_id, "measured_by")
        for name in sorted(metric_columns(definition.expression, definition.filters, definition.time_column)):
            if column_id(definition.entity, name) in graph.nodes:
                graph.edge(column_id(definition.entity, name), metric_id, "measured_by")
    for doc_key, kind, tables, column_name in documents:
        doc = graph.node(f"document:{doc_key}", "document", doc_key, document_kind=kind)
        if kind == "column" and tables and column_name:
            _link(graph, column_id(tables[0], column_name), doc)
        elif kind == "table" and tables:
            _link(graph, f"entity:{tables[0]}", doc)
        elif kind in ("relationship", "metric"):
            _link(graph, doc_key, doc)  # their document keys are their node IDs
    return graph


def _link(graph: LineageGraph, source: str, target: str) -> None:
    if source in graph.nodes:
        graph.edge(source, target, "embedded_as")


def add_questions(
    graph: LineageGraph,
    sources: list[LineageSource],
    reads: list[ColumnLineageRow],
    past_pairs: set[str],
) -> None:
    """Saved questions, the columns they read (with how) and the analytics assets and past-pair documents that
    read them."""
    for source in sources:
        node = graph.node(
            source.source_key,
            "golden_question" if source.kind == GOLDEN else "question",
            source.question,
            stale=source.stale_version is not None,
            stale_reason=source.stale_reason,
        )
        for asset in _ASSETS_READING.get(source.kind, ()):
            graph.edge(node, graph.node(f"asset:{asset}", "asset", asset), "feeds")
        pair = f"document:{past_query_key(source.question)}"
        if source.kind != GOLDEN and pair in past_pairs:
            graph.edge(node, graph.node(pair, "document", pair[9:], document_kind="past_query"), "embedded_as")
    for read in reads:
        if read.source_key not in graph.nodes:
            continue
        if read.column_name == TABLE_READ:
            upstream = graph.node(table_id(read.table_name), "table", read.table_name)
        else:
            upstream = graph.node(column_id(read.table_name, read.column_name), "column", read.column_name,
                                  table=read.table_name)  # fmt: skip
        graph.edge(upstream, read.source_key, "read_by", uses=list(read.uses))


def project_graph(
    session: Session,
    *,
    project_id: str,
    model: SemanticModel,
    table: str | None = None,
    column: str | None = None,
    max_questions: int = 1000,
) -> LineageGraph:
    """The project's lineage graph, or only the part downstream of one table or one `schema.table.column`."""
    documents = [
        (row.doc_key, row.kind, list(row.tables or []), row.column_name)
        for row in session.execute(
            select(
                SchemaDocumentRow.doc_key,
                SchemaDocumentRow.kind,
                SchemaDocumentRow.tables,
                SchemaDocumentRow.column_name,
            ).where(SchemaDocumentRow.project_id == project_id)
        )
    ]
    graph = catalog_graph(model, documents)
    if column is not None:
        entity, _, name = column.rpartition(".")
        picked = (ColumnLineageRow.table_name == entity) & (ColumnLineageRow.column_name == name)
        starts = {column_id(entity, name)}
    elif table is not None:
        picked = ColumnLineageRow.table_name == table
        starts = {table_id(table)} | {column_id(table, c.name) for e in model.entities if e.name == table
                                      for c in e.columns}  # fmt: skip
    else:
        picked, starts = None, set()
    sources_query = select(LineageSource).where(LineageSource.project_id == project_id)
    if picked is not None:
        reading = select(ColumnLineageRow.source_key).where(ColumnLineageRow.project_id == project_id, picked)
        sources_query = sources_query.where(LineageSource.source_key.in_(reading))
    sources = list(
        session.scalars(
            sources_query.order_by(LineageSource.parsed_at.desc(), LineageSource.source_key.desc()).limit(
                max_questions + 1
            )
        )
    )
    graph.truncated = len(sources) > max_questions
    sources = sources[:max_questions]
    reads = list(
        session.scalars(
            select(ColumnLineageRow).where(
                ColumnLineageRow.project_id == project_id,
                ColumnLineageRow.source_key.in_(sorted(s.source_key for s in sources)),
            )
        )
    )
    add_questions(graph, sources, reads, {f"document:{d[0]}" for d in documents if d[1] == "past_query"})
    # A dropped column is no longer in the model; add_questions has still made a node of it if anything read it.
    return graph.downstream_of(starts) if picked is not None else graph
