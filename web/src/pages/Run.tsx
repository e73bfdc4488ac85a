import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";

import { api, type Schemas, unwrap } from "../api/client";
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

type RunRead = Schemas["RunRead"];
type StepRead = Schemas["StepRead"];

/** A step's status in the words the rest of the dashboard uses for assets. */
const STEP_WORDS: Record<string, string> = {
  SUCCESS: "materialized",
  FAILURE: "failed",
  SKIPPED: "skipped",
  IN_PROGRESS: "running",
};

/** Every asset of the run with its step in it for this project (of a batch, this project's own part), in the
 * order the steps started; assets it has not reached yet last. */
function stepRows(run: RunRead): { asset: string; step: StepRead | undefined }[] {
  const rows = (run.steps ?? []).map((step) => ({ asset: step.asset, step }));
  const seen = new Set(rows.map((r) => r.asset));
  return [...rows, ...run.assets.filter((a) => !seen.has(a)).map((asset) => ({ asset, step: undefined }))];
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
                <th scope="col">Took</th>
              </tr>
            </thead>
            <tbody>
              {stepRows(run.data).map(({ asset, step }) => (
                <tr key={asset} data-step={asset}>
                  <th scope="row">{asset}</th>
                  <td>
                    {step ? (
                      <span className={`status ${STEP_WORDS[step.status] ?? step.status.toLowerCase()}`}>
                        {STEP_WORDS[step.status] ?? step.status.toLowerCase()}
                      </span>
                    ) : run.data.ended_at ? (
                      "not run"
                    ) : (
                      "waiting"
                    )}
                    {step?.cause ? <span className="cause"> {step.cause}</span> : null}
                  </td>
                  <td>{step?.started_at ? duration(step.started_at, step.ended_at) : ""}</td>
                </tr>
              ))}
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
