"""The day-closing chain (seed §7.6), decided in issue 10:

- Closings form a chain: each closing opens with the previous closing's closing balances (before the
  first: the balance brought into the books, the earliest closing's opening, 0 / 0 without one). A closing "in force" is one that no super admin reopened
  (override_allowed = false).
- A school's books are closed THROUGH the latest closing in force: a payment, voucher (or its
  (de)activation) or transfer dated on or before that day is refused (LOCKED), also on an empty
  day that the closing skipped (closing a day after empty days closes them with it: there is
  no row for them, their money is 0 and must stay 0).
- `dayClosingOverride` of a day reopens that day and every later closing; closing that day
  again recomputes it and re-closes the later reopened ones in order, each opening with the
  previous one's balances (resolvers/finance/service.py).

Concurrency: every writer dated on a day takes the school's chain lock shared (transaction-level
advisory lock), `dayClose` and `dayClosingOverride` take it exclusively, so a posting and a closing
that would cover its day cannot pass each other, whatever their dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from kit.errors import ErrorCode, user_error

# the two-int4 form of advisory locks is used for the closing chain only (other locks take one bigint key);
# (school, 0) is the school's chain
CHAIN_KEY = 0  # pragma: no mutate - any constant is the same lock, as long as every taker uses this one

CLOSED_THROUGH = text("SELECT max(date) FROM day_closing WHERE school_id = :school AND NOT override_allowed")


async def lock_chain(session: Any, school_id: int, exclusive: bool = False) -> None:
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await session.execute(
        text(f"SELECT {fn}(CAST(:school AS integer), CAST(:key AS integer))"),
        {"school": int(school_id), "key": CHAIN_KEY},
    )


async def closed_through(session: Any, school_id: int) -> dt.date | None:
    """The last day of the school's books that is closed (None: nothing is closed)."""
    return (await session.execute(CLOSED_THROUGH, {"school": school_id})).scalar()


async def ensure_day_open(session: Any, school_id: int, day: dt.date, field: str = "date") -> None:
    """Refuse (LOCKED) a money movement dated on or before the latest closing in force; call
    inside the mutation scope (the shared chain lock is held until the request commits)."""
    await lock_chain(session, school_id)
    refusal = day_closed(day, await closed_through(session, school_id))
    if refusal is not None:
        raise user_error(ErrorCode.LOCKED, refusal, field)


def day_closed(day: dt.date, through: dt.date | None) -> str | None:
    """Why a money movement dated `day` is refused when the books are closed through `through`
    (None: nothing is closed), or None when the day is open."""
    if through is None or day > through:
        return None
    last_day = day == through  # pragma: no mutate - day <= through here: `>=` would be the same test
    which = "is closed" if last_day else f"is closed (the books are closed through {through.isoformat()})"
    return f"{day.isoformat()} {which}; a super admin can reopen it."
