"""Each project's live events for the dashboard's stream: run status changes (every webhook event the outbox
receives) and asset state changes, appended by triggers on the tables that already record them, each append
announced with NOTIFY so every API replica's listener wakes.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ROLE = "hugdata_tenant"
CHANNEL = "hugdata_project_events"


def upgrade() -> None:
    op.create_table(
        "project_events",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column(
            "project_id",
            sa.String(63),
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_project_events_project_id_projects"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_project_events_project_id_id", "project_events", ["project_id", "id"])
    op.create_index("ix_project_events_created_at", "project_events", ["created_at"])
    # The notification carries nothing but the project's ID: listeners read the rows themselves, scoped.
    op.execute(
        f"""
        CREATE FUNCTION hugdata_announce_project_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', NEW.project_id);
            RETURN NULL;
        END $$;
        CREATE TRIGGER announce AFTER INSERT ON project_events
            FOR EACH ROW EXECUTE FUNCTION hugdata_announce_project_event();

        CREATE FUNCTION hugdata_run_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO project_events (project_id, kind, payload) VALUES (NEW.project_id, 'run', NEW.payload);
            RETURN NULL;
        END $$;
        CREATE TRIGGER project_event AFTER INSERT ON webhook_outbox
            FOR EACH ROW EXECUTE FUNCTION hugdata_run_event();

        CREATE FUNCTION hugdata_asset_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
               AND NEW.last_run_id IS NOT DISTINCT FROM OLD.last_run_id
               AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
                RETURN NULL;  -- e.g. a fingerprint or metadata-only touch: nothing a page shows changed
            END IF;
            INSERT INTO project_events (project_id, kind, payload) VALUES (NEW.project_id, 'asset', jsonb_build_object(
                'asset', NEW.asset, 'status', NEW.status, 'run_id', NEW.last_run_id,
                'last_materialized_at', NEW.last_materialized_at, 'last_failed_at', NEW.last_failed_at,
                'failure_cause', NEW.failure_cause));
            RETURN NULL;
        END $$;
        CREATE TRIGGER project_event AFTER INSERT OR UPDATE ON asset_states
            FOR EACH ROW EXECUTE FUNCTION hugdata_asset_event();
        """
    )
    op.execute(f"GRANT SELECT ON project_events TO {ROLE}")
    op.execute("ALTER TABLE project_events ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON project_events "
        "USING (project_id = current_setting('hugdata.project_id', true))"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER project_event ON asset_states; DROP FUNCTION hugdata_asset_event();")
    op.execute("DROP TRIGGER project_event ON webhook_outbox; DROP FUNCTION hugdata_run_event();")
    op.execute("DROP TRIGGER announce ON project_events; DROP FUNCTION hugdata_announce_project_event();")
    op.drop_table("project_events")
