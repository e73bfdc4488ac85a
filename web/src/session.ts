import { useQuery } from "@tanstack/react-query";

import { api, ApiError, rememberCsrfToken, unwrap } from "./api/client";

/** The browser's sign-in (GET /v1/session); null when there is none. Keeps its CSRF token for changes. */
export function useSession() {
  return useQuery({
    queryKey: ["session"],
    queryFn: async () => {
      try {
        const session = unwrap(await api.GET("/v1/session"));
        rememberCsrfToken(session.csrf_token);
        return session;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}
