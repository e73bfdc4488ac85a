"""Conversation threads and their turns, feedback on answers and suggested questions (issue 31); the answerer of
each logged ask; asset check results per project (issue 32).

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

ROLE = "hugdata_tenant"


def _project_fk(table: str) -> sa.Column:
    return sa.Column(
        "project_id",
        sa.String(63),
        sa.ForeignKey("projects.id", ondelete="CASCADE", name=f"fk_{table}_project_id_projects"),
        nullable=False,
    )


def _isolated(table: str, privileges: str) -> None:
    op.execute(f"GRANT {privileges} ON {table} TO {ROLE}")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        "USING (project_id = current_setting('hugdata.project_id', true)) "
        "WITH CHECK (project_id = current_setting('hugdata.project_id', true))"
    )


def upgrade() -> None:
    op.add_column("query_log", sa.Column("answered_by", sa.String(32), nullable=True))
    # Each asset's latest check results per project (issue 32): a failed check shows in /assets.
    op.add_column("asset_states", sa.Column("checks", postgresql.JSONB, nullable=False, server_default="[]"))
    op.create_table(
        "threads",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        _project_fk("threads"),
        sa.Column("end_user", sa.String(200), nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("turns", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_threads_project_id_id", "threads", ["project_id", "id"])
    op.create_index("ix_threads_project_id_end_user_id", "threads", ["project_id", "end_user", "id"])
    op.create_index("ix_threads_updated_at", "threads", ["updated_at"])
    op.create_table(
        "thread_turns",
        sa.Column(
            "thread_id",
            sa.BigInteger,
            sa.ForeignKey("threads.id", ondelete="CASCADE", name="fk_thread_turns_thread_id_threads"),
            primary_key=True,
        ),
        sa.Column("turn", sa.Integer, primary_key=True),
        _project_fk("thread_turns"),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("sql", sa.Text, nullable=True),
        sa.Column("answered_by", sa.String(32), nullable=True),
        sa.Column("tables", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column("explanation", postgresql.JSONB, nullable=True),
        sa.Column("changes", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column("columns", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column("row_count", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("query_id", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "query_feedback",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        _project_fk("query_feedback"),
        sa.Column(
            "query_id",
            sa.BigInteger,
            sa.ForeignKey("query_log.id", ondelete="CASCADE", name="fk_query_feedback_query_id_query_log"),
            nullable=False,
        ),
        sa.Column("rating", sa.String(4), nullable=False),
        sa.Column("corrected_sql", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("end_user", sa.String(200), nullable=True),
        sa.Column("candidate", sa.String(16), nullable=False),
        sa.Column("golden_question_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_query_feedback_project_id_id", "query_feedback", ["project_id", "id"])
    op.create_index("ix_query_feedback_query_id", "query_feedback", ["query_id"])
    op.add_column(
        "projects", sa.Column("accept_golden_candidates", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.create_table(
        "suggested_questions",
        sa.Column(
            "project_id",
            sa.String(63),
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_suggested_questions_project_id_projects"),
            primary_key=True,
        ),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("questions", postgresql.JSONB, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    _isolated("suggested_questions", "SELECT, INSERT, UPDATE")
    _isolated("threads", "SELECT, INSERT, UPDATE, DELETE")
    _isolated("thread_turns", "SELECT, INSERT, DELETE")
    _isolated("query_feedback", "SELECT, INSERT, UPDATE")
    op.execute(f"GRANT USAGE ON SEQUENCE threads_id_seq, query_feedback_id_seq TO {ROLE}")


def downgrade() -> None:
    op.drop_table("suggested_questions")
    op.drop_table("query_feedback")
    op.drop_table("thread_turns")
    op.drop_table("threads")
    op.drop_column("query_log", "answered_by")
    op.drop_column("asset_states", "checks")
    op.drop_column("projects", "accept_golden_candidates")
