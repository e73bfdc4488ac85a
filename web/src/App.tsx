import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, NavLink, Outlet, Route, Routes, useParams } from "react-router";

import { Loading } from "./components/States";
import { Admin } from "./pages/Admin";
import { Catalog } from "./pages/Catalog";
import { Overview } from "./pages/Overview";
import { Run } from "./pages/Run";
import { Runs } from "./pages/Runs";
import { SignIn } from "./pages/SignIn";
import { useSession } from "./session";

// The Ask page draws charts with Vega, the largest dependency: it loads when first opened.
const Ask = lazy(() => import("./pages/Ask"));
const Analytics = lazy(() => import("./pages/Analytics"));
// The graph library and its layout engine load with the Lineage page only.
const Lineage = lazy(() => import("./pages/Lineage"));

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      <Route element={<SignedIn />}>
        <Route path="/admin" element={<Admin />} />
        <Route path="/projects/:projectId" element={<ProjectLayout />}>
          <Route index element={<Overview />} />
          <Route path="runs" element={<Runs />} />
          <Route path="runs/:runId" element={<Run />} />
          <Route path="catalog" element={<Catalog />} />
          <Route path="lineage" element={<Later page={<Lineage />} what="the Lineage page" />} />
          <Route path="analytics" element={<Later page={<Analytics />} what="the Analytics page" />} />
          <Route path="ask" element={<Later page={<Ask />} what="the Ask page" />} />
        </Route>
      </Route>
      <Route path="*" element={<Home />} />
    </Routes>
  );
}

/** A page loaded on first use, with a loading message meanwhile. */
function Later({ page, what }: { page: ReactNode; what: string }) {
  return <Suspense fallback={<Loading what={what} />}>{page}</Suspense>;
}

function Home() {
  const session = useSession();
  if (session.isPending) return <Loading what="your sign-in" />;
  if (!session.data) return <Navigate to="/sign-in" replace />;
  return <Navigate to={session.data.project_id ? `/projects/${session.data.project_id}` : "/admin"} replace />;
}

function SignedIn() {
  const session = useSession();
  if (session.isPending) return <Loading what="your sign-in" />;
  if (!session.data) return <Navigate to="/sign-in" replace />;
  return <Outlet />;
}

function ProjectLayout() {
  const { projectId = "" } = useParams();
  const session = useSession();
  return (
    <div className="layout">
      <header>
        <strong className="brand">HugData</strong>
        <span className="project">{projectId}</span>
        <nav aria-label="project">
          <NavLink to={`/projects/${projectId}`} end>
            Overview
          </NavLink>
          <NavLink to={`/projects/${projectId}/runs`}>Runs</NavLink>
          <NavLink to={`/projects/${projectId}/catalog`}>Catalog</NavLink>
          <NavLink to={`/projects/${projectId}/lineage`}>Lineage</NavLink>
          <NavLink to={`/projects/${projectId}/ask`}>Ask</NavLink>
          <NavLink to={`/projects/${projectId}/analytics`}>Analytics</NavLink>
          {session.data?.is_admin ? <NavLink to="/admin">All projects</NavLink> : null}
        </nav>
      </header>
      <main>
        <Outlet />
      </main>
    </div>
  );
}
