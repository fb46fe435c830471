"""bookingModify, bookingModificationApprove / Reject (seed 000 booking_modification.py).

A guest (or staff) asks for other dates, another duration or another room type: the request
is priced with today's prices for the new stay (BookingModification PENDING, old and new
values, price difference). Staff decide. Approval re-checks that a bed is free for the new
stay, then applies it to the booking and moves the bed hold (released and re-taken under the
same no-double-booking rule: the bed row is locked and the exclusion constraint stands
behind it). When nothing is free the approval is refused and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

import models as m
from models.booking import BookingStatus as S
from resolvers.booking import lifecycle
from kit import writes
from kit.money import money
from kit.sql import session_runner
from resolvers.hostel import availability
from kit.errors import ErrorCode, user_error
from kit.workflow import Ref

OPEN = frozenset({S.PENDING, S.APPROVED, S.CONFIRMED})
MOD = m.BookingModification


@dataclass
class ModifyIn:
    booking_id: int
    check_in_date: dt.date | None = None
    duration_months: int | None = None
    room_type_id: int | None = None
    reason: str | None = None


def _kind(changed: list[str]) -> m.ModificationType:
    if len(changed) > 1:
        return m.ModificationType.COMBINED
    return {
        "dates": m.ModificationType.DATES,
        "duration": m.ModificationType.DURATION,
        "room_type": m.ModificationType.ROOM_TYPE,
    }[changed[0]]


async def modify(ctx: Any, inp: ModifyIn) -> int:
    actor = await lifecycle.booking_actor(ctx, inp.booking_id)
    reason = writes.clean_text(inp.reason, "reason", 2000)

    async def work(session: Any) -> int:
        booking = await lifecycle.lock_booking(session, actor.hostel_id, inp.booking_id)
        if booking.status not in OPEN:
            raise user_error(
                ErrorCode.CONFLICT, f"A {booking.status.value} booking cannot be changed any more.", "bookingId"
            )
        pending = await session.scalar(
            select(MOD.id).where(
                MOD.booking_id == booking.id,
                MOD.hostel_id == actor.hostel_id,
                MOD.status == m.ModificationStatus.PENDING,
            )
        )
        if pending is not None:
            raise user_error(
                ErrorCode.CONFLICT, "This booking already has a change waiting for the hostel's answer.", "bookingId"
            )
        check_in = inp.check_in_date if inp.check_in_date is not None else booking.check_in_date
        months = inp.duration_months if inp.duration_months is not None else booking.duration_months
        type_id = inp.room_type_id if inp.room_type_id is not None else booking.room_type_id
        changed = [
            name
            for name, new, old in (
                ("dates", check_in, booking.check_in_date),
                ("duration", months, booking.duration_months),
                ("room_type", type_id, booking.room_type_id),
            )
            if new != old
        ]
        if not changed:
            raise user_error(
                ErrorCode.INVALID,
                "Nothing would change: give new dates, a new duration or another room type.",
                "bookingId",
            )
        rt = await lifecycle.room_type(session, actor.hostel_id, type_id, booked=booking.room_type_id)
        approval = await lifecycle.approval_rules(session, actor.hostel_id)
        price = await lifecycle.quote(session, actor.hostel_id, rt, check_in, months, approval.advance_percent)
        lifecycle.check_stay(
            await lifecycle.hostel_rules(session, actor.hostel_id, rt.id), check_in, months, price.window_min_stay
        )
        record = MOD(
            booking_id=booking.id,
            hostel_id=actor.hostel_id,
            modification_type=_kind(changed),
            status=m.ModificationStatus.PENDING,
            old_check_in_date=booking.check_in_date,
            new_check_in_date=check_in,
            old_duration_months=booking.duration_months,
            new_duration_months=months,
            old_room_type_id=booking.room_type_id,
            new_room_type_id=rt.id,
            old_total_amount=booking.total_amount,
            new_total_amount=price.total,
            price_difference=price.total - booking.total_amount,
            reason=reason,
        )
        session.add(record)
        await session.flush()
        await writes.log_activity(session, ctx, "bookingModify", "BookingModification", record.id)
        return record.id

    return await lifecycle.in_hostel(ctx, actor.hostel_id, work, owner=not actor.staff, time_zone=actor.time_zone)


async def _lock_modification(session: Any, hostel_id: int, pk: int) -> Any:
    record = (
        await session.execute(select(MOD).where(MOD.id == pk, MOD.hostel_id == hostel_id).with_for_update())
    ).scalar_one_or_none()
    if record is None:
        raise user_error(ErrorCode.NOT_FOUND, "No BookingModification with this ID.", "id")
    return record


async def decide(ctx: Any, pk: int, approve: bool, notes: str | None, adjusted_total: Decimal | None = None) -> int:
    hostel_id = lifecycle.require_staff_hostel(ctx)
    notes = writes.clean_text(notes, "notes", 2000)
    if adjusted_total is not None and (adjusted_total < 0 or adjusted_total.as_tuple().exponent < -2):
        raise user_error(
            ErrorCode.INVALID, "The adjusted total is an amount of 0 or more, in paisa at most.", "adjustedTotalAmount"
        )

    async def work(session: Any) -> int:
        booking_id = await session.scalar(select(MOD.booking_id).where(MOD.id == pk, MOD.hostel_id == hostel_id))
        if booking_id is None:
            raise user_error(ErrorCode.NOT_FOUND, "No BookingModification with this ID.", "id")
        booking = await lifecycle.lock_booking(
            session, hostel_id, booking_id, "id"
        )  # lock order: booking, then the rest
        record = await _lock_modification(session, hostel_id, pk)
        if record.status != m.ModificationStatus.PENDING:
            raise user_error(ErrorCode.CONFLICT, f"This change was {record.status.value.lower()} already.", "id")
        if approve:
            await _apply(session, booking, record, adjusted_total)
        record.status = m.ModificationStatus.APPROVED if approve else m.ModificationStatus.REJECTED
        session.add(
            m.ModificationApprovalRecord(
                modification_id=record.id,
                hostel_id=hostel_id,
                approved=approve,
                adjusted_total_amount=adjusted_total if approve else None,
                notes=notes,
            )
        )
        await writes.log_activity(
            session,
            ctx,
            "bookingModificationApprove" if approve else "bookingModificationReject",
            "BookingModification",
            record.id,
        )
        return record.id

    return await lifecycle.in_hostel(ctx, hostel_id, work)


async def _apply(session: Any, booking: m.Booking, record: Any, adjusted_total: Decimal | None) -> None:
    if booking.status not in OPEN:
        raise user_error(
            ErrorCode.CONFLICT, f"The booking is {booking.status.value} now: the change cannot apply.", "id"
        )
    gender = await lifecycle.gender_of(session, booking)
    rt = await lifecycle.room_type(
        session, booking.hostel_id, record.new_room_type_id, "id", booked=booking.room_type_id
    )
    start = record.new_check_in_date
    end = lifecycle.add_months(start, record.new_duration_months)
    old_hold = await lifecycle.release_hold(
        session, booking, "booking changed"
    )  # its own bed must not count against it
    booking.room_type_id, booking.check_in_date = rt.id, start
    booking.duration_months, booking.check_out_date = record.new_duration_months, end
    approval = await lifecycle.approval_rules(session, booking.hostel_id)
    price = await lifecycle.quote(
        session, booking.hostel_id, rt, start, record.new_duration_months, approval.advance_percent
    )
    booking.monthly_rent = price.monthly_rent
    booking.total_amount = adjusted_total if adjusted_total is not None else price.total
    booking.security_deposit = price.deposit
    booking.advance_amount = money(booking.total_amount * approval.advance_percent / 100)
    await session.flush()
    if old_hold is not None:
        # keep the same bed when it is free for the new stay, else the rule's choice
        keep = None
        snap = await availability.snapshot(session_runner(session), booking.hostel_id, start, end, rt.id)
        if (
            old_hold.bed_id in snap.beds
            and snap.beds[old_hold.bed_id].room_type_id == rt.id
            and snap.bed_free(old_hold.bed_id, start, end)
        ):
            keep = old_hold.bed_id
        try:
            await lifecycle.hold_bed(session, booking, gender, keep, reason="booking changed", from_bed=old_hold.bed_id)
        except lifecycle.BedRefused:
            await lifecycle.hold_bed(session, booking, gender, None, reason="booking changed", from_bed=old_hold.bed_id)
    else:
        await lifecycle.lock_claims(session, booking.hostel_id, rt.id)
        snap = await availability.snapshot(session_runner(session), booking.hostel_id, start, end, rt.id)
        claim = (rt.id, start, end) if booking.status != S.PENDING else None
        if lifecycle.free_count(snap, rt.id, start, end, gender, False, claim) <= 0:
            raise user_error(
                ErrorCode.CONFLICT,
                f"No {rt.name} bed is free for {start} - {end}: the change cannot be approved.",
                "id",
            )
    A = m.BookingApproval
    approval_row = (
        await session.execute(
            select(A).where(A.booking_id == booking.id, A.hostel_id == booking.hostel_id).with_for_update()
        )
    ).scalar_one_or_none()
    if approval_row is not None:
        approval_row.final_monthly_rent = booking.monthly_rent
        approval_row.final_total_amount = booking.total_amount
    ev = m.BookingCalendarEvent
    for event in (
        await session.execute(
            select(ev).where(ev.booking_id == booking.id, ev.hostel_id == booking.hostel_id, ev.active)
        )
    ).scalars():
        event.event_date = start if event.event_type == m.CalendarEventType.CHECK_IN else end


__all__ = ["ModifyIn", "decide", "modify"]


async def approve(
    ctx: Any,
    id: Ref[m.BookingModification],
    notes: str | None = None,  # noqa: A002
    adjusted_total_amount: Decimal | None = None,
) -> int:
    """Apply a requested change: a bed must be free for the new stay (the hold moves); CONFLICT
    and nothing changes otherwise. adjustedTotalAmount: the total agreed instead of the computed
    one."""
    return await decide(ctx, id, True, notes, adjusted_total_amount)


async def reject(ctx: Any, id: Ref[m.BookingModification], notes: str | None = None) -> int:  # noqa: A002
    """Refuse a requested change; the booking stays as it is."""
    return await decide(ctx, id, False, notes)
