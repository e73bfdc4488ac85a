// The lineage graph at table level: columns fold into their tables (a question that reads a column reads its
// table), each source's vector documents become one node that counts them, and ELK's layered layout places it all.
import ELK from "elkjs/lib/elk.bundled.js";

import type { Schemas } from "./api/client";

export type LineageNode = Schemas["LineageNode"];
export type LineageEdge = Schemas["LineageEdge"];

export interface TableDetail {
  columns: string[];
  relationships: string[];
}

export interface Folded {
  nodes: LineageNode[];
  edges: { id: string; source: string; target: string; kind: string }[];
  tables: Record<string, TableDetail>;
  documents: number;
}

const HIDDEN = new Set(["column", "document"]);

export function foldLineage(nodes: LineageNode[], edges: LineageEdge[]): Folded {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const tableOf = new Map<string, string>();
  const tables: Record<string, TableDetail> = {};
  for (const node of nodes) if (node.kind === "table") tables[node.id] = { columns: [], relationships: [] };
  for (const edge of edges) {
    if (edge.kind === "has_column") {
      tableOf.set(edge.target, edge.source);
      tables[edge.source]?.columns.push(byId.get(edge.target)?.label ?? edge.target);
    }
  }
  const lift = (id: string) => tableOf.get(id) ?? id;
  const seen = new Set<string>();
  const folded: Folded["edges"] = [];
  for (const edge of edges) {
    const source = lift(edge.source);
    const target = lift(edge.target);
    if (source === target || edge.kind === "has_column") continue;
    const from = byId.get(source);
    const to = byId.get(target);
    if (!from || !to || HIDDEN.has(from.kind) || HIDDEN.has(to.kind)) continue;
    if (to.kind === "relationship" && tables[source]) tables[source].relationships.push(to.label);
    const id = `${source}->${target}:${edge.kind}`;
    if (!seen.has(id)) {
      seen.add(id);
      folded.push({ id, source, target, kind: edge.kind });
    }
  }
  // Documents are many (one per table, column, metric, past question): each source gets one node counting its own.
  const groups = new Map<string, number>();
  for (const edge of edges) {
    const to = byId.get(edge.target);
    if (to?.kind !== "document") continue;
    const source = lift(edge.source);
    if (byId.get(source) && !HIDDEN.has(byId.get(source)!.kind)) groups.set(source, (groups.get(source) ?? 0) + 1);
  }
  const documentNodes: LineageNode[] = [...groups].map(([source, count]) => ({
    id: `documents:${source}`,
    kind: "documents",
    label: `${count} vector document${count === 1 ? "" : "s"}`,
  }));
  for (const [source] of groups) folded.push({ id: `${source}->documents`, source, target: `documents:${source}`, kind: "embedded_as" });
  return {
    nodes: [...nodes.filter((n) => !HIDDEN.has(n.kind)), ...documentNodes],
    edges: folded,
    tables,
    documents: nodes.filter((n) => n.kind === "document").length,
  };
}

const elk = new ELK();
export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 44;

/** Positions for every node, left (source tables) to right (questions, analytics). */
export async function layOut(folded: Folded): Promise<Map<string, { x: number; y: number }>> {
  const graph = await elk.layout({
    id: "lineage",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.spacing.nodeNodeBetweenLayers": "70",
      "elk.spacing.nodeNode": "18",
    },
    children: folded.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: folded.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  return new Map((graph.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}
