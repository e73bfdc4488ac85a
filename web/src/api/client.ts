// The platform's public API, typed from its OpenAPI document (schema.d.ts is generated at build time: a changed
// API breaks the build). The browser is signed in by an HttpOnly cookie; changes carry the session's CSRF token.
import createClient, { type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

let csrfToken: string | null = null;

export function rememberCsrfToken(token: string | null): void {
  csrfToken = token;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && csrfToken) request.headers.set("X-CSRF-Token", csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(csrf);

/** The message of an API error body (`detail`), or a fallback naming the status. */
export function errorMessage(error: unknown, status?: number): string {
  if (error && typeof error === "object" && "detail" in error) {
    const detail = (error as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map((d) => (d as { msg?: string }).msg ?? String(d)).join("; ");
  }
  return status ? `the platform answered ${status}` : "the platform could not be reached";
}

/** Data of a response, or a thrown Error carrying the API's own message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) throw new ApiError(errorMessage(result.error, result.response.status), result.response.status);
  return result.data;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
