"""Closed days (seed §7.6): once a date is closed, payments, vouchers and transfers dated on
it are refused, unless a super admin reopened it (override).

Writers dated on a day take a shared advisory lock on (school, day) and `dayClose` takes it
exclusively, so a payment and the closing of its day cannot pass each other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from schema.common.errors import ErrorCode, user_error

def _keys(school_id: int, day: dt.date) -> dict[str, int]:
    # the two-int4 form of advisory locks is used for day locks only (other locks take one bigint key)
    return {"school": int(school_id), "day": day.toordinal()}


async def lock_day(session: Any, school_id: int, day: dt.date, exclusive: bool = False) -> None:
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await session.execute(text(f"SELECT {fn}(CAST(:school AS integer), CAST(:day AS integer))"), _keys(school_id, day))


async def ensure_day_open(session: Any, school_id: int, day: dt.date, field: str = "date") -> None:
    """Refuse (LOCKED) a money movement dated on a closed day; call inside the mutation scope."""
    await lock_day(session, school_id, day)
    row = (await session.execute(text("SELECT override_allowed FROM day_closing WHERE school_id = :school AND date = :day"),
                                 {"school": school_id, "day": day})).first()
    if row is not None and not row[0]:
        raise user_error(ErrorCode.LOCKED, f"{day.isoformat()} is closed; a super admin can reopen it.", field)
