import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";

import { api, errorMessage, rememberCsrfToken } from "../api/client";

/** Sign in with a project key or the admin token; the token becomes a session cookie and is not kept here. */
export function SignIn() {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const queries = useQueryClient();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await api.POST("/v1/sessions", { headers: { Authorization: `Bearer ${token.trim()}` } });
    setBusy(false);
    if (!result.data) {
      setError(errorMessage(result.error, result.response.status));
      return;
    }
    setToken("");
    // The new sign-in is the session from now on: the guard must not see the old "not signed in" first.
    rememberCsrfToken(result.data.csrf_token);
    queries.setQueryData(["session"], result.data);
    navigate(result.data.project_id ? `/projects/${result.data.project_id}` : "/admin");
  }

  return (
    <main className="sign-in">
      <h1>Sign in to HugData</h1>
      <p>Open the dashboard link your HugData app gave you, or paste a project key (or the admin token).</p>
      <form onSubmit={submit}>
        <label htmlFor="token">Project key or admin token</label>
        <input id="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required />
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {error ? (
        <p className="state error" role="alert">
          {error}
        </p>
      ) : null}
    </main>
  );
}
