"""A failure cause per project and run: a batch run can fail for some of its projects, each with its own cause.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("pk_run_failures", "run_failures", type_="primary")
    op.create_primary_key("pk_run_failures", "run_failures", ["run_id", "project_id"])


def downgrade() -> None:
    op.execute("DELETE FROM run_failures a USING run_failures b WHERE a.run_id = b.run_id AND a.ctid > b.ctid")
    op.drop_constraint("pk_run_failures", "run_failures", type_="primary")
    op.create_primary_key("pk_run_failures", "run_failures", ["run_id"])
