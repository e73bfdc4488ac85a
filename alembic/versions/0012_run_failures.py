"""Why runs failed: the cause of each failed tenant run, and the cause on each failed asset's state.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ROLE = "hugdata_tenant"


def upgrade() -> None:
    op.create_table(
        "run_failures",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column(
            "project_id",
            sa.String(63),
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_run_failures_project_id_projects"),
            nullable=False,
            index=True,
        ),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.execute(f"GRANT SELECT ON run_failures TO {ROLE}")
    op.execute("ALTER TABLE run_failures ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON run_failures "
        "USING (project_id = current_setting('hugdata.project_id', true)) "
        "WITH CHECK (project_id = current_setting('hugdata.project_id', true))"
    )
    op.add_column("asset_states", sa.Column("failure_cause", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("asset_states", "failure_cause")
    op.drop_table("run_failures")
