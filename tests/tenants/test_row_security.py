"""Row-level security: a tenant-scoped session sees and writes only its project's rows, even when a query forgets
the project filter; the API runs every project-key request that way."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hugdata.api.app import create_app
from hugdata.api.deps import CallerDep, SessionDep
from hugdata.api.runtime import ApiRuntime
from hugdata.query.log import QueryLogEntry
from hugdata.tenants.row_security import TENANT_ROLE, tenant_sessions
from tests.helpers import ADMIN_TOKEN, register


@pytest.fixture
def two_tenants_with_logs(clean_platform: ApiRuntime) -> ApiRuntime:
    for project_id, asks in (("rls-a", 2), ("rls-b", 3)):
        register(clean_platform, project_id)
        with clean_platform.sessions() as session:
            for i in range(asks):
                session.add(QueryLogEntry(project_id=project_id, question=f"q{i}", valid=True, executed=True,
                                          latency_ms=1, tokens=0, tries=1))  # fmt: skip
            session.commit()
    return clean_platform


def test_a_query_without_a_project_filter_returns_only_the_tenants_rows(two_tenants_with_logs: ApiRuntime) -> None:
    with tenant_sessions(two_tenants_with_logs.sessions, "rls-a")() as session:
        assert session.execute(text("SELECT current_user")).scalar() == TENANT_ROLE
        assert session.execute(text("SELECT count(*) FROM query_log")).scalar() == 2
        assert session.execute(text("SELECT id FROM projects")).scalars().all() == ["rls-a"]
        assert session.execute(text("SELECT project_id FROM data_sources")).scalars().all() == ["rls-a"]
        session.commit()  # a new transaction is scoped again
        assert session.execute(text("SELECT DISTINCT project_id FROM query_log")).scalars().all() == ["rls-a"]
    with two_tenants_with_logs.sessions() as owner:  # the platform's own role is not subject to the policies
        assert owner.execute(text("SELECT count(*) FROM query_log")).scalar() == 5


def test_a_tenant_session_cannot_write_another_tenants_rows_or_change_the_registry(
    two_tenants_with_logs: ApiRuntime,
) -> None:
    factory = tenant_sessions(two_tenants_with_logs.sessions, "rls-a")
    with factory() as session, pytest.raises(DBAPIError, match="row-level security"):
        session.execute(
            text("INSERT INTO query_log (project_id, question, valid, executed, latency_ms, tokens, tries)"
                 " VALUES ('rls-b', 'x', true, true, 1, 0, 1)")
        )  # fmt: skip
    with factory() as session, pytest.raises(DBAPIError, match="permission denied"):
        session.execute(text("UPDATE projects SET name = 'taken'"))
    with factory() as session:
        assert session.execute(text("DELETE FROM golden_questions WHERE project_id = 'rls-b'")).rowcount == 0


def test_project_key_requests_run_under_row_level_security(two_tenants_with_logs: ApiRuntime) -> None:
    app = create_app(runtime=two_tenants_with_logs)

    def probe(caller: CallerDep, session: SessionDep) -> dict[str, object]:
        # A route that "forgets" to filter by project.
        return {
            "user": session.execute(text("SELECT current_user")).scalar(),
            "rows": session.execute(text("SELECT count(*) FROM query_log")).scalar(),
        }

    app.add_api_route("/probe", probe)
    with TestClient(app) as client:
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        token = client.post("/v1/projects/rls-b/keys", json={}, headers=admin).json()["token"]
        assert client.get("/probe", headers={"Authorization": f"Bearer {token}"}).json() == {
            "user": TENANT_ROLE,
            "rows": 3,
        }
        assert client.get("/probe", headers=admin).json()["rows"] == 5


def test_search_reads_run_as_the_tenant_role_scoped_to_the_searched_project(
    two_tenants_with_logs: ApiRuntime,
) -> None:
    from hugdata.catalog.vector_store import search_documents_scoped
    from hugdata.db import make_read_engine

    engine = make_read_engine(two_tenants_with_logs.engine.url.render_as_string(hide_password=False), role=TENANT_ROLE)
    try:
        with engine.connect() as connection:
            hits = search_documents_scoped(connection, project_id="rls-b", query_vector=[0.1] * 384, model_id="m", k=5)
            assert hits == []
            # The same connection, as the search left it: a query without any filter sees rls-b's rows only.
            assert connection.exec_driver_sql("SELECT current_user").scalar() == TENANT_ROLE
            assert connection.exec_driver_sql("SELECT count(*) FROM query_log").scalar() == 3
            search_documents_scoped(connection, project_id="rls-a", query_vector=[0.1] * 384, model_id="m", k=5)
            assert connection.exec_driver_sql("SELECT count(*) FROM query_log").scalar() == 2
    finally:
        engine.dispose()


def test_every_table_holding_a_project_column_is_under_row_level_security(clean_platform: ApiRuntime) -> None:
    with clean_platform.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.table_name, t.relrowsecurity, has_table_privilege(:role, c.table_name, 'SELECT') "
                "FROM information_schema.columns c JOIN pg_class t ON t.relname = c.table_name "
                "WHERE c.table_schema = 'public' AND c.column_name = 'project_id' ORDER BY 1"
            ),
            {"role": TENANT_ROLE},
        ).all()
    assert len(rows) >= 15
    # The audit log is the admins' alone: the tenant role cannot read it at all.
    assert [(name, readable) for name, secured, readable in rows if not secured] == [("audit_log", False)]
