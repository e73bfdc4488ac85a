"""Tenant registry: projects, data sources, API keys.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32, create_constraint=False)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "projects",
        sa.Column("id", sa.String(63), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tier", _enum("tier", "free", "standard", "enterprise"), nullable=False),
        sa.Column("status", _enum("project_status", "active"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.CheckConstraint("tier IN ('free', 'standard', 'enterprise')", name="ck_projects_tier"),
    )
    op.create_table(
        "data_sources",
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("dialect", _enum("dialect", "postgresql", "mysql", "mariadb", "sqlite"), nullable=False),
        sa.Column("host", sa.String(253)),
        sa.Column("port", sa.Integer()),
        sa.Column("database", sa.String(128)),
        sa.Column("username", sa.String(128)),
        sa.Column("path", sa.Text()),
        sa.Column("options", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("password_encrypted", sa.Text()),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name="pk_data_sources"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_data_sources_project_id_projects", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(24), nullable=False),
        sa.Column("scope", _enum("key_scope", "admin", "project"), nullable=False),
        sa.Column("project_id", sa.String(63)),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_api_keys_project_id_projects", ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "(scope = 'admin' AND project_id IS NULL) OR (scope = 'project' AND project_id IS NOT NULL)",
            name="ck_api_keys_scope_matches_project",
        ),
    )
    op.create_index("ix_api_keys_project_id", "api_keys", ["project_id"])


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("data_sources")
    op.drop_table("projects")
