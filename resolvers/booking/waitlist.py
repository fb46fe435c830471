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
from models.hostel import Hostel
from models.notification import NotificationPriority
from kit.sql import session_runner
from resolvers.hostel import availability
from resolvers.notification.pipeline import notify, register_defaults

OFFER_HOURS = 48
OFFER = "waitlist.offer"  # the offer goes through the notification pipeline (in-app, and the hostel's rule)
register_defaults(
    OFFER,
    {
        "IN_APP": ("A bed is free for you", "{{ message }}"),
        "EMAIL": ("A bed is free at {{ hostel }}", "{{ message }}\n\nThe offer ends {{ expires_at }} (UTC)."),
        "SMS": (None, "{{ hostel }}: {{ message }}"),
        "PUSH": ("A bed is free for you", "{{ message }}"),
    },
)


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
        if entry.user_id is not None:  # an entry made by phone without an account is told by staff
            hostel = await session.scalar(select(Hostel.name).where(Hostel.id == hostel_id))
            await notify(
                session,
                hostel_id=hostel_id,
                user_ids=[entry.user_id],
                type=OFFER,
                source="booking",
                data={
                    "message": note.message,
                    "hostel": hostel,
                    "expires_at": f"{note.expires_at:%d %b %Y %H:%M}",
                    "waitlist_notification_id": note.id,
                },
                priority=NotificationPriority.HIGH,
            )
        return note.id
    return None
