"""The daily late-fee accrual (seed §7.4): `campus accrue-late-fees [--date YYYY-MM-DD]`.

For one date (default: each school's own today, in its time zone) and every school, each active assignment with something
pending that may be overdue gets `late_fee_accrual` (resolvers/fees/calculators.py, the one
rule, shared with the payment path): the amount is added to `late_fee_accrued`,
`late_fee_applied` is set, the version is bumped, and a LateFeeLog records the accrual.

Idempotent: FLAT and PERCENTAGE fees are applied once (`late_fee_applied`), a daily
percentage charges each day once (`late_fee_accrued_on`), so running twice for one date adds nothing.

Runs as the owner (the migration URL), one transaction per school with `app.school_id` set, so
row-level security (forced, the owner included) lets it see exactly that school. Candidates
are read in keyset batches and locked FOR UPDATE (a concurrent payment of the same assignment
waits, or is waited for); each batch's changes are written with one UPDATE and one INSERT.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from kit import clock
from resolvers.fees.calculators import late_fee_accrual
from resolvers.fees.formula import pending_sql_text

log = logging.getLogger(__name__)

BATCH = 1000

# Candidates only: the calculator decides. Late fee types that accrue, a due date whose grace has
# passed, something pending, and a one-time fee not applied yet.
CANDIDATES = text(f"""
SELECT a.id, a.amount, a.due_date, a.late_fee_type, a.late_fee_value, a.late_fee_grace_days, a.late_fee_cap_type,
       a.late_fee_cap_value, a.late_fee_applied, a.late_fee_accrued, a.principal_paid, a.late_fee_paid,
       a.late_fee_waived, a.total_discount_amount, a.sponsor_covered_amount, a.late_fee_accrued_on
  FROM student_fee_assignments a
 WHERE a.school_id = :school AND a.id > :after AND a.active
   AND a.late_fee_type IN ('FLAT', 'PERCENTAGE', 'DAILY_PERCENTAGE')
   AND a.due_date IS NOT NULL AND a.due_date + COALESCE(a.late_fee_grace_days, 0) < :on
   AND NOT (a.late_fee_applied AND a.late_fee_type IN ('FLAT', 'PERCENTAGE'))
   AND {pending_sql_text("a")} > 0
 ORDER BY a.id
 LIMIT :batch
   FOR UPDATE OF a
""")

APPLY = text("""
UPDATE student_fee_assignments a
   SET late_fee_accrued = a.late_fee_accrued + u.amount, late_fee_applied = u.applied,
       late_fee_accrued_on = CASE WHEN a.late_fee_type = 'DAILY_PERCENTAGE' THEN CAST(:on AS date) ELSE a.late_fee_accrued_on END,
       version = a.version + 1, updated_at = now()
  FROM unnest(CAST(:ids AS bigint[]), CAST(:amounts AS numeric[]), CAST(:applied AS boolean[])) AS u(id, amount, applied)
 WHERE a.id = u.id AND a.school_id = :school
""")

LOG = text("""
INSERT INTO late_fee_logs (school_id, assignment_id, computed_amount, applied_date, reason, created_at)
SELECT CAST(:school AS bigint), u.id, u.amount, CAST(:on AS date), u.reason, now()
  FROM unnest(CAST(:ids AS bigint[]), CAST(:amounts AS numeric[]), CAST(:reasons AS text[])) AS u(id, amount, reason)
""")


@dataclass
class AccrualSummary:
    on: dt.date | None  # the date asked for; None: each school's today
    schools: int = 0  # schools looked at
    schools_touched: int = 0  # schools where something accrued
    assignments: int = 0  # assignments that accrued
    total: Decimal = Decimal("0.00")
    by_school: dict[int, tuple[int, Decimal]] = field(default_factory=dict)
    dates: dict[int, dt.date] = field(default_factory=dict)  # the date each school accrued for
    not_yet: list[int] = field(default_factory=list)  # schools where `on` is still in the future

    def describe(self) -> str:
        when = self.on.isoformat() if self.on is not None else "each school's today"
        later = (
            f"; {len(self.not_yet)} school(s) skipped: {self.on.isoformat()} has not begun there yet"
            if self.not_yet and self.on is not None
            else ""
        )
        return (
            f"late fees accrued for {when}: {self.assignments} assignment(s) in "
            f"{self.schools_touched} of {self.schools} school(s), total {self.total}{later}"
        )


def _to_driver(url: str) -> str:
    return url if "+asyncpg" in url else url.replace("postgresql://", "postgresql+asyncpg://", 1)


async def _accrue_school(conn: Any, school_id: int, on: dt.date) -> tuple[int, Decimal]:
    await conn.execute(text("SELECT set_config('app.school_id', :school, true)"), {"school": str(school_id)})
    after, count, total = 0, 0, Decimal("0.00")
    while True:
        rows = (
            (await conn.execute(CANDIDATES, {"school": school_id, "after": after, "on": on, "batch": BATCH}))
            .mappings()
            .all()
        )
        if not rows:
            break
        after = rows[-1]["id"]
        ids, amounts, applied, reasons = [], [], [], []
        for row in map(dict, rows):
            accrual = late_fee_accrual(row, on)
            if accrual.amount > 0:
                ids.append(row["id"])
                amounts.append(accrual.amount)
                applied.append(accrual.applied)
                reasons.append(accrual.reason[:255])
        if ids:
            await conn.execute(
                APPLY, {"ids": ids, "amounts": amounts, "applied": applied, "school": school_id, "on": on}
            )
            await conn.execute(LOG, {"ids": ids, "amounts": amounts, "reasons": reasons, "school": school_id, "on": on})
            count += len(ids)
            total += sum(amounts, Decimal("0.00"))
        if len(rows) < BATCH:
            break
    return count, total


async def accrue_school(conn: Any, school_id: int, on: dt.date) -> tuple[int, Decimal]:
    """One school's accrual for `on` inside the caller's transaction (the background job,
    resolvers/jobs/): (assignments accrued, total)."""
    return await _accrue_school(conn, school_id, on)


async def accrue_late_fees(
    url: str, on: dt.date | None = None, school_ids: list[int] | None = None, now: dt.datetime | None = None
) -> AccrualSummary:
    """Accrue late fees for `on` (default: each school's today in its time zone, never UTC's
    date) in every school (or only `school_ids`), connecting with the owner's `url`. A school
    where `on` has not begun yet is skipped (`not_yet`); a date that is in the future in every
    school is refused (ValueError). `now` is for tests (default: the current time)."""
    now = now or dt.datetime.now(dt.UTC)
    summary = AccrualSummary(on=on)
    engine = create_async_engine(_to_driver(url), poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT id, time_zone FROM schools ORDER BY id"))).all()
            await conn.commit()
            wanted = None if school_ids is None else set(school_ids)
            schools = [(r.id, clock.today_in(r.time_zone, now)) for r in rows if wanted is None or r.id in wanted]
            if on is not None and schools and all(on > today for _, today in schools):
                latest = max(today for _, today in schools)
                raise ValueError(
                    f"{on.isoformat()} is in the future: late fees accrue only up to today "
                    f"({latest.isoformat()} in the school furthest ahead)."
                )
            for school_id, today in schools:
                day = on or today
                if day > today:
                    summary.not_yet.append(school_id)
                    continue
                async with conn.begin():  # one transaction per school: a failure leaves the others done
                    count, total = await _accrue_school(conn, school_id, day)
                summary.schools += 1
                summary.dates[school_id] = day
                if count:
                    summary.schools_touched += 1
                    summary.assignments += count
                    summary.total += total
                    summary.by_school[school_id] = (count, total)
                    log.info(
                        "late fees accrued",
                        extra={
                            "school_id": school_id,
                            "assignments": count,
                            "total": str(total),
                            "date": day.isoformat(),
                        },
                    )
    finally:
        await engine.dispose()
    return summary


__all__ = ["AccrualSummary", "accrue_late_fees", "accrue_school"]
