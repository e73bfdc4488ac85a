import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { Link, useParams } from "react-router";

import { api, unwrap, type Schemas } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { ago, duration } from "../format";
import { useProjectEvents } from "../live";

const FINISHED = new Set(["SUCCESS", "FAILURE", "CANCELED"]);

/** The project's run history (its own part of batch runs included), newest first, paged; updates live. */
export function Runs() {
  const { projectId = "" } = useParams();
  const live = useProjectEvents(projectId);
  const queries = useQueryClient();
  const runs = useInfiniteQuery({
    queryKey: ["runs", projectId],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/v1/projects/{project_id}/runs", {
          params: { path: { project_id: projectId }, query: { limit: 25, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const refresh = () => queries.invalidateQueries({ queryKey: ["runs", projectId] });
  const start = useMutation({
    mutationFn: async (assets: string[] | null) =>
      unwrap(
        await api.POST("/v1/projects/{project_id}/materializations", {
          params: { path: { project_id: projectId } },
          body: assets ? { assets } : {},
        }),
      ),
    onSuccess: (run) => {
      // The new run is shown at once, as the API answered it (queued); the stream and refetches move it on.
      queries.setQueryData<InfiniteData<Schemas["RunPage"], string | undefined>>(["runs", projectId], (old) =>
        old && old.pages[0]
          ? { ...old, pages: [{ ...old.pages[0], items: [run, ...old.pages[0].items.filter((r) => r.run_id !== run.run_id)] }, ...old.pages.slice(1)] }
          : old,
      );
      void refresh();
    },
  });
  const cancel = useMutation({
    mutationFn: async (runId: string) =>
      unwrap(await api.POST("/v1/runs/{run_id}/cancel", { params: { path: { run_id: runId } } })),
    onSuccess: refresh,
  });
  const items = runs.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <p className="meta">
        <span className={`live ${live}`}>{live}</span>
      </p>
      <div className="actions">
        <button type="button" onClick={() => start.mutate(null)} disabled={start.isPending}>
          Sync the catalog now
        </button>
      </div>
      {start.isError ? <ErrorMessage error={start.error} /> : null}
      {cancel.isError ? <ErrorMessage error={cancel.error} /> : null}
      {runs.isPending ? <Loading what="runs" /> : null}
      {runs.isError ? <ErrorMessage error={runs.error} /> : null}
      {runs.isSuccess && items.length === 0 ? <Empty>No runs yet.</Empty> : null}
      {items.length > 0 ? (
        <table className="runs">
          <caption>Run history</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Job</th>
              <th scope="col">Created</th>
              <th scope="col">Duration</th>
              <th scope="col">Failure cause</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((run) => (
              <RunRow key={run.run_id} run={run} onCancel={() => cancel.mutate(run.run_id)} onRerun={() => start.mutate(run.assets)} />
            ))}
          </tbody>
        </table>
      ) : null}
      {runs.hasNextPage ? (
        <button type="button" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
          Older runs
        </button>
      ) : null}
    </section>
  );
}

function RunRow({ run, onCancel, onRerun }: { run: Schemas["RunRead"]; onCancel: () => void; onRerun: () => void }) {
  const finished = FINISHED.has(run.status);
  return (
    <tr data-run={run.run_id}>
      <th scope="row">
        <Link to={run.run_id}>
          <code>{run.run_id.slice(0, 8)}</code>
        </Link>
      </th>
      <td>
        <span className={`status ${run.status.toLowerCase()}`} data-status={run.status}>
          {run.status.toLowerCase()}
        </span>
      </td>
      <td>{run.job}</td>
      <td>{ago(run.created_at)}</td>
      <td>{duration(run.started_at, run.ended_at)}</td>
      <td className="cause">{run.failure?.cause ?? ""}</td>
      <td>
        {finished ? (
          <button type="button" onClick={onRerun}>
            Re-run
          </button>
        ) : (
          <button type="button" onClick={onCancel} disabled={run.cancel_requested}>
            Cancel
          </button>
        )}
      </td>
    </tr>
  );
}
