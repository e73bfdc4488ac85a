"""Projects whose catalog is stale, so `catalog.stale` is sent once per stale period and `catalog.fresh` when it
recovers; an index that finds stale catalog assets without reading every tenant's rows.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ROLE = "hugdata_tenant"


def upgrade() -> None:
    op.create_table(
        "catalog_staleness",
        sa.Column(
            "project_id",
            sa.String(63),
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_catalog_staleness_project_id_projects"),
            primary_key=True,
        ),
        sa.Column("stale_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.execute(f"GRANT SELECT ON catalog_staleness TO {ROLE}")
    op.execute("ALTER TABLE catalog_staleness ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON catalog_staleness "
        "USING (project_id = current_setting('hugdata.project_id', true)) "
        "WITH CHECK (project_id = current_setting('hugdata.project_id', true))"
    )
    op.create_index("ix_asset_states_asset_last_materialized_at", "asset_states", ["asset", "last_materialized_at"])


def downgrade() -> None:
    op.drop_index("ix_asset_states_asset_last_materialized_at", "asset_states")
    op.drop_table("catalog_staleness")
