import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useParams } from "react-router";

import { api, unwrap } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/States";

// The snapshot is the schema as ingested (hugdata/catalog/schema.py's TableInfo); only what this page shows.
interface Column {
  name: string;
  type: string;
  raw_type: string;
  nullable: boolean;
}
interface Table {
  schema_name: string;
  name: string;
  kind: string;
  columns: Column[];
  primary_key: string[];
  row_estimate: number | null;
}

/** The project's schema, table by table, and a search over its catalog documents. */
export function Catalog() {
  const { projectId = "" } = useParams();
  const [filter, setFilter] = useState("");
  const [query, setQuery] = useState("");
  const schema = useQuery({
    queryKey: ["schema", projectId],
    queryFn: async () =>
      unwrap(await api.GET("/v1/projects/{project_id}/schema", { params: { path: { project_id: projectId } } })),
  });
  const search = useMutation({
    mutationFn: async (text: string) =>
      unwrap(
        await api.POST("/v1/projects/{project_id}/search", {
          params: { path: { project_id: projectId } },
          body: { query: text, k: 10 },
        }),
      ),
  });
  const tables = ((schema.data?.snapshot?.["tables"] as Table[] | undefined) ?? []).filter(
    (t) => !filter.trim() || `${t.schema_name}.${t.name}`.toLowerCase().includes(filter.trim().toLowerCase()),
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    if (query.trim()) search.mutate(query.trim());
  }

  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">Catalog</h1>
      <form onSubmit={submit} role="search">
        <label htmlFor="catalog-search">Search the catalog</label>
        <input id="catalog-search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="revenue per customer" />
        <button type="submit" disabled={search.isPending || !query.trim()}>
          Search
        </button>
      </form>
      {search.isError ? <ErrorMessage error={search.error} /> : null}
      {search.data ? (
        search.data.results.length === 0 ? (
          <Empty>Nothing in the catalog matches.</Empty>
        ) : (
          <ol className="hits" aria-label="search results">
            {search.data.results.map((hit) => (
              <li key={hit.key}>
                <strong>{hit.title}</strong> <span className="meta">{hit.kind} · {hit.score.toFixed(2)}</span>
              </li>
            ))}
          </ol>
        )
      ) : null}
      {schema.isPending ? <Loading what="the schema" /> : null}
      {schema.isError ? <ErrorMessage error={schema.error} /> : null}
      {schema.data ? (
        <>
          <p className="meta">
            Schema version {schema.data.version} · {(schema.data.snapshot?.["tables"] as Table[] | undefined)?.length ?? 0} tables
          </p>
          <label htmlFor="table-filter">Filter tables</label>{" "}
          <input id="table-filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
          {tables.length === 0 ? <Empty>No table matches.</Empty> : null}
          {tables.slice(0, 200).map((table) => (
            <details key={`${table.schema_name}.${table.name}`} className="table" data-table={table.name}>
              <summary>
                {table.schema_name}.{table.name} <span className="meta">{table.kind} · {table.columns.length} columns
                {table.row_estimate !== null ? ` · ~${table.row_estimate} rows` : ""}</span>
              </summary>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Column</th>
                    <th scope="col">Type</th>
                    <th scope="col">Nullable</th>
                  </tr>
                </thead>
                <tbody>
                  {table.columns.map((c) => (
                    <tr key={c.name}>
                      <th scope="row">
                        {c.name}
                        {table.primary_key.includes(c.name) ? " (key)" : ""}
                      </th>
                      <td>{c.raw_type}</td>
                      <td>{c.nullable ? "yes" : "no"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ))}
          {tables.length > 200 ? <p className="meta">Showing 200 of {tables.length}: filter to find the rest.</p> : null}
        </>
      ) : null}
    </section>
  );
}
