import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";

import { api, unwrap } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { ago, duration } from "../format";
import { useProjectEvents } from "../live";

interface RunEvent {
  id: string;
  kind: string;
  text: string;
}

/** This run's events from the project's own stream (kept a day): never another project's. */
function useRunEvents(projectId: string, runId: string): RunEvent[] {
  const [events, setEvents] = useState<RunEvent[]>([]);
  useEffect(() => {
    setEvents([]);
    const source = new EventSource(`/v1/projects/${encodeURIComponent(projectId)}/events?after=0`);
    const add = (kind: string) => (message: MessageEvent<string>) => {
      const data = JSON.parse(message.data) as Record<string, unknown>;
      if (data["run_id"] !== runId) return;
      const text = kind === "run" ? `run ${String(data["status"])}` : `${String(data["asset"])} ${String(data["status"])}`;
      setEvents((seen) => (seen.some((e) => e.id === message.lastEventId) ? seen : [...seen, { id: message.lastEventId, kind, text }]));
    };
    source.addEventListener("run", add("run"));
    source.addEventListener("asset", add("asset"));
    return () => source.close();
  }, [projectId, runId]);
  return events;
}

/** One run as this project sees it (of a batch, only its own part): each asset's step, why it failed, and its
 * events. */
export function Run() {
  const { projectId = "", runId = "" } = useParams();
  useProjectEvents(projectId);
  const events = useRunEvents(projectId, runId);
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
          <h2>Events</h2>
          {events.length === 0 ? <Empty>No events of this run in the last day.</Empty> : null}
          <ol className="events" aria-label="run events">
            {events.map((e) => (
              <li key={e.id} data-kind={e.kind}>
                {e.text}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </section>
  );
}
