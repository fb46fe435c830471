"""request start in one round trip: the rate-limit charge and the cached identity's check as functions

Revision ID: 8d2f6a1c4b37
Revises: 5e8a2c7d1f46
Create Date: 2026-12-07 17:00:00.000000

A read-only request starts with ONE simple-query message (kit/db.py `RequestDB.begin`):
the cached identity's check, the rate-limit charge, COMMIT, then BEGIN READ ONLY and the
tenant settings. A simple query returns no rows to asyncpg, so these functions answer the
only way a simple query can: the charge's state as a NOTICE (read by a log listener in the
same round trip), a refusal or a changed identity as an error with its own SQLSTATE (the
rest of the message, BEGIN included, is then skipped). SECURITY INVOKER: they run as the
application role, which already reads these tables and writes `rate_limit_buckets`.
"""

from __future__ import annotations

from alembic import op

revision = "8d2f6a1c4b37"
down_revision = "5e8a2c7d1f46"
branch_labels = None
depends_on = None

# kit/ratelimit.py CHARGE_SQL, as a function: `before` is the row as the statement began;
# `charged` adds the cost under the row's lock, re-checking the budget there.
CHARGE = """
CREATE FUNCTION campus_charge(p_caller text, p_window int, p_cost bigint, p_budget bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE r record;
BEGIN
  WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / p_window) * p_window) AS start),
  before AS (SELECT b.used FROM rate_limit_buckets b, w WHERE b.caller = p_caller AND b.window_start = w.start),
  charged AS (
    INSERT INTO rate_limit_buckets AS b (caller, window_start, used)
    SELECT p_caller, w.start, p_cost FROM w WHERE p_cost <= p_budget
    ON CONFLICT (caller, window_start) DO UPDATE SET used = b.used + EXCLUDED.used
     WHERE b.used + EXCLUDED.used <= p_budget
    RETURNING b.used)
  SELECT (SELECT used FROM charged) AS charged, (SELECT used FROM before) AS before,
         (SELECT start FROM w) AS window_start, clock_timestamp() AS now INTO r;
  IF r.charged IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'CA429', MESSAGE = 'campus-rate-refused',
      DETAIL = json_build_object('used', coalesce(r.before, 0), 'window_start', extract(epoch FROM r.window_start),
                                 'now', extract(epoch FROM r.now))::text;
  END IF;
  RAISE NOTICE USING MESSAGE = 'campus-rate-charged',
    DETAIL = json_build_object('used', r.charged, 'window_start', extract(epoch FROM r.window_start),
                               'now', extract(epoch FROM r.now))::text;
END $$
"""

# auth/identity.py: the identity statement's fingerprint now against the one cached with it.
UNCHANGED = """
CREATE FUNCTION campus_identity_unchanged(p_now text, p_cached text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  IF p_now IS DISTINCT FROM p_cached THEN
    RAISE EXCEPTION USING ERRCODE = 'CA401', MESSAGE = 'campus-identity-changed';
  END IF;
END $$
"""


def upgrade() -> None:
    op.execute(CHARGE)
    op.execute(UNCHANGED)


def downgrade() -> None:
    op.execute("DROP FUNCTION campus_identity_unchanged(text, text)")
    op.execute("DROP FUNCTION campus_charge(text, int, bigint, bigint)")
