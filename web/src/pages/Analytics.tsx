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

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Questions per day, success rate, latency p50/p95 and the most used tables, plotted. */
export default function Analytics() {
  const { projectId = "" } = useParams();
  const analytics = useQuery({
    queryKey: ["analytics", projectId],
    queryFn: async () =>
      unwrap(await api.GET("/v1/projects/{project_id}/analytics", { params: { path: { project_id: projectId } } })),
    retry: false,
  });
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
    </section>
  );
}
