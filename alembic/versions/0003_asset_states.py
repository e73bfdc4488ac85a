"""Asset states: per project and asset, the last materialization or failure, kept current as runs finish.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asset_states",
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("asset", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_run_id", sa.String(64), nullable=False),
        sa.Column("last_materialized_at", sa.DateTime(timezone=True)),
        sa.Column("last_failed_at", sa.DateTime(timezone=True)),
        sa.Column("metadata", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "asset", name="pk_asset_states"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_asset_states_project_id_projects", ondelete="CASCADE"
        ),
        sa.CheckConstraint("status IN ('materialized', 'failed')", name="ck_asset_states_status"),
    )


def downgrade() -> None:
    op.drop_table("asset_states")
