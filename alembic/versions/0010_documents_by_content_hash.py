"""Index schema documents by content hash, so identical texts share one vector across projects.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_schema_documents_content_hash", "schema_documents", ["content_hash"])


def downgrade() -> None:
    op.drop_index("ix_schema_documents_content_hash", table_name="schema_documents")
