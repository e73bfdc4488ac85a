"""Full-text search over retrieval documents: a stored tsvector of each document's title and content.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Computed by Postgres on write, so every writer (the index asset, the history index, a copy) gets it. No GIN
    # index: a search always reads one project's few hundred rows through the primary key first.
    op.execute(
        "ALTER TABLE schema_documents ADD COLUMN search_text tsvector GENERATED ALWAYS AS "
        "(to_tsvector('english'::regconfig, title || ' ' || content)) STORED"
    )


def downgrade() -> None:
    op.drop_column("schema_documents", "search_text")
