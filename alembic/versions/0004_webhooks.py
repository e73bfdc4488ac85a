"""Webhooks: a per-project receiver URL and the delivery outbox.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("projects", sa.Column("webhook_url", sa.String(2000)))
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_outbox"),
        sa.UniqueConstraint("event_id", name="uq_webhook_outbox_event_id"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_webhook_outbox_project_id_projects", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_webhook_outbox_project_id", "webhook_outbox", ["project_id"])
    # Dispatchers look only at what is still to be sent.
    op.create_index(
        "ix_webhook_outbox_due", "webhook_outbox", ["next_attempt_at"], postgresql_where=sa.text("delivered_at IS NULL")
    )


def downgrade() -> None:
    op.drop_table("webhook_outbox")
    op.drop_column("projects", "webhook_url")
