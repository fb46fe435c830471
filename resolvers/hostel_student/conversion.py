"""A checked-in booking becomes a resident (seed 000 booking_conversion.py).

1. `start_checklist`: one ConversionChecklist per booking with the default items.
2. `complete_item`: ticks one (done_at, done_by); the checklist's counts follow.
3. `convert`: refused while an item is open or the booking is not CHECKED_IN; otherwise, in
   the caller's one savepoint: the HostelStudent (from the guest), the booker's HOSTEL_STUDENT
   role in the hostel, profile and preferences (defaults), guardian contacts, documents, the
   BookingConversion; the booking's bed hold is released and the same bed becomes the
   resident's ACTIVE BedAssignment for the booked stay; the booking moves to COMPLETED.

Locks: the booking row first (FOR UPDATE), then the checklist, the bed hold, the bed row, and
the bed's room FOR SHARE.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

import models as m
from resolvers.booking import lifecycle
from resolvers.booking.transitions import move
from kit import writes
from resolvers.room.service import require_hostel, share_room
from kit.errors import ErrorCode, user_error
from kit.workflow import Ref

DEFAULT_ITEMS = (
    ("IDENTITY_VERIFIED", "Identity verified"),
    ("GUARDIAN_CONTACT_CONFIRMED", "Guardian contact confirmed"),
    ("RENTAL_AGREEMENT_SIGNED", "Rental agreement signed"),
    ("SECURITY_DEPOSIT_COLLECTED", "Security deposit collected"),
    ("ROOM_INSPECTED", "Room inspected with the resident"),
)
DOCUMENT_TYPES = {t.value: m.ResidentDocumentType(t.value) for t in m.GuestDocumentType}
REASON = "converted to resident"


async def _booking(session: Any, booking_id: int, field: str = "bookingId") -> m.Booking:
    booking = (
        await session.execute(select(m.Booking).where(m.Booking.id == booking_id).with_for_update())
    ).scalar_one_or_none()
    if booking is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Booking with this ID.", field)
    return booking


async def start_checklist(ctx: Any, session: Any, booking_id: Ref[m.Booking]) -> int:
    """Start converting a booking to a resident: its checklist with the default items (one per
    booking)."""
    require_hostel(ctx)
    booking = await _booking(session, booking_id)
    if booking.status not in (m.BookingStatus.CONFIRMED, m.BookingStatus.CHECKED_IN):
        raise user_error(
            ErrorCode.INVALID,
            f"A {booking.status.value} booking is not converted to a resident: only a confirmed or checked-in one.",
            "bookingId",
        )
    exists = await session.scalar(
        select(m.ConversionChecklist.id).where(m.ConversionChecklist.booking_id == booking_id)
    )
    if exists is not None:
        raise user_error(ErrorCode.CONFLICT, "This booking already has its conversion checklist.", "bookingId")
    checklist = m.ConversionChecklist(booking_id=booking_id, items_total=len(DEFAULT_ITEMS), items_done=0)
    session.add(checklist)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:  # a concurrent start won
        raise user_error(
            ErrorCode.CONFLICT, "This booking already has its conversion checklist.", "bookingId"
        ) from None
    session.add_all(
        [m.ChecklistItem(checklist_id=checklist.id, code=code, title=title) for code, title in DEFAULT_ITEMS]
    )
    await session.flush()
    return checklist.id


async def complete_item(ctx: Any, session: Any, item_id: Ref[m.ChecklistItem]) -> int:
    """Tick one checklist item (who and when are recorded)."""
    require_hostel(ctx)
    checklist_id = await session.scalar(select(m.ChecklistItem.checklist_id).where(m.ChecklistItem.id == item_id))
    if checklist_id is None:
        raise user_error(ErrorCode.NOT_FOUND, "No ChecklistItem with this ID.", "itemId")
    checklist = (
        await session.execute(
            select(m.ConversionChecklist).where(m.ConversionChecklist.id == checklist_id).with_for_update()
        )
    ).scalar_one()
    item = (await session.execute(select(m.ChecklistItem).where(m.ChecklistItem.id == item_id))).scalar_one()
    if item.done:
        raise user_error(ErrorCode.CONFLICT, f'"{item.title}" is already done.', "itemId")
    now = writes.now_utc()
    item.done, item.done_at, item.done_by = True, now, ctx.user_id
    await session.flush()
    checklist.items_done = await session.scalar(
        select(func.count()).where(m.ChecklistItem.checklist_id == checklist.id, m.ChecklistItem.done)
    )
    checklist.completed = checklist.items_done == checklist.items_total
    checklist.completed_at = now if checklist.completed else None
    return item.id


async def convert(
    ctx: Any, session: Any, booking_id: Ref[m.Booking], deposit_collected: Decimal, first_rent_due_on: dt.date
) -> int:
    """Turn a CHECKED_IN booking whose checklist is complete into a resident: the resident (from
    the guest), profile, preferences, guardians, documents, the booker's resident role; the
    booking's bed becomes the resident's; the booking is COMPLETED. All or nothing."""
    deposit = deposit_collected
    hostel_id = require_hostel(ctx)
    booking = await _booking(session, booking_id)
    if booking.status != m.BookingStatus.CHECKED_IN:
        raise user_error(
            ErrorCode.INVALID,
            f"Only a CHECKED_IN booking becomes a resident; this one is {booking.status.value}.",
            "bookingId",
        )
    if deposit < 0:
        raise user_error(ErrorCode.INVALID, "depositCollected cannot be negative.", "depositCollected")
    if first_rent_due_on < booking.check_in_date:
        raise user_error(ErrorCode.INVALID, "firstRentDueOn cannot be before the check-in date.", "firstRentDueOn")
    checklist = (
        await session.execute(
            select(m.ConversionChecklist).where(m.ConversionChecklist.booking_id == booking_id).with_for_update()
        )
    ).scalar_one_or_none()
    if checklist is None:
        raise user_error(
            ErrorCode.INVALID, "Start the conversion checklist first (conversionChecklistStart).", "bookingId"
        )
    items = (
        await session.scalars(
            select(m.ChecklistItem).where(m.ChecklistItem.checklist_id == checklist.id).order_by(m.ChecklistItem.id)
        )
    ).all()
    open_items = [i.title for i in items if not i.done]
    if open_items:
        raise user_error(ErrorCode.INVALID, "Checklist items still open: " + "; ".join(open_items) + ".", "bookingId")
    guest = await session.scalar(select(m.BookingGuest).where(m.BookingGuest.booking_id == booking_id))
    if guest is None:
        raise user_error(ErrorCode.INVALID, "The booking has no guest details to make the resident from.", "bookingId")
    hold = await lifecycle.active_hold(session, booking)
    if hold is None:
        raise user_error(ErrorCode.INVALID, "The booking holds no bed: assign one before converting.", "bookingId")
    bed = (await session.execute(select(m.Bed).where(m.Bed.id == hold.bed_id).with_for_update())).scalar_one()
    await share_room(session, bed.room_id)

    student = m.HostelStudent(
        user_id=booking.booker_user_id,
        booking_id=booking.id,
        full_name=guest.full_name,
        email=guest.email,
        phone=guest.phone,
        gender=guest.gender,
        date_of_birth=guest.date_of_birth,
        institution=guest.institution,
        status=m.ResidentStatus.ACTIVE,
        check_in_date=booking.check_in_date,
        expected_check_out_date=booking.check_out_date,
        monthly_rent=booking.monthly_rent,
        security_deposit=deposit,
        id_verified=any(i.code == "IDENTITY_VERIFIED" and i.done for i in items),
    )
    session.add(student)
    await session.flush()
    session.add_all([m.StudentProfile(student_id=student.id), m.StudentPreferences(student_id=student.id)])
    session.add_all(_guardians(student.id, guest))
    documents = (
        await session.scalars(
            select(m.GuestDocument).where(m.GuestDocument.booking_id == booking_id).order_by(m.GuestDocument.id)
        )
    ).all()
    session.add_all(
        [
            m.HostelStudentDocument(
                student_id=student.id,
                document_type=DOCUMENT_TYPES[d.document_type.value],
                file_name=d.file_name,
                file_id=d.file_id,  # the same stored file: the resident now reads it as their own document
                legacy_file_url=d.legacy_file_url,
                verified=d.verified,
                verified_at=d.verified_at,
                expires_on=d.expires_on,
            )
            for d in documents
        ]
    )
    session.add(
        m.BookingConversion(
            booking_id=booking.id,
            student_id=student.id,
            deposit_collected=deposit,
            first_rent_due_on=first_rent_due_on,
            documents_transferred=len(documents),
        )
    )
    if booking.booker_user_id is not None:
        await _grant_resident_role(session, booking.booker_user_id, hostel_id)

    # the bed: the booking's hold ends, the resident's assignment starts on the same bed
    await lifecycle.release_hold(session, booking, REASON)
    assignment = m.BedAssignment(
        bed_id=bed.id,
        room_id=bed.room_id,
        student_id=student.id,
        booking_id=booking.id,
        starts_on=booking.check_in_date,
        ends_on=booking.check_out_date,
        status=m.BedAssignmentStatus.ACTIVE,
        monthly_rent=booking.monthly_rent,
    )
    try:
        async with session.begin_nested():
            session.add(assignment)
            await session.flush()
    except IntegrityError:  # ex_bed_assignments_no_overlap: a resident has the bed for some of the stay
        raise user_error(
            ErrorCode.CONFLICT,
            "Another resident has this bed for some of the booked stay: move the booking to a free bed first.",
            "bookingId",
        ) from None
    session.add(
        m.RoomAssignmentHistory(
            bed_assignment_id=assignment.id,
            student_id=student.id,
            change=m.AssignmentChange.ASSIGNED,
            to_bed_id=bed.id,
            effective_on=booking.check_in_date,
            reason=REASON,
        )
    )
    bed.current_student_id = student.id
    await move(session, booking, m.BookingStatus.COMPLETED, REASON)
    await session.flush()
    return student.id


def _guardians(student_id: int, guest: m.BookingGuest) -> list[m.GuardianContact]:
    out = []
    if guest.guardian_name and guest.guardian_phone:
        out.append(
            m.GuardianContact(
                student_id=student_id,
                name=guest.guardian_name,
                relation=guest.guardian_relation or "Guardian",
                phone=guest.guardian_phone,
                is_emergency_contact=not guest.emergency_contact_phone
                or guest.emergency_contact_phone == guest.guardian_phone,
            )
        )
    if (
        guest.emergency_contact_name
        and guest.emergency_contact_phone
        and guest.emergency_contact_phone != guest.guardian_phone
    ):
        out.append(
            m.GuardianContact(
                student_id=student_id,
                name=guest.emergency_contact_name,
                relation="Emergency contact",
                phone=guest.emergency_contact_phone,
                is_emergency_contact=True,
                authorized_to_visit=False,
            )
        )
    return out


async def end_resident_role(session: Any, user_id: int | None, hostel_id: int) -> None:
    """A checked-out resident keeps their account, no longer the hostel's resident role."""
    if user_id is None:
        return
    RA = m.RoleAssignment
    await session.execute(
        update(RA)
        .where(RA.user_id == user_id, RA.hostel_id == hostel_id, RA.role == m.UserRole.HOSTEL_STUDENT, RA.active)
        .values(active=False)
    )


async def _grant_resident_role(session: Any, user_id: int, hostel_id: int) -> None:
    """The booker's account becomes a resident of the hostel (once: the unique active index)."""
    RA = m.RoleAssignment
    held = await session.scalar(
        select(RA.id).where(
            RA.user_id == user_id, RA.hostel_id == hostel_id, RA.role == m.UserRole.HOSTEL_STUDENT, RA.active
        )
    )
    if held is None:
        session.add(RA(user_id=user_id, role=m.UserRole.HOSTEL_STUDENT, hostel_id=hostel_id, active=True))
