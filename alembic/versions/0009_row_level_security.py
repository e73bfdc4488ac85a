"""Row-level security on every tenant-owned table, keyed on the transaction setting `hugdata.project_id`, for the
non-owner role `hugdata_tenant` that tenant-scoped API access runs as.

The platform's own role owns the tables and is not subject to the policies (no FORCE): migrations, Dagster assets and
admin routes see everything, as before. The migrating role must be allowed to create roles (it is, on the embedded
Postgres; on a managed server create `hugdata_tenant` NOLOGIN beforehand and grant it to the platform role).

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ROLE = "hugdata_tenant"
# table -> the column naming its project; reads only for what a tenant may never change.
TENANT_TABLES = {
    "projects": ("id", "SELECT"),
    "data_sources": ("project_id", "SELECT"),
    "api_keys": ("project_id", "SELECT"),
    "schema_snapshots": ("project_id", "SELECT"),
    "semantic_models": ("project_id", "SELECT"),
    "schema_documents": ("project_id", "SELECT"),
    "asset_states": ("project_id", "SELECT"),
    "schema_watch": ("project_id", "SELECT"),
    "usage_analytics": ("project_id", "SELECT"),
    "accuracy_runs": ("project_id", "SELECT"),
    "optimization_reports": ("project_id", "SELECT"),
    "webhook_outbox": ("project_id", "SELECT"),
    "query_log": ("project_id", "SELECT, INSERT"),
    "golden_questions": ("project_id", "SELECT, INSERT, DELETE"),
}


def upgrade() -> None:
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') "
        f"THEN CREATE ROLE {ROLE} NOLOGIN; END IF; END $$"
    )
    op.execute(f"GRANT {ROLE} TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    for table, (column, privileges) in TENANT_TABLES.items():
        op.execute(f"GRANT {privileges} ON {table} TO {ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING ({column} = current_setting('hugdata.project_id', true)) "
            f"WITH CHECK ({column} = current_setting('hugdata.project_id', true))"
        )
    op.execute(f"GRANT USAGE ON SEQUENCE query_log_id_seq, golden_questions_id_seq TO {ROLE}")


def downgrade() -> None:
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SEQUENCE query_log_id_seq, golden_questions_id_seq FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
