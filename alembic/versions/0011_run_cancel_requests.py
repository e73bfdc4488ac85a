"""Cancel requests for runs that could not be stopped yet (STARTING): honoured by a sensor once the run has started.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ROLE = "hugdata_tenant"


def upgrade() -> None:
    op.create_table(
        "run_cancel_requests",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column(
            "project_id",
            sa.String(63),
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_run_cancel_requests_project_id_projects"),
            nullable=False,
            index=True,
        ),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    # A project key asks to cancel its own runs, under row-level security like every tenant table.
    op.execute(f"GRANT SELECT, INSERT ON run_cancel_requests TO {ROLE}")
    op.execute("ALTER TABLE run_cancel_requests ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON run_cancel_requests "
        "USING (project_id = current_setting('hugdata.project_id', true)) "
        "WITH CHECK (project_id = current_setting('hugdata.project_id', true))"
    )


def downgrade() -> None:
    op.drop_table("run_cancel_requests")
