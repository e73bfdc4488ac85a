// A project's live events (GET /v1/projects/{id}/events, Server-Sent Events): each run or asset change refreshes
// the queries that show it. EventSource reconnects by itself and sends Last-Event-ID, so nothing is missed.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

export type LiveState = "connecting" | "live" | "reconnecting";

export function useProjectEvents(projectId: string): LiveState {
  const queries = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");
  useEffect(() => {
    const source = new EventSource(`/v1/projects/${encodeURIComponent(projectId)}/events`);
    const refresh = (keys: string[][]) => keys.forEach((queryKey) => void queries.invalidateQueries({ queryKey }));
    source.onopen = () => setState("live");
    source.onerror = () => setState("reconnecting");
    source.addEventListener("run", () => refresh([["runs", projectId], ["assets", projectId]]));
    source.addEventListener("asset", () => refresh([["assets", projectId], ["runs", projectId]]));
    return () => source.close();
  }, [projectId, queries]);
  return state;
}
