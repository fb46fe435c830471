"""background jobs: procrastinate's schema, and the last error of each job

Revision ID: 9b1c4d2e7f30
Revises: 0f4b261c842c
Create Date: 2026-12-07 14:00:00.000000

The job queue (resolvers/jobs/) is procrastinate's tables and functions, installed in a schema of
their own (`procrastinate`): they are platform rows, not tenant rows, so the models, the RLS
policies and `tests/test_policies.py` (all about `public`) do not describe them. The SQL is the
installed procrastinate's `schema.sql` (pyproject pins the minor version: a newer one needs a
revision applying its `sql/migrations`). Its functions get their own `search_path`, so the
gateway's requests (search path `public`) may call them, e.g. to retry a failed job.

`job_errors` keeps the last error message of a job (procrastinate keeps none). The application
role may read and write these tables and nothing else of the schema (no CREATE).
"""
from __future__ import annotations

from alembic import op
from sqlalchemy.util import await_only

from migrations.rls import APP_ROLE

revision = '9b1c4d2e7f30'
down_revision = '0f4b261c842c'
branch_labels = None
depends_on = None

SCHEMA = "procrastinate"


def upgrade() -> None:
    from procrastinate.schema import SchemaManager

    op.execute(f"CREATE SCHEMA {SCHEMA}")
    raw = op.get_bind().connection.driver_connection  # asyncpg: the simple protocol runs the whole script
    previous = await_only(raw.fetchval("SELECT current_setting('search_path')"))
    await_only(raw.execute(f"SET LOCAL search_path TO {SCHEMA}"))
    await_only(raw.execute(SchemaManager.get_schema()))
    await_only(raw.execute(f"SELECT set_config('search_path', $1, true)", previous))
    # the triggers and functions find their tables whatever the caller's search path
    op.execute(f"""
        DO $$
        DECLARE f regprocedure;
        BEGIN
          FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = '{SCHEMA}' LOOP
            EXECUTE format('ALTER FUNCTION %s SET search_path = {SCHEMA}, pg_catalog', f);
          END LOOP;
        END $$""")
    op.execute(f"""
        CREATE TABLE {SCHEMA}.job_errors (
          job_id bigint PRIMARY KEY REFERENCES {SCHEMA}.procrastinate_jobs (id) ON DELETE CASCADE,
          attempt integer NOT NULL,
          message text NOT NULL,
          at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute(f"COMMENT ON TABLE {SCHEMA}.job_errors IS 'The last error of a background job: its class and message, no trace.'")
    op.execute(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
