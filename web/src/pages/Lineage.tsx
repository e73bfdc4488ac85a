import "@xyflow/react/dist/style.css";

import { useQuery } from "@tanstack/react-query";
import { Background, Controls, Position, ReactFlow, type Edge, type Node } from "@xyflow/react";
import { useMemo, useState } from "react";
import { useParams } from "react-router";

import { api, unwrap } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { foldLineage, layOut } from "../lineage";

/** Source tables -> semantic model -> questions -> analytics, laid out by ELK; a table's columns on click. */
export default function Lineage() {
  const { projectId = "" } = useParams();
  const [selected, setSelected] = useState<string | null>(null);
  const lineage = useQuery({
    queryKey: ["lineage", projectId],
    queryFn: async () =>
      unwrap(await api.GET("/v1/projects/{project_id}/lineage", { params: { path: { project_id: projectId } } })),
  });
  const folded = useMemo(() => (lineage.data ? foldLineage(lineage.data.nodes, lineage.data.edges) : null), [lineage.data]);
  const layout = useQuery({
    queryKey: ["lineage-layout", projectId, lineage.dataUpdatedAt],
    queryFn: () => layOut(folded!),
    enabled: folded !== null,
  });
  const nodes: Node[] = useMemo(
    () =>
      (folded?.nodes ?? []).map((n) => ({
        id: n.id,
        position: layout.data?.get(n.id) ?? { x: 0, y: 0 },
        data: { label: n.label },
        className: `lineage-node ${n.kind}`,
        ariaLabel: `${n.kind} ${n.label}`,
        connectable: false,
        sourcePosition: Position.Right,  // the layout runs left to right
        targetPosition: Position.Left,
      })),
    [folded, layout.data],
  );
  const edges: Edge[] = useMemo(
    () => (folded?.edges ?? []).map((e) => ({ id: e.id, source: e.source, target: e.target, label: e.kind })),
    [folded],
  );
  const detail = selected && folded ? folded.tables[selected] : undefined;
  const tableCount = folded ? Object.keys(folded.tables).length : 0;

  return (
    <section aria-labelledby="lineage-title">
      <h1 id="lineage-title">Lineage</h1>
      {lineage.isPending || (folded && layout.isPending) ? <Loading what="the lineage graph" /> : null}
      {lineage.isError ? <ErrorMessage error={lineage.error} /> : null}
      {layout.isError ? <ErrorMessage error={layout.error} /> : null}
      {folded && folded.nodes.length === 0 ? <Empty>No lineage yet.</Empty> : null}
      {folded && layout.data ? (
        <>
          <p className="meta">
            {tableCount} source tables · {folded.documents} vector documents · click a table for its columns
          </p>
          <div className="lineage-graph">
            <ReactFlow
              nodes={nodes}
              edges={edges}
              fitView
              nodesDraggable={false}
              onNodeClick={(_, node) => setSelected(folded.tables[node.id] ? node.id : null)}
              proOptions={{ hideAttribution: true }}
            >
              <Background />
              <Controls showInteractive={false} />
            </ReactFlow>
          </div>
          <nav aria-label="source tables" className="table-list">
            {Object.keys(folded.tables).map((id) => (
              <button key={id} type="button" aria-pressed={selected === id} onClick={() => setSelected(id)}>
                {folded.nodes.find((n) => n.id === id)?.label ?? id}
              </button>
            ))}
          </nav>
          {detail && selected ? (
            <aside className="table-detail" aria-label="table detail">
              <h2>{folded.nodes.find((n) => n.id === selected)?.label}</h2>
              <h3>Columns</h3>
              <ul>
                {detail.columns.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
              <h3>Relationships</h3>
              {detail.relationships.length ? (
                <ul>
                  {detail.relationships.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              ) : (
                <p>None.</p>
              )}
            </aside>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
