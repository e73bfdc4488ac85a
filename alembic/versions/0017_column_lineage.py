"""Column lineage: each saved question's (query log, golden question) source columns and how it uses them, its stale
mark after a schema change, and what each schema version's change affected.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ROLE = "hugdata_tenant"
POLICY = (
    "CREATE POLICY tenant_isolation ON {table} "
    "USING (project_id = current_setting('hugdata.project_id', true)) "
    "WITH CHECK (project_id = current_setting('hugdata.project_id', true))"
)


def upgrade() -> None:
    op.create_table(
        "lineage_sources",
        sa.Column(
            "project_id",
            sa.String(63),
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_lineage_sources_project_id_projects"),
            primary_key=True,
        ),
        sa.Column("source_key", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "query_log_id",
            sa.BigInteger,
            sa.ForeignKey("query_log.id", ondelete="CASCADE", name="fk_lineage_sources_query_log_id"),
            unique=True,
        ),
        sa.Column(
            "golden_question_id",
            sa.BigInteger,
            sa.ForeignKey("golden_questions.id", ondelete="CASCADE", name="fk_lineage_sources_golden_question_id"),
            unique=True,
        ),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("schema_version", sa.Integer),
        sa.Column("unclear", sa.Text),
        sa.Column("stale_version", sa.Integer),
        sa.Column("stale_reason", sa.Text),
        sa.Column("parsed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "column_lineage",
        sa.Column("project_id", sa.String(63), primary_key=True),
        sa.Column("source_key", sa.String(80), primary_key=True),
        sa.Column("table_name", sa.Text, primary_key=True),
        sa.Column("column_name", sa.Text, primary_key=True),  # '' for a table read as a whole (COUNT(*))
        sa.Column("uses", ARRAY(sa.Text), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id", "source_key"],
            ["lineage_sources.project_id", "lineage_sources.source_key"],
            ondelete="CASCADE",
            name="fk_column_lineage_source",
        ),
    )
    op.create_index("ix_column_lineage_column", "column_lineage", ["project_id", "table_name", "column_name"])
    op.add_column("schema_snapshots", sa.Column("impact", JSONB))
    for table in ("lineage_sources", "column_lineage"):
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(POLICY.format(table=table))


def downgrade() -> None:
    op.drop_column("schema_snapshots", "impact")
    op.drop_table("column_lineage")
    op.drop_table("lineage_sources")
