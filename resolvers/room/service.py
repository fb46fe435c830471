"""Rooms and beds as master data (seed 000 `room/`): the rules the generic create / update /
deactivate mutations run through their `validate` and `after` hooks, and the price change.

- `hostels.total_rooms` / `total_beds` (active rooms; active beds of active rooms) move by
  one relative UPDATE in the same savepoint as every room or bed write that changes them;
  the UPDATE locks the hostel row, so concurrent writers queue and no change is lost.
- A bed or room that someone lives in (an ACTIVE bed assignment) or that a booking holds
  (an active booking assignment whose stay has not ended) cannot be deactivated, taken out
  of service, moved to another room type, or shrunk below its beds (CONFLICT).
- A room never has more active beds than its capacity: adding a bed locks the room row and
  counts (CONFLICT when full).
- `Room.monthly_rent` changes only through `change_price`, which appends a RoomPricingHistory
  row (append-only; roomCreate writes the first one, old = new = the opening rent).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, inspect, select, text

import models as m
from models.room.bed import BedStatus
from models.room.room import GenderRule, RoomStatus
from kit import clock
from kit import writes
from kit.errors import ErrorCode, user_error
from kit.workflow import Ref

COUNTS = text("""
UPDATE hostels SET total_rooms = greatest(0, total_rooms + :rooms), total_beds = greatest(0, total_beds + :beds)
WHERE id = :hostel
""")

HOLDERS = text("""
SELECT 'a resident' FROM bed_assignments a
 WHERE a.hostel_id = :hostel AND a.status = 'ACTIVE' AND (a.bed_id = :bed OR a.room_id = :room)
UNION ALL
SELECT 'a booking' FROM booking_assignments a
 WHERE a.hostel_id = :hostel AND a.active AND a.ends_on > :today AND (a.bed_id = :bed OR a.room_id = :room)
LIMIT 1
""")


def require_hostel(ctx: Any) -> int:
    if ctx.hostel_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a hostel first (X-Tenant-Id with the Hostel's ID).")
    return ctx.hostel_id


def changed(obj: Any, attr: str) -> bool:
    """Whether an update is changing `attr` (before the flush)."""
    if obj.id is None:
        return False
    history = inspect(obj).attrs[attr].history
    return bool(history.added) and list(history.added) != list(history.deleted)


async def move_counts(session: Any, hostel_id: int, rooms: int, beds: int) -> None:
    await session.execute(COUNTS, {"hostel": hostel_id, "rooms": rooms, "beds": beds})


async def holder(session: Any, hostel_id: int, *, room_id: int = -1, bed_id: int = -1) -> str | None:
    """'a resident' / 'a booking' when the room or bed is lived in or held, else None."""
    return await session.scalar(HOLDERS, {"hostel": hostel_id, "room": room_id, "bed": bed_id, "today": clock.today()})


async def refuse_if_held(
    session: Any, hostel_id: int, what: str, field: str, *, room_id: int = -1, bed_id: int = -1
) -> None:
    who = await holder(session, hostel_id, room_id=room_id, bed_id=bed_id)
    if who is not None:
        raise user_error(
            ErrorCode.CONFLICT,
            f"This {what} is taken by {who}: {field} can change only once it is free "
            "(transfer or check the resident out, or move the booking).",
            field,
        )


async def _active_beds(session: Any, room_id: int) -> int:
    return await session.scalar(select(func.count()).select_from(m.Bed).where(m.Bed.room_id == room_id, m.Bed.active))


async def share_room(session: Any, room_id: int) -> None:
    """Hold the room row against deactivation / closing while a resident is put in one of its
    beds (those take the row FOR UPDATE and then look for residents)."""
    await session.execute(select(m.Room.id).where(m.Room.id == room_id).with_for_update(read=True))


async def _lock_room(session: Any, room_id: int) -> m.Room:
    room = (await session.execute(select(m.Room).where(m.Room.id == room_id).with_for_update())).scalar_one_or_none()
    if room is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Room with this ID.", "roomId")
    return room


# ---- rooms ------------------------------------------------------------------------------------


async def validate_room(ctx: Any, session: Any, room: m.Room) -> None:
    if room.id is None:
        if room.monthly_rent is not None and room.monthly_rent < 0:
            raise user_error(ErrorCode.INVALID, "monthlyRent cannot be negative.", "monthlyRent")
        return
    if changed(room, "capacity"):
        beds = await _active_beds(session, room.id)
        if room.capacity < beds:
            raise user_error(
                ErrorCode.CONFLICT,
                f"The room has {beds} active beds: capacity cannot be below that (deactivate beds first).",
                "capacity",
            )
    for attr, field, bad in (
        ("status", "status", room.status != RoomStatus.IN_SERVICE),
        ("room_type_id", "roomTypeId", True),
    ):
        if bad and changed(room, attr):
            await refuse_if_held(session, room.hostel_id, "room", field, room_id=room.id)


async def after_room(ctx: Any, session: Any, room: m.Room, verb: str) -> None:
    if verb == "create":
        session.add(
            m.RoomPricingHistory(
                room_id=room.id,
                old_monthly_rent=room.monthly_rent,
                new_monthly_rent=room.monthly_rent,
                effective_from=clock.today(),
                reason="Opening rent",
            )
        )
        await move_counts(session, room.hostel_id, 1, 0)
    elif verb == "deactivate":
        await refuse_if_held(session, room.hostel_id, "room", "id", room_id=room.id)
        await move_counts(session, room.hostel_id, -1, -await _active_beds(session, room.id))


async def change_price(
    ctx: Any, session: Any, room_id: Ref[m.Room], new_monthly_rent: Decimal, effective_from: dt.date, reason: str
) -> int:
    """Change a room's monthly rent (the only way it changes): appends a RoomPricingHistory row
    with the old and new rent. Residents keep the rent of their bed assignment; new bookings and
    assignments use the new one. (The frame writes the audit entry, naming the room.)"""
    new_rent = new_monthly_rent
    require_hostel(ctx)
    reason = writes.clean_text(reason, "reason", 500, required=True)
    if new_rent < 0:
        raise user_error(ErrorCode.INVALID, "newMonthlyRent cannot be negative.", "newMonthlyRent")
    room = (await session.execute(select(m.Room).where(m.Room.id == room_id).with_for_update())).scalar_one_or_none()
    if room is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Room with this ID.", "roomId")
    if not room.active:
        raise user_error(ErrorCode.INVALID, "This room is deactivated.", "roomId")
    if new_rent == room.monthly_rent:
        raise user_error(ErrorCode.INVALID, f"The rent is already {room.monthly_rent}.", "newMonthlyRent")
    last = await session.scalar(
        select(func.max(m.RoomPricingHistory.effective_from)).where(m.RoomPricingHistory.room_id == room_id)
    )
    if last is not None and effective_from < last:
        raise user_error(
            ErrorCode.INVALID, f"effectiveFrom cannot be before the last change ({last}).", "effectiveFrom"
        )
    entry = m.RoomPricingHistory(
        room_id=room.id,
        old_monthly_rent=room.monthly_rent,
        new_monthly_rent=new_rent,
        effective_from=effective_from,
        reason=reason,
    )
    session.add(entry)
    room.monthly_rent = new_rent
    await session.flush()
    return room.id


# ---- availability rules -----------------------------------------------------------------------


async def hold_back_names_a_type(ctx: Any, session: Any, rule: m.AvailabilityRule) -> None:
    """Beds are held back per room type; a hostel-wide hold-back would not say of which type."""
    if rule.rule_type is m.AvailabilityRuleType.HOLD_BACK_BEDS and rule.room_type_id is None:
        raise user_error(ErrorCode.INVALID, "Say which room type the held-back beds are of.", "roomTypeId")


# ---- beds -------------------------------------------------------------------------------------


async def validate_bed(ctx: Any, session: Any, bed: m.Bed) -> None:
    if bed.id is None:
        room = await session.scalar(select(m.Room.active).where(m.Room.id == bed.room_id))
        if room is None:
            raise user_error(ErrorCode.NOT_FOUND, "No Room with this ID.", "roomId")
        if not room:
            raise user_error(ErrorCode.INVALID, "This room is deactivated.", "roomId")
        return
    if bed.status != BedStatus.IN_SERVICE and changed(bed, "status"):
        await refuse_if_held(session, bed.hostel_id, "bed", "status", bed_id=bed.id)


async def after_bed(ctx: Any, session: Any, bed: m.Bed, verb: str) -> None:
    if verb == "create":
        room = await _lock_room(session, bed.room_id)  # concurrent bed additions queue here
        beds = await _active_beds(session, room.id)
        if beds > room.capacity:
            raise user_error(
                ErrorCode.CONFLICT, f"Room {room.room_number} already has {room.capacity} beds, its capacity.", "roomId"
            )
        await move_counts(session, bed.hostel_id, 0, 1)
    elif verb == "deactivate":
        await refuse_if_held(session, bed.hostel_id, "bed", "id", bed_id=bed.id)
        room_active = await session.scalar(select(m.Room.active).where(m.Room.id == bed.room_id))
        await move_counts(session, bed.hostel_id, 0, -1 if room_active else 0)


# ---- occupancy limits -------------------------------------------------------------------------

GENDER_OF_RULE = {GenderRule.MALE_ONLY: "MALE", GenderRule.FEMALE_ONLY: "FEMALE"}


async def validate_occupancy_limit(ctx: Any, session: Any, limit: m.RoomOccupancyLimit) -> None:
    room = await session.scalar(select(m.Room).where(m.Room.id == limit.room_id))
    if room is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Room with this ID.", "roomId")
    if limit.max_occupants is not None and limit.max_occupants > room.capacity:
        raise user_error(
            ErrorCode.INVALID, f"maxOccupants cannot exceed the room's capacity ({room.capacity}).", "maxOccupants"
        )
    if limit.max_occupants is not None:
        today = clock.today()
        living = await session.scalar(
            select(func.count())
            .select_from(m.BedAssignment)
            .where(
                m.BedAssignment.room_id == room.id,
                m.BedAssignment.status == m.BedAssignmentStatus.ACTIVE,
                m.BedAssignment.starts_on <= today,
                (m.BedAssignment.ends_on.is_(None)) | (m.BedAssignment.ends_on > today),
            )
        )
        if living > limit.max_occupants:
            raise user_error(
                ErrorCode.CONFLICT,
                f"{living} residents live in this room now: maxOccupants cannot be lower.",
                "maxOccupants",
            )
    wanted = GENDER_OF_RULE.get(limit.gender_rule)
    if wanted is not None:
        hostel_type = await session.scalar(text("SELECT hostel_type FROM hostels WHERE id = :h"), {"h": room.hostel_id})
        if hostel_type != "CO_ED" and {"BOYS": "MALE", "GIRLS": "FEMALE"}[hostel_type] != wanted:
            raise user_error(
                ErrorCode.INVALID, f"A {hostel_type} hostel cannot have a {limit.gender_rule.value} room.", "genderRule"
            )
        clash = await session.scalar(
            select(m.HostelStudent.full_name)
            .join(m.BedAssignment, m.BedAssignment.student_id == m.HostelStudent.id)
            .where(
                m.BedAssignment.room_id == room.id,
                m.BedAssignment.status == m.BedAssignmentStatus.ACTIVE,
                m.HostelStudent.gender != m.Gender(wanted),
            )
            .limit(1)
        )
        if clash is not None:
            raise user_error(
                ErrorCode.CONFLICT, f"{clash} lives in this room: the gender rule would exclude them.", "genderRule"
            )


# ---- amenity feedback -------------------------------------------------------------------------


async def my_resident(session: Any, ctx: Any) -> m.HostelStudent | None:
    if ctx.user_id is None:
        return None
    return await session.scalar(
        select(m.HostelStudent)
        .where(m.HostelStudent.user_id == ctx.user_id)
        .order_by(m.HostelStudent.id.desc())
        .limit(1)
    )


async def validate_bed_preference(ctx: Any, session: Any, pref: m.BedPreference) -> None:
    """A resident ranks beds they would like, as themselves (assignment may take it into account)."""
    if pref.rank is not None and pref.rank < 1:
        raise user_error(ErrorCode.INVALID, "rank starts at 1 (most wanted).", "rank")
    me = await my_resident(session, ctx)
    if me is None or me.status is m.ResidentStatus.CHECKED_OUT:
        raise user_error(ErrorCode.FORBIDDEN, "Only a resident of this hostel can state bed preferences.")
    if pref.id is None:
        pref.student_id = me.id
    elif pref.student_id != me.id:
        raise user_error(ErrorCode.NOT_FOUND, "No BedPreference with this ID.", "id")


async def validate_feedback(ctx: Any, session: Any, feedback: m.AmenityFeedback) -> None:
    """A resident rates the amenities of the room they live in now, as themselves."""
    if feedback.rating is not None and not 1 <= feedback.rating <= 5:
        raise user_error(ErrorCode.INVALID, "rating is between 1 and 5.", "rating")
    if feedback.id is not None:
        return
    me = await my_resident(session, ctx)
    if me is None:
        raise user_error(ErrorCode.FORBIDDEN, "Only a resident of this hostel can give amenity feedback.")
    amenity_room = await session.scalar(
        select(m.RoomAmenity.room_id).where(m.RoomAmenity.id == feedback.room_amenity_id, m.RoomAmenity.active)
    )
    my_room = await session.scalar(
        select(m.BedAssignment.room_id)
        .where(m.BedAssignment.student_id == me.id, m.BedAssignment.status == m.BedAssignmentStatus.ACTIVE)
        .limit(1)
    )
    if amenity_room is None or amenity_room != my_room:
        raise user_error(ErrorCode.NOT_FOUND, "No RoomAmenity with this ID in your room.", "roomAmenityId")
    feedback.student_id = me.id
