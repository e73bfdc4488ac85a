"""Catalog: schema snapshots, semantic models, retrieval documents with pgvector embeddings.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"], ["projects.id"], name=f"fk_{table}_project_id_projects", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "schema_snapshots",
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("dialect", sa.String(32), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(), nullable=False),
        sa.Column("diff", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "version", name="pk_schema_snapshots"),
        _project_fk("schema_snapshots"),
    )
    op.create_table(
        "semantic_models",
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("model", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "schema_version", name="pk_semantic_models"),
        _project_fk("semantic_models"),
    )
    op.create_table(
        "schema_documents",
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("doc_key", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("tables", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("column_name", sa.Text()),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("embedding", Vector(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "doc_key", name="pk_schema_documents"),
        _project_fk("schema_documents"),
    )


def downgrade() -> None:
    op.drop_table("schema_documents")
    op.drop_table("semantic_models")
    op.drop_table("schema_snapshots")
