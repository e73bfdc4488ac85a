"""Answer memory: each project's recent answers, keyed by the normalized question and the ask's options, valid
for the schema version and semantic model they were computed on, until they expire.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ROLE = "hugdata_tenant"


def upgrade() -> None:
    op.create_table(
        "answer_memory",
        sa.Column(
            "project_id",
            sa.String(63),
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_answer_memory_project_id_projects"),
            primary_key=True,
        ),
        sa.Column("question_key", sa.String(64), primary_key=True),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("model_built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON answer_memory TO {ROLE}")
    op.execute("ALTER TABLE answer_memory ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON answer_memory "
        "USING (project_id = current_setting('hugdata.project_id', true)) "
        "WITH CHECK (project_id = current_setting('hugdata.project_id', true))"
    )


def downgrade() -> None:
    op.drop_table("answer_memory")
