"""Row-level security helpers for migrations (DESIGN.md, tenant isolation layer 2).

Every tenant table gets RLS enabled *and forced* (the owner is bound too) with one policy:
rows are visible and writable only when their tenant key equals the transaction's
`app.school_id` / `app.hostel_id` setting. Platform roles working without a tenant read
across tenants (`app.platform_read` = 'on') but never write there. Without these settings
nothing is visible, so a pooled connection that carries no tenant sees no tenant rows.
"""

from __future__ import annotations

import os

from alembic import op

APP_ROLE = os.environ.get("APP_DB_ROLE", "campus_app")
SETTING = {"school_id": "app.school_id", "hostel_id": "app.hostel_id"}


def enable_tenant_rls(table: str, key: str) -> None:
    setting = SETTING[key]
    own = f"{key} = NULLIF(current_setting('{setting}', true), '')::bigint"
    platform = "current_setting('app.platform_read', true) = 'on'"
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({own} OR {platform}) WITH CHECK ({own})")


def disable_tenant_rls(table: str) -> None:
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def append_only(*tables: str) -> None:
    """The application role may add rows to these tables, never change or remove them."""
    for table in tables:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}")


def enable_public_catalogue(table: str) -> None:
    """Public listing data (room types, amenities, media, policies): also readable, never
    writable, outside the tenant for public and active hostels (visitors searching)."""
    op.execute(f"CREATE POLICY public_catalogue ON {table} FOR SELECT USING (hostel_id IN "
               "(SELECT id FROM hostels WHERE is_public AND active))")


def enable_owner_read(table: str, column: str) -> None:
    """Rows readable by the user they belong to from outside the tenant (a visitor's own
    bookings and waitlist entries in any hostel)."""
    op.execute(f"CREATE POLICY owner_read ON {table} FOR SELECT USING "
               f"({column} = NULLIF(current_setting('app.user_id', true), '')::bigint)")


def enable_owner_read_via_booking(table: str) -> None:
    """Records of a booking (guest, approval, refund, ...) readable by the booking's booker
    from outside the tenant; the subquery on bookings is itself under bookings' policies."""
    op.execute(f"CREATE POLICY owner_read ON {table} FOR SELECT USING (booking_id IN (SELECT id FROM bookings WHERE "
               "booker_user_id = NULLIF(current_setting('app.user_id', true), '')::bigint))")
