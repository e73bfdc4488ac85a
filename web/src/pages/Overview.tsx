import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";

import { api, unwrap } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { ago } from "../format";
import { useProjectEvents } from "../live";

/** Each asset's status and health, last materialization, freshness, and why a failed run or check is not ok; updates
 * live from the event stream. */
export function Overview() {
  const { projectId = "" } = useParams();
  const live = useProjectEvents(projectId);
  const project = useQuery({
    queryKey: ["project", projectId],
    queryFn: async () => unwrap(await api.GET("/v1/projects/{project_id}", { params: { path: { project_id: projectId } } })),
  });
  const assets = useQuery({
    queryKey: ["assets", projectId],
    queryFn: async () =>
      unwrap(await api.GET("/v1/projects/{project_id}/assets", { params: { path: { project_id: projectId } } })),
  });
  const catalogSize = assets.data?.find((a) => a.asset === "database_schema")?.metadata?.["tables"];

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">{project.data?.name ?? projectId}</h1>
      <p className="meta">
        {project.data ? `${project.data.tier} tier · ${project.data.data_source?.dialect ?? "no source"} · ` : ""}
        {typeof catalogSize === "number" ? `${catalogSize} tables in the catalog · ` : ""}
        <span className={`live ${live}`}>{live === "live" ? "live" : live}</span>
      </p>
      {project.isError ? <ErrorMessage error={project.error} /> : null}
      {assets.isPending ? <Loading what="asset states" /> : null}
      {assets.isError ? <ErrorMessage error={assets.error} /> : null}
      {assets.data && assets.data.length === 0 ? <Empty>No assets yet.</Empty> : null}
      {assets.data && assets.data.length > 0 ? (
        <table className="assets">
          <caption>Assets</caption>
          <thead>
            <tr>
              <th scope="col">Asset</th>
              <th scope="col">Status</th>
              <th scope="col">Last materialized</th>
              <th scope="col">Freshness</th>
              <th scope="col">Cause</th>
            </tr>
          </thead>
          <tbody>
            {assets.data.map((asset) => (
              <tr key={asset.asset} data-asset={asset.asset}>
                <th scope="row">{asset.asset}</th>
                <td>
                  <span className={`status ${asset.status}`}>{asset.status}</span>
                  {asset.health === "warning" ? <span className="health warning">warning</span> : null}
                </td>
                <td>{ago(asset.last_materialized_at)}</td>
                <td>{asset.freshness ?? "–"}</td>
                <td className="cause">
                  {asset.health === "warning" || asset.health === "failed" ? (asset.health_reason ?? "") : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
