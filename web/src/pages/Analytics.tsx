import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";

import { api, unwrap } from "../api/client";
import { Chart } from "../components/Chart";
import { Empty, ErrorMessage, Loading } from "../components/States";

// The usage summary of the analytics_refresh asset (hugdata/query/analytics.py).
interface Summary {
  questions: number;
  per_day: Record<string, number>;
  success_rate: number | null;
  latency_ms: { p50?: number; p95?: number };
  top_tables: { table: string; uses: number }[];
}

interface IndexSuggestion {
  table: string;
  column: string;
  queries: number;
  score: number;
  statement: string;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Questions per day, success rate, latency p50/p95, the most used tables, accuracy history and index suggestions,
 * plotted. */
export default function Analytics() {
  const { projectId = "" } = useParams();
  const analytics = useQuery({
    queryKey: ["analytics", projectId],
    queryFn: async () =>
      unwrap(await api.GET("/v1/projects/{project_id}/analytics", { params: { path: { project_id: projectId } } })),
    retry: false,
  });
  const golden = useQuery({
    queryKey: ["golden", projectId],
    queryFn: async () =>
      unwrap(await api.GET("/v1/projects/{project_id}/golden-questions", { params: { path: { project_id: projectId } } })),
  });
  const optimizations = useQuery({
    queryKey: ["optimizations", projectId],
    queryFn: async () =>
      unwrap(await api.GET("/v1/projects/{project_id}/optimizations", { params: { path: { project_id: projectId } } })),
    retry: false,
  });
  const accuracy = (golden.data?.accuracy_runs ?? [])
    .filter((run) => run.accuracy !== null)
    .map((run) => ({ computed_at: run.computed_at, accuracy: run.accuracy }));
  const suggestions = (optimizations.data?.report?.["index_suggestions"] as IndexSuggestion[] | undefined) ?? [];
  const summary = analytics.data?.summary as Summary | undefined;
  const perDay = Object.entries(summary?.per_day ?? {}).map(([day, questions]) => ({ day, questions }));
  return (
    <section aria-labelledby="analytics-title">
      <h1 id="analytics-title">Analytics</h1>
      {analytics.isPending ? <Loading what="analytics" /> : null}
      {analytics.isError ? <ErrorMessage error={analytics.error} /> : null}
      {summary && summary.questions === 0 ? <Empty>No questions asked yet.</Empty> : null}
      {summary && summary.questions > 0 ? (
        <>
          <dl className="figures">
            <dt>Questions</dt>
            <dd>{summary.questions}</dd>
            <dt>Success rate</dt>
            <dd>{summary.success_rate === null ? "–" : `${Math.round(summary.success_rate * 100)} %`}</dd>
            <dt>Latency p50 / p95</dt>
            <dd>
              {Math.round(summary.latency_ms.p50 ?? 0)} ms / {Math.round(summary.latency_ms.p95 ?? 0)} ms
            </dd>
          </dl>
          <Chart
            title="questions per day"
            spec={{
              $schema: SCHEMA,
              data: { values: perDay },
              mark: { type: "bar" },
              encoding: { x: { field: "day", type: "temporal" }, y: { field: "questions", type: "quantitative" } },
            }}
          />
          {summary.top_tables.length > 0 ? (
            <Chart
              title="most used tables"
              spec={{
                $schema: SCHEMA,
                data: { values: summary.top_tables },
                mark: { type: "bar" },
                encoding: {
                  y: { field: "table", type: "nominal", sort: "-x" },
                  x: { field: "uses", type: "quantitative" },
                },
              }}
            />
          ) : null}
          <p className="meta">Computed {analytics.data ? new Date(analytics.data.computed_at).toLocaleString() : ""}</p>
        </>
      ) : null}
      <h2>Accuracy on the golden questions</h2>
      {golden.isError ? <ErrorMessage error={golden.error} /> : null}
      {golden.isSuccess && accuracy.length === 0 ? <Empty>No accuracy run yet: add golden questions.</Empty> : null}
      {accuracy.length > 0 ? (
        <Chart
          title="accuracy history"
          spec={{
            $schema: SCHEMA,
            data: { values: accuracy },
            mark: { type: "line", point: true },
            encoding: {
              x: { field: "computed_at", type: "temporal", title: "run" },
              y: { field: "accuracy", type: "quantitative", scale: { domain: [0, 1] } },
            },
          }}
        />
      ) : null}
      <h2>Index suggestions</h2>
      {optimizations.isError ? <ErrorMessage error={optimizations.error} /> : null}
      {optimizations.isSuccess && suggestions.length === 0 ? <Empty>No index would help the logged queries.</Empty> : null}
      {suggestions.length > 0 ? (
        <>
          <Chart
            title="index suggestions by score"
            spec={{
              $schema: SCHEMA,
              data: { values: suggestions.map((x) => ({ column: `${x.table}.${x.column}`, score: x.score })) },
              mark: { type: "bar" },
              encoding: { y: { field: "column", type: "nominal", sort: "-x" }, x: { field: "score", type: "quantitative" } },
            }}
          />
          <ul className="suggestions">
            {suggestions.map((x) => (
              <li key={x.statement}>
                <code>{x.statement}</code> <span className="meta">({x.queries} queries)</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
