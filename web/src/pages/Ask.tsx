import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useParams } from "react-router";

import { api, unwrap } from "../api/client";
import { Chart } from "../components/Chart";
import { ErrorMessage } from "../components/States";

const ANSWERED_BY: Record<string, string> = {
  llm: "the LLM",
  offline_planner: "the offline planner",
  past_question: "a past question it paraphrases",
};

/** A question in plain words: the SQL written for it, the rows, the chart, who answered; a decline's reason. */
export default function Ask() {
  const { projectId = "" } = useParams();
  const [question, setQuestion] = useState("");
  const ask = useMutation({
    mutationFn: async (text: string) =>
      unwrap(
        await api.POST("/v1/projects/{project_id}/ask", {
          params: { path: { project_id: projectId } },
          body: { question: text, max_rows: 200 },
        }),
      ),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (question.trim()) ask.mutate(question.trim());
  }

  const answer = ask.data;
  return (
    <section aria-labelledby="ask-title">
      <h1 id="ask-title">Ask</h1>
      <form onSubmit={submit} className="ask">
        <label htmlFor="question">Your question</label>
        <input id="question" value={question} onChange={(e) => setQuestion(e.target.value)} placeholder="How many orders are there?" />
        <button type="submit" disabled={ask.isPending || !question.trim()}>
          {ask.isPending ? "Asking…" : "Ask"}
        </button>
      </form>
      {ask.isError ? <ErrorMessage error={ask.error} /> : null}
      {answer ? (
        <article className="answer" aria-label="answer">
          <p className="meta">
            Answered by {ANSWERED_BY[answer.answered_by] ?? answer.answered_by}
            {answer.cached ? " (from memory)" : ""} · {answer.rows.length} row{answer.rows.length === 1 ? "" : "s"}
            {answer.truncated ? " (cut)" : ""}
          </p>
          <pre className="sql">{answer.sql}</pre>
          {answer.chart ? <Chart spec={answer.chart} title={`chart of: ${answer.question}`} /> : null}
          <table className="rows">
            <thead>
              <tr>
                {answer.columns.map((c) => (
                  <th scope="col" key={c}>
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {answer.rows.slice(0, 50).map((row, i) => (
                <tr key={i}>
                  {row.map((value, j) => (
                    <td key={j}>{value === null ? "∅" : String(value)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ) : null}
    </section>
  );
}
