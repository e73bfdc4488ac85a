import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";

import { api, unwrap } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/States";

/** Every project with its status, for an admin; the box filters the page by ID or name. */
export function Admin() {
  const [filter, setFilter] = useState("");
  const projects = useQuery({
    queryKey: ["projects"],
    queryFn: async () => unwrap(await api.GET("/v1/projects", { params: { query: { limit: 200 } } })),
  });
  const needle = filter.trim().toLowerCase();
  const shown = (projects.data?.items ?? []).filter(
    (p) => !needle || p.id.toLowerCase().includes(needle) || p.name.toLowerCase().includes(needle),
  );
  return (
    <main className="layout admin">
      <h1>All projects</h1>
      <label htmlFor="filter">Find a project</label>
      <input id="filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
      {projects.isPending ? <Loading what="projects" /> : null}
      {projects.isError ? <ErrorMessage error={projects.error} /> : null}
      {projects.isSuccess && shown.length === 0 ? <Empty>No project matches.</Empty> : null}
      <ul className="projects">
        {shown.map((p) => (
          <li key={p.id}>
            <Link to={`/projects/${p.id}`}>{p.name}</Link> <code>{p.id}</code> · {p.tier} · {p.status}
          </li>
        ))}
      </ul>
    </main>
  );
}
