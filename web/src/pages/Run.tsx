import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";

import { api, unwrap } from "../api/client";
import { ErrorMessage, Loading } from "../components/States";
import { ago, duration } from "../format";
import { useProjectEvents } from "../live";

/** One run as this project sees it (of a batch, only its own part): each asset's step and why it failed. */
export function Run() {
  const { projectId = "", runId = "" } = useParams();
  useProjectEvents(projectId);
  const run = useQuery({
    queryKey: ["runs", projectId, runId],
    queryFn: async () => unwrap(await api.GET("/v1/runs/{run_id}", { params: { path: { run_id: runId } } })),
  });
  const assets = useQuery({
    queryKey: ["assets", projectId],
    queryFn: async () =>
      unwrap(await api.GET("/v1/projects/{project_id}/assets", { params: { path: { project_id: projectId } } })),
  });
  const states = new Map((assets.data ?? []).map((a) => [a.asset, a]));
  return (
    <section aria-labelledby="run-title">
      <p>
        <Link to={`/projects/${projectId}/runs`}>← All runs</Link>
      </p>
      <h1 id="run-title">
        Run <code>{runId.slice(0, 8)}</code>
      </h1>
      {run.isPending ? <Loading what="the run" /> : null}
      {run.isError ? <ErrorMessage error={run.error} /> : null}
      {run.data ? (
        <>
          <p className="meta">
            <span className={`status ${run.data.status.toLowerCase()}`}>{run.data.status.toLowerCase()}</span> · {run.data.job}
            {" · created "}
            {ago(run.data.created_at)} · {duration(run.data.started_at, run.data.ended_at)}
          </p>
          {run.data.failure ? (
            <p className="state error" role="alert">
              {run.data.failure.cause}
            </p>
          ) : null}
          <table>
            <caption>Steps</caption>
            <thead>
              <tr>
                <th scope="col">Asset</th>
                <th scope="col">In this run</th>
              </tr>
            </thead>
            <tbody>
              {run.data.assets.map((asset) => {
                const state = states.get(asset);
                const here = state?.last_run_id === runId;
                return (
                  <tr key={asset} data-step={asset}>
                    <th scope="row">{asset}</th>
                    <td>
                      {here ? (
                        <span className={`status ${state?.status}`}>{state?.status}</span>
                      ) : run.data.ended_at ? (
                        "a later run has replaced it"
                      ) : (
                        "waiting"
                      )}
                      {here && state?.failure_cause ? <span className="cause"> {state.failure_cause}</span> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
