"""Query log (every ask of a tenant: SQL, outcome, latency, tokens) and each tenant's usage analytics.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "query_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("sql", sa.Text(), nullable=True),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("executed", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error_class", sa.String(64), nullable=True),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_query_log"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_query_log_project_id_projects", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_query_log_project_id", "query_log", ["project_id"])
    op.create_index("ix_query_log_created_at", "query_log", ["created_at"])
    op.create_table(
        "usage_analytics",
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("summary", postgresql.JSONB(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name="pk_usage_analytics"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_usage_analytics_project_id_projects", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("usage_analytics")
    op.drop_table("query_log")
