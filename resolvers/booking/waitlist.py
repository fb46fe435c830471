"""Waitlist notifications: when a bed frees for some dates (a cancellation, a no-show, a
check-out, a transfer), the first eligible waiting entry is told, by priority then age.

Eligible: WAITING, same room type, and the freed bed is really free for the entry's whole
range [from_date, to_date) (checked with the availability snapshot, so a bed freed for a
week does not notify someone waiting for a semester) and the bed suits their gender.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from models.booking import BookingWaitlist, WaitlistNotification, WaitlistStatus
from kit.sql import session_runner
from resolvers.hostel import availability

OFFER_HOURS = 48


async def notify_waitlist(session: Any, hostel_id: int, room_type_id: int, start: dt.date, end: dt.date) -> int | None:
    """Notify the first eligible entry whose range overlaps [start, end); the id of the
    notification made, or None. Call after the change that freed the bed is flushed."""
    await session.flush()
    entries = (
        await session.scalars(
            select(BookingWaitlist)
            .where(
                BookingWaitlist.hostel_id == hostel_id,
                BookingWaitlist.room_type_id == room_type_id,
                BookingWaitlist.status == WaitlistStatus.WAITING,
                BookingWaitlist.from_date < end,
                BookingWaitlist.to_date > start,
            )
            .order_by(BookingWaitlist.priority, BookingWaitlist.created_at, BookingWaitlist.id)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not entries:
        return None
    lo = min(e.from_date for e in entries)
    hi = max(e.to_date for e in entries)
    snap = await availability.snapshot(session_runner(session), hostel_id, lo, hi, room_type_id)
    for entry in entries:
        bed = snap.pick_bed(room_type_id, entry.from_date, entry.to_date, entry.gender.value)
        if bed is None:
            continue
        note = WaitlistNotification(
            waitlist_id=entry.id,
            bed_id=bed,
            available_from=entry.from_date,
            available_to=entry.to_date,
            message=f"A bed is free for {entry.from_date:%d %b %Y} - {entry.to_date:%d %b %Y}: book within "
            f"{OFFER_HOURS} hours to take it.",
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=OFFER_HOURS),
        )
        session.add(note)
        entry.status = WaitlistStatus.NOTIFIED
        await session.flush()
        return note.id
    return None
