import { describe, expect, it } from "vitest";

import { foldLineage, type LineageEdge, type LineageNode } from "./lineage";

const node = (id: string, kind: string, label: string): LineageNode => ({ id, kind, label });
const edge = (source: string, target: string, kind: string): LineageEdge => ({ source, target, kind });

describe("foldLineage", () => {
  const nodes = [
    node("table:main.orders", "table", "main.orders"),
    node("column:main.orders.total", "column", "total"),
    node("entity:orders", "entity", "orders"),
    node("relationship:orders-customers", "relationship", "orders to customers"),
    node("document:column:main.orders.total", "document", "orders.total"),
    node("query:7", "question", "revenue per status"),
  ];
  const edges = [
    edge("table:main.orders", "column:main.orders.total", "has_column"),
    edge("table:main.orders", "entity:orders", "modelled_as"),
    edge("table:main.orders", "relationship:orders-customers", "joins"),
    edge("column:main.orders.total", "document:column:main.orders.total", "embedded_as"),
    edge("column:main.orders.total", "query:7", "read_by"),
  ];

  it("folds a column's edges into its table and keeps the column as the table's detail", () => {
    const folded = foldLineage(nodes, edges);
    expect(folded.nodes.map((n) => n.kind)).toEqual(["table", "entity", "relationship", "question", "documents"]);
    expect(folded.edges.map((e) => `${e.source}>${e.target}`)).toContain("table:main.orders>query:7");
    expect(folded.tables["table:main.orders"]).toEqual({ columns: ["total"], relationships: ["orders to customers"] });
  });

  it("draws each source's documents as one node that counts them", () => {
    const folded = foldLineage(nodes, edges);
    expect(folded.documents).toBe(1);
    expect(folded.edges.some((e) => e.target.startsWith("document:"))).toBe(false);
    const [group] = folded.nodes.filter((n) => n.kind === "documents");
    expect(group?.label).toBe("1 vector document");
    expect(folded.edges).toContainEqual(expect.objectContaining({ source: "table:main.orders", target: group?.id }));
  });
});
