"""Resident-facing workflows of seed 000 `hostel/`: acknowledging house rules, booking an
amenity slot, and staff recording a policy violation; and the hooks of the catalogue's
generated writes (`Writes(validate=/after=)` in models/hostel/).

The workflows run in the workflow frame (kit/workflow.py, declared in schema/hostel.py): it
decodes and checks the references, opens the savepoint and writes the audit entry.

Amenity slots: a bookable amenity takes at most `capacity` overlapping BOOKED slots (one
when no capacity is set). Concurrent bookings of one amenity queue on the amenity's row lock
(FOR UPDATE), so the count each sees is the one its predecessor committed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

import models as m
from kit import clock
from kit import writes
from kit.registry import spec_for_model
from kit.errors import ErrorCode, user_error
from kit.workflow import Ref
from models.hostel.access import is_staff, own_resident_rows

MAX_SLOT = dt.timedelta(hours=4)


async def resident_of(ctx: Any, session: Any, student_id: int | None) -> m.HostelStudent:
    """The resident a write is for: staff name one (studentId); a resident is always themself."""
    HS = m.HostelStudent
    if ctx.hostel_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a hostel first (X-Tenant-Id with the Hostel's ID).")
    stmt = select(HS).where(HS.hostel_id == ctx.hostel_id)
    if is_staff(ctx):
        if student_id is None:
            raise user_error(ErrorCode.INVALID, "Say which resident (studentId).", "studentId")
        stmt = stmt.where(HS.id == student_id)
    else:
        stmt = stmt.where(HS.user_id == ctx.user_id)
        if student_id is not None:
            stmt = stmt.where(HS.id == student_id)
    student = (await session.execute(stmt)).scalar_one_or_none()
    if student is None:
        raise user_error(ErrorCode.NOT_FOUND, "No HostelStudent with this ID.", "studentId")
    if student.status is m.ResidentStatus.CHECKED_OUT:
        raise user_error(ErrorCode.INVALID, "This resident has checked out.", "studentId")
    return student


async def policy_version(ctx: Any, session: Any, policy: m.HostelPolicy) -> None:
    """Changing what a policy says makes it a new version: acknowledgments of the old one no
    longer count (`hostelPolicyUpdate`'s validate hook)."""
    from sqlalchemy import inspect

    state = inspect(policy)
    if policy.id is not None and state.attrs.content.history.has_changes():
        policy.version = (policy.version or 1) + 1


async def acknowledge_policy(
    ctx: Any, session: Any, policy_id: Ref[m.HostelPolicy], student_id: Ref[m.HostelStudent] | None = None
) -> int:
    """Acknowledge the current version of a house rule (a resident for themself; staff for a
    resident, naming them). Acknowledging twice returns the first acknowledgment."""
    student = await resident_of(ctx, session, student_id)
    policy = await writes.get_for_update(ctx, session, spec_for_model(m.HostelPolicy), policy_id)
    if not policy.active:
        raise user_error(ErrorCode.INVALID, "This policy is no longer in force.", "policyId")
    PA = m.PolicyAcknowledgment
    existing = await session.scalar(
        select(PA.id).where(PA.policy_id == policy.id, PA.student_id == student.id, PA.policy_version == policy.version)
    )
    if existing is not None:  # acknowledging twice is harmless: the first one stands
        return existing
    ack = PA(
        policy_id=policy.id, student_id=student.id, policy_version=policy.version, acknowledged_at=writes.now_utc()
    )
    session.add(ack)
    await session.flush()
    return ack.id


async def book_amenity(
    ctx: Any,
    session: Any,
    amenity_id: Ref[m.HostelAmenity],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    purpose: str | None = None,
    student_id: Ref[m.HostelStudent] | None = None,
) -> int:
    """Book a slot of a bookable amenity (at most 4 hours, within opening hours, while the
    amenity has room: CONFLICT when it is full). Staff book for a resident, naming them."""
    if ends_at <= starts_at:
        raise user_error(ErrorCode.INVALID, "The slot must end after it starts.", "endsAt")
    if ends_at - starts_at > MAX_SLOT:
        raise user_error(ErrorCode.INVALID, "A slot is at most 4 hours.", "endsAt")
    if starts_at < writes.now_utc():
        raise user_error(ErrorCode.INVALID, "The slot has already started.", "startsAt")
    purpose = writes.clean_text(purpose, "purpose", 200)
    student = await resident_of(ctx, session, student_id)
    amenity = await writes.get_for_update(ctx, session, spec_for_model(m.HostelAmenity), amenity_id)
    if not (amenity.active and amenity.is_bookable and amenity.is_available):
        raise user_error(ErrorCode.INVALID, "This amenity cannot be booked now.", "amenityId")
    local_start, local_end = clock.wall_clock(starts_at), clock.wall_clock(ends_at)  # the hostel's hours
    if (
        amenity.open_from is not None
        and amenity.open_until is not None
        and not (
            amenity.open_from <= local_start.time()
            and local_end.time() <= amenity.open_until
            and local_start.date() == local_end.date()
        )
    ):
        raise user_error(
            ErrorCode.INVALID,
            f"{amenity.name} is open {amenity.open_from:%H:%M}-{amenity.open_until:%H:%M} (the hostel's time).",
            "startsAt",
        )
    AB = m.AmenityBooking
    overlapping = await session.scalar(
        select(func.count())
        .select_from(AB)
        .where(
            AB.amenity_id == amenity.id,
            AB.hostel_id == amenity.hostel_id,
            AB.status == m.AmenityBookingStatus.BOOKED,
            AB.starts_at < ends_at,
            AB.ends_at > starts_at,
        )
    )
    mine = await session.scalar(
        select(func.count())
        .select_from(AB)
        .where(
            AB.amenity_id == amenity.id,
            AB.student_id == student.id,
            AB.status == m.AmenityBookingStatus.BOOKED,
            AB.starts_at < ends_at,
            AB.ends_at > starts_at,
        )
    )
    if mine:
        raise user_error(ErrorCode.CONFLICT, "You already have this amenity booked at that time.", "startsAt")
    if overlapping >= (amenity.capacity or 1):
        raise user_error(ErrorCode.CONFLICT, f"{amenity.name} is fully booked at that time.", "startsAt")
    booking = AB(
        amenity_id=amenity.id,
        student_id=student.id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=m.AmenityBookingStatus.BOOKED,
        purpose=purpose,
    )
    session.add(booking)
    await session.flush()
    return booking.id


async def after_amenity(ctx: Any, session: Any, amenity: m.HostelAmenity, verb: str) -> None:
    """Deactivating an amenity cancels its slots still to come, in the same savepoint: a resident
    must not keep a booking of an amenity that is gone, and staff cannot cancel residents' slots
    one by one (amenityBookingCancel is the resident's). Slots under way or over stay as they are.
    Bookings lock the amenity row first (book_amenity), as the deactivation does: none slips in."""
    if verb != "deactivate":
        return
    AB = m.AmenityBooking
    slots = (
        (
            await session.execute(
                select(AB)
                .where(
                    AB.amenity_id == amenity.id,
                    AB.hostel_id == amenity.hostel_id,
                    AB.status == m.AmenityBookingStatus.BOOKED,
                    AB.starts_at > writes.now_utc(),
                )
                .order_by(AB.id)
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    for slot in slots:
        slot.status = m.AmenityBookingStatus.CANCELLED
    await session.flush()


async def cancel_amenity_booking(ctx: Any, session: Any, id: Ref[m.AmenityBooking]) -> int:  # noqa: A002 - input field
    """Cancel an amenity slot before it starts (a resident their own; staff any)."""
    booking = await writes.get_for_update(
        ctx, session, spec_for_model(m.AmenityBooking), id, row_filter=own_resident_rows()
    )
    if booking.status is not m.AmenityBookingStatus.BOOKED:
        raise user_error(ErrorCode.CONFLICT, f"This slot is {booking.status.value.lower()} already.", "id")
    if booking.starts_at <= writes.now_utc():
        raise user_error(ErrorCode.INVALID, "A slot that has started cannot be cancelled.", "id")
    booking.status = m.AmenityBookingStatus.CANCELLED
    return booking.id


async def record_violation(
    ctx: Any,
    session: Any,
    student_id: Ref[m.HostelStudent],
    occurred_at: dt.datetime,
    description: str,
    severity: m.ViolationSeverity,
    policy_id: Ref[m.HostelPolicy] | None = None,
    evidence_urls: list[str] = (),
    action_taken: str | None = None,
) -> int:
    """Record a resident's breach of a house rule, with evidence and the action taken."""
    evidence_urls = list(evidence_urls or [])
    description = writes.clean_text(description, "description", 2000, required=True)
    action_taken = writes.clean_text(action_taken, "actionTaken", 500)
    if occurred_at > writes.now_utc():
        raise user_error(ErrorCode.INVALID, "A violation cannot be in the future.", "occurredAt")
    if len(evidence_urls) > 10:
        raise user_error(ErrorCode.INVALID, "At most 10 pieces of evidence.", "evidenceUrls")
    student = await resident_of(ctx, session, student_id)
    if policy_id is not None:
        await writes.get_for_update(ctx, session, spec_for_model(m.HostelPolicy), policy_id)
    violation = m.HostelPolicyViolation(
        student_id=student.id,
        policy_id=policy_id,
        occurred_at=occurred_at,
        description=description,
        severity=severity,
        evidence_urls=evidence_urls,
        action_taken=action_taken,
        status=m.ViolationStatus.ACTION_TAKEN if action_taken else m.ViolationStatus.OPEN,
    )
    session.add(violation)
    await session.flush()
    return violation.id
