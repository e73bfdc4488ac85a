"""Golden questions and their accuracy runs, and each tenant's query optimization report.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"], ["projects.id"], name=f"fk_{table}_project_id_projects", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "golden_questions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("expected_sql", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_golden_questions"),
        sa.UniqueConstraint("project_id", "question", name="uq_golden_questions_project_id_question"),
        _project_fk("golden_questions"),
    )
    op.create_table(
        "accuracy_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("answered_by", sa.String(32), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("results", postgresql.JSONB(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accuracy_runs"),
        _project_fk("accuracy_runs"),
    )
    op.create_index("ix_accuracy_runs_project_id_id", "accuracy_runs", ["project_id", "id"])
    op.create_table(
        "optimization_reports",
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("report", postgresql.JSONB(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name="pk_optimization_reports"),
        _project_fk("optimization_reports"),
    )


def downgrade() -> None:
    op.drop_table("optimization_reports")
    op.drop_table("accuracy_runs")
    op.drop_table("golden_questions")
