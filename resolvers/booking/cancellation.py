"""bookingCancel and the cancellation policy (seed 000 booking_cancellation.py).

The hostel's newest active CancellationPolicy in force on the day decides the refund: its
`tiers` = [{"minDaysBefore": 30, "refundPercent": "100"}, ...]; the tier with the largest
minDaysBefore not above the days left before check-in applies, none: no refund. Refund =
amount paid x percent, rounded to the paisa (ROUND_HALF_UP). A cancellation frees the bed
hold and the calendar, and tells the waitlist.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

import models as m
from models.booking import BookingStatus as S
from resolvers.booking import lifecycle, transitions
from resolvers.file_management.service import document_file
from kit import writes
from kit.money import money
from kit.errors import ErrorCode, user_error
from kit.workflow import Ref


def parse_tiers(tiers: Any, field: str = "tiers") -> list[tuple[int, Decimal]]:
    """The tiers as (minDaysBefore, refundPercent), or a clear INVALID error saying what is wrong."""
    example = 'e.g. [{"minDaysBefore": 30, "refundPercent": "100"}, {"minDaysBefore": 7, "refundPercent": "50"}]'
    if not isinstance(tiers, list):
        raise user_error(ErrorCode.INVALID, f"tiers must be a list of tiers, {example}.", field)
    out: list[tuple[int, Decimal]] = []
    for i, tier in enumerate(tiers):
        where = f"tiers[{i}]"
        if not isinstance(tier, dict) or set(tier) != {"minDaysBefore", "refundPercent"}:
            raise user_error(
                ErrorCode.INVALID, f"{where} must have exactly minDaysBefore and refundPercent, {example}.", field
            )
        days = tier["minDaysBefore"]
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise user_error(
                ErrorCode.INVALID, f"{where}.minDaysBefore must be a whole number of days, 0 or more.", field
            )
        raw = tier["refundPercent"]
        try:
            if isinstance(raw, (bool, float)):
                raise InvalidOperation
            percent = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise user_error(
                ErrorCode.INVALID, f'{where}.refundPercent must be a number as a string, like "50".', field
            ) from None
        if not percent.is_finite() or percent < 0 or percent > 100:
            raise user_error(ErrorCode.INVALID, f"{where}.refundPercent must be between 0 and 100.", field)
        out.append((days, percent))
    if len({d for d, _ in out}) != len(out):
        raise user_error(ErrorCode.INVALID, "Two tiers have the same minDaysBefore.", field)
    return sorted(out, reverse=True)


async def validate_policy(ctx: Any, session: Any, policy: m.CancellationPolicy) -> None:
    """cancellationPolicyCreate / Update: the tiers must make sense before they are stored."""
    parse_tiers(policy.tiers)


def refund_percent(tiers: list[tuple[int, Decimal]], days_before: int) -> Decimal:
    for min_days, percent in tiers:  # largest minDaysBefore first
        if min_days <= days_before:
            return percent
    return Decimal("0")


async def policy_in_force(session: Any, hostel_id: int) -> m.CancellationPolicy | None:
    P = m.CancellationPolicy
    return (
        await session.execute(
            select(P)
            .where(P.hostel_id == hostel_id, P.active, P.effective_from <= lifecycle.today())
            .order_by(P.effective_from.desc(), P.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def cancel(ctx: Any, booking_id: int, reason: str | None) -> int:
    actor = await lifecycle.booking_actor(ctx, booking_id)
    reason = writes.clean_text(reason, "reason", 2000)

    async def work(session: Any) -> int:
        booking = await lifecycle.lock_booking(session, actor.hostel_id, booking_id)
        before = booking.status
        await transitions.move(
            session,
            booking,
            S.CANCELLED,
            reason or ("cancelled by the guest" if not actor.staff else "cancelled by staff"),
        )
        policy = await policy_in_force(session, actor.hostel_id)
        days_before = (booking.check_in_date - lifecycle.today()).days
        percent = refund_percent(parse_tiers(policy.tiers) if policy is not None else [], days_before)
        paid = booking.amount_paid
        refund = money(paid * percent / 100)
        record = m.BookingCancellation(
            booking_id=booking.id,
            hostel_id=actor.hostel_id,
            policy_id=policy.id if policy is not None else None,
            cancelled_by_guest=not actor.staff,
            reason=reason,
            days_before_check_in=days_before,
            refund_percent=percent,
            amount_paid=paid,
            refund_amount=refund,
            refund_status=m.RefundStatus.PENDING if refund > 0 else m.RefundStatus.NOT_APPLICABLE,
        )
        session.add(record)
        await session.flush()
        if refund > 0:
            session.add(
                m.RefundTransaction(
                    booking_id=booking.id,
                    hostel_id=actor.hostel_id,
                    cancellation_id=record.id,
                    amount=refund,
                    method=m.RefundMethod.ORIGINAL_PAYMENT,
                    status=m.RefundStatus.PENDING,
                )
            )
        await lifecycle.free_claim(session, booking, "cancelled", before in transitions.HOLDING)
        await writes.log_activity(session, ctx, "bookingCancel", "Booking", booking.id)
        return booking.id

    return await lifecycle.in_hostel(ctx, actor.hostel_id, work, owner=not actor.staff, time_zone=actor.time_zone)


__all__ = ["cancel", "parse_tiers", "refund_percent", "validate_policy"]


async def process_refund(
    ctx: Any,
    session: Any,
    id: Ref[m.RefundTransaction],
    method: m.RefundMethod,  # noqa: A002
    reference: str,
) -> int:
    """Record that a pending refund was paid out (method and reference: the bank, gateway or
    receipt reference of the payout); the cancellation's refund status follows when none is
    left pending."""
    from kit.registry import spec_for_model

    lifecycle.require_staff_hostel(ctx)
    reference = writes.clean_text(reference, "reference", 100, required=True)
    spec = spec_for_model(m.RefundTransaction)
    refund = await writes.get_for_update(ctx, session, spec, id)
    if refund.status is not m.RefundStatus.PENDING:
        raise user_error(ErrorCode.CONFLICT, f"This refund is {refund.status.value.lower()} already.", "id")
    refund.status, refund.method, refund.reference = m.RefundStatus.PROCESSED, method, reference
    refund.processed_at = writes.now_utc()
    await session.flush()
    if refund.cancellation_id is not None:
        RT = m.RefundTransaction
        pending = await session.scalar(
            select(RT.id)
            .where(
                RT.cancellation_id == refund.cancellation_id,
                RT.hostel_id == refund.hostel_id,
                RT.status == m.RefundStatus.PENDING,
            )
            .limit(1)
        )
        if pending is None:
            cancellation = await writes.get_for_update(
                ctx, session, spec_for_model(m.BookingCancellation), refund.cancellation_id
            )
            cancellation.refund_status = m.RefundStatus.PROCESSED
    return refund.id


async def add_guest_document(
    ctx: Any,
    booking_id: int,
    document_type: m.GuestDocumentType,
    file: Any,
    file_id: int | None,
    file_name: str | None,
    expires_on: Any,
) -> int:
    """The guest (the booker) or staff attach an ID, photo or letter to a booking still open: its
    file sent with the request, or one the caller uploaded before, stored in the booking's hostel
    (resolvers/file_management/service.py `document_file`)."""
    actor = await lifecycle.booking_actor(ctx, booking_id)
    name = writes.clean_text(file_name, "fileName", 255)

    async def work(session: Any) -> int:
        booking = await lifecycle.lock_booking(session, actor.hostel_id, booking_id)
        if booking.status in (S.COMPLETED, S.CANCELLED, S.REJECTED, S.NO_SHOW):
            raise user_error(
                ErrorCode.CONFLICT, f"The booking is {booking.status.value.lower()}: no more documents.", "bookingId"
            )
        stored = await document_file(ctx, session, file, file_id, booking_id=booking.id)
        doc = m.GuestDocument(
            booking_id=booking.id,
            hostel_id=actor.hostel_id,
            document_type=document_type,
            file_name=name or stored.file_name,
            file_id=stored.id,
            expires_on=expires_on,
        )
        session.add(doc)
        await session.flush()
        await writes.log_activity(session, ctx, "guestDocumentAdd", "GuestDocument", doc.id)
        return doc.id

    return await lifecycle.in_hostel(ctx, actor.hostel_id, work, owner=not actor.staff, time_zone=actor.time_zone)


async def verify_guest_document(ctx: Any, session: Any, id: Ref[m.GuestDocument]) -> int:  # noqa: A002
    """Staff mark a guest document as checked."""
    from kit.registry import spec_for_model

    lifecycle.require_staff_hostel(ctx)
    spec = spec_for_model(m.GuestDocument)
    doc = await writes.get_for_update(ctx, session, spec, id)
    if doc.verified:
        raise user_error(ErrorCode.CONFLICT, "This document is verified already.", "id")
    doc.verified, doc.verified_at = True, writes.now_utc()
    return doc.id
