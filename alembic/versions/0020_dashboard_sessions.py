"""One-time dashboard links and the browser sessions they open (only SHA-256 digests of their secrets are kept).

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _project_column(table: str) -> sa.Column:
    return sa.Column(
        "project_id",
        sa.String(63),
        sa.ForeignKey("projects.id", ondelete="CASCADE", name=f"fk_{table}_project_id_projects"),
        nullable=True,
    )


def upgrade() -> None:
    op.create_table(
        "dashboard_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        _project_column("dashboard_links"),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "dashboard_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        _project_column("dashboard_sessions"),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_dashboard_sessions_expires_at", "dashboard_sessions", ["expires_at"])
    # Written and read by the platform only; under row-level security like every table with a project column, so a
    # tenant-scoped connection could see no other project's rows even if it were granted them.
    for table in ("dashboard_links", "dashboard_sessions"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            "USING (project_id = current_setting('hugdata.project_id', true))"
        )


def downgrade() -> None:
    op.drop_table("dashboard_sessions")
    op.drop_table("dashboard_links")
