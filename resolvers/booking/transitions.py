"""The booking lifecycle (seed 000 booking.py), in one place:

    PENDING -> APPROVED -> CONFIRMED -> CHECKED_IN -> COMPLETED
    PENDING -> REJECTED;  APPROVED/CONFIRMED -> NO_SHOW;  PENDING/APPROVED/CONFIRMED -> CANCELLED

`move` is the only way a booking's status changes: it refuses a move the lifecycle does not
allow (CONFLICT, nothing written), writes the BookingStatusHistory row of every move and tells
the booker through the notification pipeline (`booking.<status>`, in the same transaction: a
move rolled back tells nobody; a booking made for a guest without an account tells nobody).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event

from models.booking import Booking, BookingStatus, BookingStatusHistory
from kit.errors import ErrorCode, user_error
from kit.ids import encode_gid
from kit.live import publish_hostel_activity_sync, publish_sync
from resolvers.notification.pipeline import notify, register_defaults

S = BookingStatus
ALLOWED: dict[BookingStatus, frozenset[BookingStatus]] = {
    S.PENDING: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.CONFIRMED, S.CANCELLED, S.NO_SHOW}),
    S.CONFIRMED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CHECKED_IN: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.CANCELLED: frozenset(),
}
# seats a bed (or a claim on one) for its dates
HOLDING = frozenset({S.APPROVED, S.CONFIRMED, S.CHECKED_IN})


def can_move(current: BookingStatus, to: BookingStatus) -> bool:
    return to in ALLOWED[current]


# What the booker reads on each move; a hostel overrides any of them with its own template of
# the same type (`booking.approved`, ...) and routes them to email/SMS/push with a routing rule.
_WHY = "{% if reason %} ({{ reason }}){% endif %}"
BOOKER_MESSAGES: dict[BookingStatus, tuple[str, str]] = {
    S.APPROVED: ("Booking approved", "Your booking {{ reference }} is approved. Pay the advance to confirm it."),
    S.REJECTED: ("Booking not approved", "Your booking {{ reference }} was not approved" + _WHY + "."),
    S.CONFIRMED: ("Booking confirmed", "Your booking {{ reference }} is confirmed: check-in from {{ check_in }}."),
    S.CHECKED_IN: ("Welcome", "You are checked in (booking {{ reference }})."),
    S.COMPLETED: ("Stay completed", "Your stay of booking {{ reference }} is complete" + _WHY + "."),
    S.NO_SHOW: ("Marked as no-show", "Booking {{ reference }} was marked as a no-show: its bed is released."),
    S.CANCELLED: ("Booking cancelled", "Your booking {{ reference }} is cancelled" + _WHY + "."),
}
for _status, (_subject, _body) in BOOKER_MESSAGES.items():
    register_defaults(
        f"booking.{_status.value.lower()}",
        {"IN_APP": (_subject, _body), "EMAIL": (_subject, _body), "SMS": (None, _body), "PUSH": (_subject, _body)},
    )


async def move(session: Any, booking: Booking, to: BookingStatus, reason: str | None = None) -> None:
    """Change the status (the caller holds the booking row FOR UPDATE), record the move and
    tell the booker."""
    current = booking.status
    if not can_move(current, to):
        allowed = ", ".join(sorted(s.value for s in ALLOWED[current])) or "none: it is final"
        raise user_error(
            ErrorCode.CONFLICT,
            f"A {current.value} booking cannot become {to.value} (allowed from {current.value}: {allowed}).",
            "id",
        )
    booking.status = to
    booking.status_changed_at = dt.datetime.now(dt.UTC)
    session.add(BookingStatusHistory(booking_id=booking.id, from_status=current, to_status=to, reason=reason))
    if booking.booker_user_id is not None:
        await notify(
            session,
            hostel_id=booking.hostel_id,
            user_ids=[booking.booker_user_id],
            type=f"booking.{to.value.lower()}",
            source="booking",
            data={
                "reference": booking.reference,
                "status": to.value,
                "reason": reason,
                "check_in": f"{booking.check_in_date:%d %b %Y}",
                "booking_id": booking.id,
            },
        )


# Live updates (schema/live.py): every history row is a move, published in the flush that writes
# it (so in the mutation's transaction: a move rolled back publishes nothing), whoever writes it
# (mutations, jobs). The hostel's feed gets its own kind per move.
ACTIVITY = {S.CHECKED_IN: "CHECKED_IN", S.COMPLETED: "CHECKED_OUT"}


@event.listens_for(BookingStatusHistory, "after_insert")
def _publish_move(_mapper: Any, connection: Any, row: BookingStatusHistory) -> None:
    to = BookingStatus(row.to_status)
    if row.from_status is None:
        kind = "BOOKING_CREATED"
    else:
        kind = ACTIVITY.get(to, f"BOOKING_{to.value}")
        publish_sync(connection, f"booking:{row.booking_id}", id=row.booking_id, status=to.value)
    publish_hostel_activity_sync(connection, row.hostel_id, kind, encode_gid("Booking", row.booking_id))
