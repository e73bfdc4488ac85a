"""Schema watch: the last cheap schema fingerprint seen per project, for the schema-change sensor.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schema_watch",
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name="pk_schema_watch"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_schema_watch_project_id_projects", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("schema_watch")
