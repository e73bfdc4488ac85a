"""The semantic layer a tenant curates, one version a row (issue 30).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "semantic_layers",
        sa.Column(
            "project_id",
            sa.String(63),
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_semantic_layers_project_id_projects"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("document", postgresql.JSONB, nullable=False),
        sa.Column("etag", sa.String(40), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    # A project's key reads and writes its own layer through the tenant role; row-level security keeps it there.
    op.execute("GRANT SELECT, INSERT ON semantic_layers TO hugdata_tenant")
    op.execute("ALTER TABLE semantic_layers ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON semantic_layers "
        "USING (project_id = current_setting('hugdata.project_id', true)) "
        "WITH CHECK (project_id = current_setting('hugdata.project_id', true))"
    )


def downgrade() -> None:
    op.drop_table("semantic_layers")
