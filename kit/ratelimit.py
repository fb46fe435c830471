"""Cost-based rate limits: each request's cost (gateway/limits.py, the sum of its operations')
is charged to the caller against a budget per fixed window, kept in PostgreSQL
(`rate_limit_buckets`) so that every gateway process and host spends the same budget.

- The caller: `user:<id>` when logged in, else `ip:<address>` (the client address, which
  honours X-Forwarded-For only from TRUSTED_PROXIES: gateway/app.py).
- The budget per window: RATE_LIMIT_PLATFORM for platform roles, RATE_LIMIT_USER for other
  users, RATE_LIMIT_ANONYMOUS for anonymous callers; 0 switches that class off (no statement).
- One autocommit statement per request, before its transaction: it charges the cost unless
  that would pass the budget (then nothing is charged and nothing runs: RATE_LIMITED).
  A read-only request sends it in the same message as its BEGIN (`charge_statement`, the
  function `campus_charge` of the migration 8d2f6a1c4b37): no round trip of its own.
  Windows start at multiples of RATE_LIMIT_WINDOW_SECONDS on the database's clock (one clock
  for every host). Old rows are deleted by the hourly job `prune_rate_limits`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

from kit.settings import Settings

# `before` sees the row as it was when the statement began; `charged` adds the cost under the
# row's lock, re-checking the budget there (two processes racing cannot both pass it).
CHARGE_SQL = """
WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2::int) * $2::int) AS start),
before AS (SELECT b.used FROM rate_limit_buckets b, w WHERE b.caller = $1::text AND b.window_start = w.start),
charged AS (
  INSERT INTO rate_limit_buckets AS b (caller, window_start, used)
  SELECT $1::text, w.start, $3::bigint FROM w WHERE $3::bigint <= $4::bigint
  ON CONFLICT (caller, window_start) DO UPDATE SET used = b.used + EXCLUDED.used
   WHERE b.used + EXCLUDED.used <= $4::bigint
  RETURNING b.used)
SELECT (SELECT used FROM charged) AS charged, (SELECT used FROM before) AS before,
       (SELECT start FROM w) AS window_start, clock_timestamp() AS now
"""

# Rows of windows that have ended are no longer read; kept one window more for inspection.
PRUNE_SQL = "DELETE FROM rate_limit_buckets WHERE window_start < now() - make_interval(secs => 2 * $1::int)"


@dataclass(frozen=True)
class RateLimitState:
    """The caller's budget after this request: what `rateLimit` answers."""

    limit: int
    cost: int  # of this request (all its operations)
    used: int  # in this window, this request included when it was charged
    reset_at: dt.datetime
    now: dt.datetime
    refused: bool

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window resets (at least 1)."""
        return max(1, math.ceil((self.reset_at - self.now).total_seconds()))

    def refusal(self) -> str:
        return (
            f"Rate limit exceeded: this request costs {self.cost} and {self.remaining} of {self.limit} "
            f"remain until {self.reset_at.isoformat()}; retry in {self.retry_after} seconds."
        )


def caller_of(settings: Settings, identity: Any, client_ip: str | None) -> tuple[str, int]:
    """(the bucket key, the budget per window) of the caller; a budget of 0 is no limit."""
    if identity is None:
        return f"ip:{client_ip or 'unknown'}", settings.rate_limit_anonymous
    if identity.platform_roles:
        return f"user:{identity.user_id}", settings.rate_limit_platform
    return f"user:{identity.user_id}", settings.rate_limit_user


async def charge(db: Any, settings: Settings, identity: Any, client_ip: str | None, cost: int) -> RateLimitState | None:
    """Charge `cost` to the caller on the request's connection (autocommit, before its
    transaction begins). None when the caller's class has no limit."""
    key, limit = caller_of(settings, identity, client_ip)
    if limit <= 0 or cost <= 0:  # no limit, or nothing to charge (a document that will not run): no statement
        return None
    window = settings.rate_limit_window_seconds
    row = (await db.fetch_unscoped(CHARGE_SQL, (key[:80], window, cost, limit)))[0]
    refused = row["charged"] is None
    used = (row["before"] or 0) if refused else row["charged"]
    reset_at = row["window_start"] + dt.timedelta(seconds=window)
    return RateLimitState(limit, cost, used, reset_at, row["now"], refused)


# `campus_charge` answers in the message that begins a read-only request (kit/db.py
# RequestDB.begin): its state as a NOTICE, a refusal as this SQLSTATE.
CHARGED_NOTICE = "campus-rate-charged"
REFUSED_SQLSTATE = "CA429"


@dataclass(frozen=True)
class PendingCharge:
    """A charge to send with the transaction's BEGIN (simple query: values are literals)."""

    sql: str
    limit: int
    cost: int
    window: int

    def state(self, detail: str, refused: bool) -> RateLimitState:
        """The state from `campus_charge`'s NOTICE (charged) or error (refused) detail."""
        values = json.loads(detail)
        start = dt.datetime.fromtimestamp(float(values["window_start"]), dt.UTC)
        now = dt.datetime.fromtimestamp(float(values["now"]), dt.UTC)
        return RateLimitState(
            self.limit, self.cost, int(values["used"]), start + dt.timedelta(seconds=self.window), now, refused
        )


def charge_statement(settings: Settings, identity: Any, client_ip: str | None, cost: int) -> PendingCharge | None:
    """The charge as one statement of a simple query; None when nothing is charged."""
    key, limit = caller_of(settings, identity, client_ip)
    if limit <= 0 or cost <= 0:
        return None
    window = settings.rate_limit_window_seconds
    # the caller key may hold an address from a header: hex-encoded, nothing of it is SQL
    caller = key[:80].encode().hex()
    sql = (
        f"SELECT campus_charge(convert_from(decode('{caller}', 'hex'), 'UTF8'), "
        f"{int(window)}, {int(cost)}, {int(limit)})"
    )
    return PendingCharge(sql, limit, cost, window)
