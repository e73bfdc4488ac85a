"""Each project's own steps in each run (issue 32): what a batch run materialized or failed for one project.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

ROLE = "hugdata_tenant"


def upgrade() -> None:
    op.create_table(
        "project_run_steps",
        sa.Column(
            "project_id",
            sa.String(63),
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_project_run_steps_project_id_projects"),
            primary_key=True,
        ),
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("asset", sa.String(200), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cause", sa.Text, nullable=True),
        sa.CheckConstraint("status IN ('SUCCESS', 'FAILURE', 'SKIPPED')", name="ck_project_run_steps_status"),
    )
    op.create_index("ix_project_run_steps_ended_at", "project_run_steps", ["ended_at"])
    op.execute(f"GRANT SELECT ON project_run_steps TO {ROLE}")
    op.execute("ALTER TABLE project_run_steps ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON project_run_steps "
        "USING (project_id = current_setting('hugdata.project_id', true)) "
        "WITH CHECK (project_id = current_setting('hugdata.project_id', true))"
    )


def downgrade() -> None:
    op.drop_table("project_run_steps")
