"""tenant isolation: the application role and row-level security

Revision ID: c4e1a7d2b9f0
Revises: b903b0f171d3
Create Date: 2026-11-22 01:30:00
"""
from __future__ import annotations

from alembic import op

from migrations.rls import APP_ROLE, append_only, disable_tenant_rls, enable_tenant_rls

revision = "c4e1a7d2b9f0"
down_revision = "b903b0f171d3"
branch_labels = None
depends_on = None

TENANT_TABLES = {"academic_sessions": "school_id"}
APPEND_ONLY = ("login_attempts", "password_history", "permission_audits", "admin_assignment_history",
               "context_switches", "token_revocations")


def upgrade() -> None:
    # A login role that owns nothing and cannot bypass RLS; the migrating role owns the tables.
    op.execute(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
          END IF;
        END $$""")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}")
    op.execute(f"REVOKE ALL ON alembic_version FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT ON alembic_version TO {APP_ROLE}")
    append_only(*APPEND_ONLY)
    for table, key in TENANT_TABLES.items():
        enable_tenant_rls(table, key)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    for table in APPEND_ONLY:
        op.execute(f"GRANT UPDATE, DELETE ON {table} TO {APP_ROLE}")
    # The role itself stays: other databases of the cluster may use it.
