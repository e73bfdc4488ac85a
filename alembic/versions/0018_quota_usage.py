"""Per-tenant quota counters: requests per minute (search, ask) and LLM tokens per day, shared by every API replica;
and the indexes the platform exporter's scrape-time counts use.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

ROLE = "hugdata_tenant"


def upgrade() -> None:
    op.create_table(
        "quota_usage",
        sa.Column(
            "project_id",
            sa.String(63),
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_quota_usage_project_id_projects"),
            primary_key=True,
        ),
        sa.Column("bucket", sa.String(16), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("used", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_quota_usage_window_start", "quota_usage", ["window_start"])
    # The exporter's scrape-time counts read only these rows: failed asset states, recent schema probes.
    op.create_index("ix_asset_states_failed", "asset_states", ["asset"], postgresql_where=sa.text("status = 'failed'"))
    op.create_index("ix_schema_watch_checked_at", "schema_watch", ["checked_at"])
    op.execute(f"GRANT SELECT ON quota_usage TO {ROLE}")
    op.execute("ALTER TABLE quota_usage ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON quota_usage "
        "USING (project_id = current_setting('hugdata.project_id', true)) "
        "WITH CHECK (project_id = current_setting('hugdata.project_id', true))"
    )


def downgrade() -> None:
    op.drop_index("ix_schema_watch_checked_at", "schema_watch")
    op.drop_index("ix_asset_states_failed", "asset_states")
    op.drop_table("quota_usage")
