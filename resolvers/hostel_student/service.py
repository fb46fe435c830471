"""Residents (seed 000 `student/`): transfer to another bed, notice, check-out, documents.

A resident has at most one ACTIVE BedAssignment (ex_bed_assignments_one_bed_per_student),
and `Bed.current_student_id` names the resident of that assignment's bed; every workflow here
changes both together, in the caller's one savepoint.

Locks: the resident row first, then bed rows in id order (a transfer locks both beds, lowest
id first, so two transfers between the same beds cannot deadlock), then the target room FOR
SHARE (a room being deactivated or closed meanwhile waits, then sees the new resident).
Dates are half-open: an assignment [starts_on, ends_on) frees its bed on ends_on.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from strawberry.file_uploads import Upload

import models as m
from resolvers.booking.waitlist import notify_waitlist
from resolvers.hostel_student import conversion
from kit import clock
from kit import writes
from kit.sql import session_runner
from resolvers.file_management.service import document_file
from resolvers.hostel import availability
from resolvers.room.service import require_hostel, share_room
from kit.errors import ErrorCode, user_error
from kit.workflow import Doc, Ref
from models.hostel.access import is_staff

DEFAULT_NOTICE_DAYS = 30
LIVING = (m.ResidentStatus.ACTIVE, m.ResidentStatus.NOTICE_PERIOD)


async def lock_resident(ctx: Any, session: Any, student_id: int, field: str = "studentId") -> m.HostelStudent:
    """The resident, locked; staff reach every resident of the hostel, a resident only
    themselves (anyone else looks missing)."""
    stmt = select(m.HostelStudent).where(m.HostelStudent.id == student_id).with_for_update()
    if not is_staff(ctx):
        stmt = stmt.where(m.HostelStudent.user_id == (ctx.user_id if ctx.user_id is not None else -1))
    student = (await session.execute(stmt)).scalar_one_or_none()
    if student is None:
        raise user_error(ErrorCode.NOT_FOUND, "No HostelStudent with this ID.", field)
    return student


async def _active_assignment(session: Any, student: m.HostelStudent) -> m.BedAssignment:
    assignment = (
        await session.execute(
            select(m.BedAssignment)
            .where(m.BedAssignment.student_id == student.id, m.BedAssignment.status == m.BedAssignmentStatus.ACTIVE)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if assignment is None:
        raise user_error(ErrorCode.INVALID, f"{student.full_name} has no active bed assignment.", "studentId")
    return assignment


def _living(student: m.HostelStudent) -> None:
    if student.status not in LIVING:
        raise user_error(
            ErrorCode.INVALID, f"{student.full_name} is {student.status.value}, not living here.", "studentId"
        )


async def _room_type(session: Any, room_id: int) -> int:
    return await session.scalar(select(m.Room.room_type_id).where(m.Room.id == room_id))


async def _notify(session: Any, hostel_id: int, room_id: int, start: dt.date, end: dt.date | None) -> None:
    await notify_waitlist(session, hostel_id, await _room_type(session, room_id), start, end or availability.OPEN_END)


# ---- transfer ---------------------------------------------------------------------------------


async def transfer(
    ctx: Any, session: Any, student_id: Ref[m.HostelStudent], to_bed_id: Ref[m.Bed], transfer_date: dt.date, reason: str
) -> int:
    """Move a resident to another bed from transferDate (today or earlier, the hostel's date; the
    first night in the new bed): the old assignment ends, a new one starts at the target bed's
    rent, history is written, the waitlist of the freed bed is notified. Refused when the bed is
    taken, out of service, the same bed, or its room's occupancy limit forbids it."""
    hostel_id = require_hostel(ctx)
    reason = writes.clean_text(reason, "reason", 500, required=True)
    student = await lock_resident(ctx, session, student_id)
    _living(student)
    current = await _active_assignment(session, student)
    if to_bed_id == current.bed_id:
        raise user_error(ErrorCode.INVALID, "The resident already sleeps in this bed.", "toBedId")
    if transfer_date > clock.today():
        raise user_error(
            ErrorCode.INVALID,
            "A transfer takes effect today or is recorded after the fact: transferDate cannot be in the future.",
            "transferDate",
        )
    if transfer_date < current.starts_on or (current.ends_on is not None and transfer_date >= current.ends_on):
        raise user_error(
            ErrorCode.INVALID,
            f"transferDate must fall inside the current stay in this bed "
            f"({current.starts_on} - {current.ends_on or 'open'}).",
            "transferDate",
        )
    beds = {
        b.id: b
        for b in (
            await session.scalars(
                select(m.Bed)
                .where(m.Bed.id.in_(sorted({current.bed_id, to_bed_id})))
                .order_by(m.Bed.id)
                .with_for_update()
            )
        ).all()
    }
    target = beds.get(to_bed_id)
    if target is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Bed with this ID.", "toBedId")
    old_bed = beds[current.bed_id]
    end = current.ends_on
    await share_room(session, target.room_id)

    # the resident leaves the old bed at transferDate (a move on the first day: the old stay never
    # began, it is CANCELLED), then the target must be free from then on
    if transfer_date == current.starts_on:
        current.status = m.BedAssignmentStatus.CANCELLED
    else:
        current.status, current.ends_on = m.BedAssignmentStatus.ENDED, transfer_date
    await session.flush()
    window_end = end or availability.OPEN_END  # an open stay must be free of every later hold
    snap = await availability.snapshot(session_runner(session), hostel_id, transfer_date, window_end)
    info = snap.beds.get(to_bed_id)
    if info is None:
        raise user_error(
            ErrorCode.INVALID, "This bed is out of service (or its room is): it takes no resident.", "toBedId"
        )
    if not snap.gender_allows(info, student.gender.value):
        raise user_error(
            ErrorCode.INVALID,
            f"Room {info.room_number} is {info.gender_rule.replace('_', ' ').lower()}: "
            f"it does not take {student.full_name}.",
            "toBedId",
        )
    if not snap.bed_free(to_bed_id, transfer_date, window_end):
        raise user_error(
            ErrorCode.CONFLICT,
            "This bed is taken (a resident, a booking or a block) for some of the "
            f"dates {transfer_date} - {end or 'open'}.",
            "toBedId",
        )
    if not _room_has_space(snap, info, transfer_date, window_end):
        raise user_error(
            ErrorCode.INVALID,
            f"Room {info.room_number} already has its maximum of {info.max_occupants} occupants for those dates.",
            "toBedId",
        )

    new_rent = info.monthly_rent
    moved = m.BedAssignment(
        bed_id=target.id,
        room_id=target.room_id,
        student_id=student.id,
        booking_id=current.booking_id,
        starts_on=transfer_date,
        ends_on=end,
        status=m.BedAssignmentStatus.ACTIVE,
        monthly_rent=new_rent,
    )
    try:
        async with session.begin_nested():  # the exclusion constraint stands behind the check above
            session.add(moved)
            await session.flush()
    except IntegrityError:
        raise user_error(ErrorCode.CONFLICT, "This bed is taken for some of those dates.", "toBedId") from None
    session.add(
        m.RoomTransferHistory(
            student_id=student.id,
            from_room_id=old_bed.room_id,
            from_bed_id=old_bed.id,
            to_room_id=target.room_id,
            to_bed_id=target.id,
            transfer_date=transfer_date,
            reason=reason,
            old_monthly_rent=student.monthly_rent,
            new_monthly_rent=new_rent,
        )
    )
    session.add(
        m.RoomAssignmentHistory(
            bed_assignment_id=moved.id,
            student_id=student.id,
            change=m.AssignmentChange.TRANSFERRED,
            from_bed_id=old_bed.id,
            to_bed_id=target.id,
            effective_on=transfer_date,
            reason=reason,
        )
    )
    if old_bed.current_student_id == student.id:
        old_bed.current_student_id = None
        await session.flush()  # one bed per resident (unique): free the old pointer first
    target.current_student_id = student.id
    student.monthly_rent = new_rent
    await session.flush()
    await _notify(session, hostel_id, old_bed.room_id, transfer_date, end)
    return student.id


def _room_has_space(snap: availability.Snapshot, bed: availability.BedInfo, start: dt.date, end: dt.date) -> bool:
    """Occupancy only grows where a hold starts: check the first day and every start inside."""
    if bed.max_occupants >= bed.capacity:
        return True
    room_beds = [b.id for b in snap.beds.values() if b.room_id == bed.room_id]
    days = {start} | {s for b in room_beds for s, _, _ in snap.bed_holds.get(b, ()) if start < s < end}
    return all(snap._room_taken_on(bed.room_id, d) < bed.max_occupants for d in days)


# ---- notice and check-out ---------------------------------------------------------------------


async def notice_days(session: Any) -> int:
    days = await session.scalar(select(m.HostelSettings.notice_period_days).limit(1))
    return DEFAULT_NOTICE_DAYS if days is None else days


async def give_notice(ctx: Any, session: Any, student_id: Ref[m.HostelStudent], check_out_date: dt.date) -> int:
    """Give notice (staff, or the resident themself): the resident is in their notice period and
    their bed is free from checkOutDate (at least the hostel's notice period, default 30 days,
    after today)."""
    hostel_id = require_hostel(ctx)
    student = await lock_resident(ctx, session, student_id)
    if student.status != m.ResidentStatus.ACTIVE:
        raise user_error(
            ErrorCode.INVALID,
            f"{student.full_name} is {student.status.value}: notice is given once, by an ACTIVE resident.",
            "studentId",
        )
    today = clock.today()
    earliest = today + dt.timedelta(days=await notice_days(session))
    if check_out_date < earliest:
        raise user_error(
            ErrorCode.INVALID,
            f"The notice period runs until {earliest}: checkOutDate cannot be earlier.",
            "checkOutDate",
        )
    assignment = await _active_assignment(session, student)
    old_end = assignment.ends_on
    if old_end is not None and check_out_date > old_end:
        # staying longer than booked: the bed must be free for the extra days
        snap = await availability.snapshot(session_runner(session), hostel_id, old_end, check_out_date)
        if not snap.bed_free(assignment.bed_id, old_end, check_out_date):
            raise user_error(
                ErrorCode.CONFLICT, f"The bed is taken from {old_end}: checkOutDate cannot be after it.", "checkOutDate"
            )
    student.status, student.notice_given_on, student.expected_check_out_date = (
        m.ResidentStatus.NOTICE_PERIOD,
        today,
        check_out_date,
    )
    assignment.ends_on = check_out_date
    await session.flush()
    if old_end is None or check_out_date < old_end:
        await _notify(session, hostel_id, assignment.room_id, check_out_date, old_end)
    return student.id


async def check_out(
    ctx: Any,
    session: Any,
    student_id: Ref[m.HostelStudent],
    check_out_date: dt.date,
    condition_notes: str | None = None,
) -> int:
    """Check a resident out (checkOutDate: today or earlier, the day the bed became free): the
    bed assignment ends (with the room's condition), the bed is free, the waitlist is notified."""
    hostel_id = require_hostel(ctx)
    notes = writes.clean_text(condition_notes, "conditionNotes", 2000)
    student = await lock_resident(ctx, session, student_id)
    _living(student)
    assignment = await _active_assignment(session, student)
    if check_out_date > clock.today():
        raise user_error(
            ErrorCode.INVALID,
            "A check-out is recorded on the day or after: checkOutDate cannot be in "
            "the future (give notice for a later date).",
            "checkOutDate",
        )
    if check_out_date <= assignment.starts_on:
        raise user_error(
            ErrorCode.INVALID,
            f"checkOutDate must be after the stay in this bed began ({assignment.starts_on}).",
            "checkOutDate",
        )
    bed = (await session.execute(select(m.Bed).where(m.Bed.id == assignment.bed_id).with_for_update())).scalar_one()
    old_end = assignment.ends_on
    assignment.status, assignment.ends_on, assignment.check_out_condition_notes = (
        m.BedAssignmentStatus.ENDED,
        check_out_date,
        notes,
    )
    student.status, student.check_out_date = m.ResidentStatus.CHECKED_OUT, check_out_date
    await conversion.end_resident_role(session, student.user_id, hostel_id)
    if bed.current_student_id == student.id:
        bed.current_student_id = None
    session.add(
        m.RoomAssignmentHistory(
            bed_assignment_id=assignment.id,
            student_id=student.id,
            change=m.AssignmentChange.ENDED,
            from_bed_id=bed.id,
            effective_on=check_out_date,
            reason=notes or "checked out",
        )
    )
    await session.flush()
    await _notify(
        session,
        hostel_id,
        assignment.room_id,
        check_out_date,
        old_end if old_end and old_end > check_out_date else None,
    )
    return student.id


# ---- documents --------------------------------------------------------------------------------


async def add_document(
    ctx: Any,
    session: Any,
    student_id: Ref[m.HostelStudent],
    document_type: m.ResidentDocumentType,
    file: Annotated[
        Upload | None,
        Doc("The document's file, sent in this request (GraphQL multipart request): a PDF, an image, Word or Excel."),
    ] = None,
    file_id: Annotated[
        Ref[m.FileUpload] | None, Doc("Or a file you uploaded before (fileUpload, an upload session): its ID.")
    ] = None,
    file_name: Annotated[str | None, Doc("What the document is called; default: the file's name.")] = None,
    expires_on: dt.date | None = None,
) -> int:
    """Add a document of a resident (staff, or the resident themself): its file sent with the
    request (`file`) or one uploaded before (`fileId`), stored in the hostel's file storage. The
    resident and the hostel's staff read it and download its file (`file { downloadUrl }`)."""
    require_hostel(ctx)
    name = writes.clean_text(file_name, "fileName", 255)
    student = await lock_resident(ctx, session, student_id)
    stored = await document_file(ctx, session, file, file_id)
    doc = m.HostelStudentDocument(
        student_id=student.id,
        document_type=document_type,
        file_name=name or stored.file_name,
        file_id=stored.id,
        expires_on=expires_on,
    )
    session.add(doc)
    await session.flush()
    return doc.id


async def verify_document(ctx: Any, session: Any, id: Ref[m.HostelStudentDocument]) -> int:  # noqa: A002
    """Mark a resident's document verified (staff)."""
    document_id = id
    require_hostel(ctx)
    doc = (
        await session.execute(
            select(m.HostelStudentDocument).where(m.HostelStudentDocument.id == document_id).with_for_update()
        )
    ).scalar_one_or_none()
    if doc is None:
        raise user_error(ErrorCode.NOT_FOUND, "No HostelStudentDocument with this ID.", "id")
    if not doc.active:
        raise user_error(ErrorCode.INVALID, "This document was removed.", "id")
    if doc.verified:
        raise user_error(ErrorCode.CONFLICT, "This document is already verified.", "id")
    doc.verified, doc.verified_at, doc.verified_by = True, writes.now_utc(), ctx.user_id
    return doc.id


# ---- hooks of the residents' own edits (declared in models/hostel_student) ----------------------


async def own_guardian(ctx: Any, session: Any, guardian: Any) -> None:
    """Staff keep any resident's guardians; a resident only their own, and cannot mark one verified."""
    if is_staff(ctx):
        return
    if guardian.id is None:
        from kit.planner import Binder
        from models.hostel.access import my_student_ids

        mine = (await session.scalars(my_student_ids(ctx, Binder(embed=True)))).all()
        if guardian.student_id not in mine:
            raise user_error(ErrorCode.NOT_FOUND, "No HostelStudent with this ID.", "studentId")
    from resolvers.room.service import changed

    if guardian.verified and (guardian.id is None or changed(guardian, "verified")):
        raise user_error(ErrorCode.FORBIDDEN, "Only staff verify a guardian contact.", "verified")


async def profile_completeness(ctx: Any, session: Any, profile: Any) -> None:
    """The share of the profile's fields filled in, in percent."""
    from models.hostel_student import PROFILE_FIELDS

    filled = sum(1 for f in PROFILE_FIELDS if getattr(profile, f))
    profile.profile_completeness = round(100 * filled / len(PROFILE_FIELDS))
