"""The booking lifecycle (seed 000 booking.py): create (with auto-approval), approve (bed
hold), reject (with alternatives), confirm (advance paid, calendar), check in, complete, no
show; the waitlist entry and staff notes. Status moves go through transitions.move only.

Who acts where:
- staff (hostel admins, supervisors, platform roles with a hostel) act in their active hostel;
- anyone logged in books, or joins the waitlist, in a public, active hostel given its ID
  (`writes.acting_in_hostel` scopes those writes to that hostel for the mutation only);
- the booker acts on their own booking (cancel, modify) wherever it is (`booking_actor`).

No double booking of a bed: a hold locks the bed row (FOR NO KEY UPDATE: every holder of
the bed queues there, while rows merely referencing the bed do not), checks the bed is free in
a fresh availability snapshot and inserts the BookingAssignment in its own savepoint; the
exclusion constraint ex_booking_assignments_no_overlap refuses anything that still slips
through. Approved bookings without a named bed claim one of their type (counted by the
snapshot): promising beds of a room type is serialized on its row, and a free bed that every
claim needs is refused (CAPACITY). Lock order everywhere: booking, room type, bed. A refused hold is a CONFLICT; its AssignmentConflict record is written after the
refused work was rolled back, so the record survives the refusal (`in_hostel`).
"""

from __future__ import annotations

import calendar
import uuid
import datetime as dt
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

import models as m
from models.booking import BookingStatus as S
from resolvers.booking import transitions, waitlist
from kit import clock
from kit import writes
from kit.money import money
from kit.registry import spec_for_model
from kit.sql import session_runner
from resolvers.hostel import availability
from kit.errors import ErrorCode, UserErrors, user_error
from kit.workflow import Ref
from models.hostel.access import is_staff

BOOKING = spec_for_model(m.Booking)
STAFF_SOURCES = frozenset(
    {
        m.BookingSource.WALK_IN,
        m.BookingSource.PHONE,
        m.BookingSource.REFERRAL,
        m.BookingSource.WEBSITE,
        m.BookingSource.MOBILE_APP,
    }
)
VISITOR_SOURCES = frozenset({m.BookingSource.WEBSITE, m.BookingSource.MOBILE_APP})
HOSTEL_GENDER = {"BOYS": "MALE", "GIRLS": "FEMALE"}


def today() -> dt.date:
    """The hostel's local date: the request's clock is in the active hostel's time zone, and
    work in another hostel (`scoped`) switches to that hostel's (kit/clock.py)."""
    return clock.today()


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ---- where the caller acts ---------------------------------------------------------------------


def staff_hostel(ctx: Any) -> int | None:
    """The hostel the caller runs as staff (their active hostel), else None."""
    return ctx.hostel_id if ctx.hostel_id is not None and is_staff(ctx) else None


def require_staff_hostel(ctx: Any) -> int:
    hostel_id = staff_hostel(ctx)
    if hostel_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a hostel first (X-Tenant-Id with the Hostel's ID).")
    return hostel_id


@dataclass(frozen=True)
class Actor:
    hostel_id: int
    staff: bool  # False: the booker acting on their own booking
    time_zone: str | None = None  # the booking's hostel's


async def booking_actor(ctx: Any, booking_id: int) -> Actor:
    """Staff of the booking's hostel, or its booker; anyone else gets NOT_FOUND, exactly as for
    a booking that does not exist (RLS shows the request only its tenant's and its own rows)."""
    rows = await ctx.db.fetch(
        "SELECT b.hostel_id, b.booker_user_id, (SELECT h.time_zone FROM hostels h WHERE h.id = "
        "b.hostel_id) FROM bookings b WHERE b.id = $1",
        [booking_id],
    )
    if rows:
        hostel_id, booker, zone = rows[0]
        if hostel_id == staff_hostel(ctx):
            return Actor(hostel_id, True, zone)
        if ctx.user_id is not None and booker == ctx.user_id:
            return Actor(hostel_id, False, zone)
    raise user_error(ErrorCode.NOT_FOUND, "No Booking with this ID.", "bookingId")


@asynccontextmanager
async def scoped(ctx: Any, hostel_id: int, *, owner: bool = False, time_zone: str | None = None):  # noqa: ANN201
    """The block's writes in `hostel_id`: the caller's tenant as is; a hostel they may book in
    (public, active: writes.acting_in_hostel); or, `owner`, the hostel of their own booking
    (found by booking_actor through the owner's RLS policy), which may have left the public list.
    Outside the caller's tenant, "today" is that hostel's (its time zone: `time_zone` when the
    caller has read it, else read here)."""
    if hostel_id == ctx.hostel_id:
        yield
    elif owner:
        if time_zone is None:
            time_zone = await ctx.db.fetchval("SELECT time_zone FROM hostels WHERE id = $1", [hostel_id])
        async with ctx.db.hostel_scope(hostel_id):
            with clock.in_zone(time_zone):
                yield
    else:
        async with writes.acting_in_hostel(ctx, hostel_id):
            yield


class BedRefused(UserErrors):
    """A bed hold the rules or the database refused: CONFLICT, with what to record for the warden."""

    def __init__(self, hostel_id: int, bed_id: int, booking_id: int, kind: m.ConflictType, message: str) -> None:
        err = user_error(ErrorCode.CONFLICT, message, "bedId")
        super().__init__(*err.errors)
        self.record = dict(
            hostel_id=hostel_id, bed_id=bed_id, booking_id=booking_id, conflict_type=kind, details=message
        )


async def in_hostel(
    ctx: Any,
    hostel_id: int,
    work: Callable[[Any], Awaitable[int]],
    *,
    owner: bool = False,
    time_zone: str | None = None,
) -> int:
    """Run `work(session)` in the mutation's savepoint, scoped to `hostel_id`. A refused bed
    hold rolls the work back, then leaves its AssignmentConflict record in a savepoint of its
    own, and the refusal goes back to the client."""
    async with scoped(ctx, hostel_id, owner=owner, time_zone=time_zone):
        try:
            async with writes.mutation_scope(ctx, BOOKING) as session:
                return await work(session)
        except BedRefused as refused:
            await record_conflict(ctx, refused)
            raise


async def record_conflict(ctx: Any, refused: BedRefused) -> None:
    async with writes.mutation_scope(ctx) as session:
        session.add(m.AssignmentConflict(**refused.record))


# ---- reading what a booking needs -------------------------------------------------------------


async def lock_booking(session: Any, hostel_id: int, booking_id: int, field: str = "bookingId") -> m.Booking:
    """The booking row FOR UPDATE (every move holds it), or NOT_FOUND."""
    booking = (
        await session.execute(
            select(m.Booking).where(m.Booking.id == booking_id, m.Booking.hostel_id == hostel_id).with_for_update()
        )
    ).scalar_one_or_none()
    if booking is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Booking with this ID.", field)
    return booking


async def guest_of(session: Any, booking: m.Booking) -> m.BookingGuest | None:
    return (
        await session.execute(
            select(m.BookingGuest).where(
                m.BookingGuest.booking_id == booking.id, m.BookingGuest.hostel_id == booking.hostel_id
            )
        )
    ).scalar_one_or_none()


async def gender_of(session: Any, booking: m.Booking) -> str | None:
    guest = await guest_of(session, booking)
    return guest.gender.value if guest is not None else None


async def hostel_rules(session: Any, hostel_id: int, room_type_id: int | None = None) -> Any:
    """The stay rules in force: HostelSettings (or the model's defaults when it has none),
    tightened by the active MIN_STAY / MAX_ADVANCE_DAYS availability rules of the hostel or
    of the room type."""
    row = (
        await session.execute(select(m.HostelSettings).where(m.HostelSettings.hostel_id == hostel_id))
    ).scalar_one_or_none()
    rules = SimpleNamespace(
        advance_booking_days=row.advance_booking_days if row else 90,
        min_stay_months=row.min_stay_months if row else 1,
        max_stay_months=row.max_stay_months if row else 12,
    )
    AR = m.AvailabilityRule
    found = (
        await session.execute(
            select(AR.rule_type, AR.value).where(
                AR.hostel_id == hostel_id,
                AR.active,
                AR.rule_type.in_([m.AvailabilityRuleType.MIN_STAY, m.AvailabilityRuleType.MAX_ADVANCE_DAYS]),
                (AR.room_type_id.is_(None)) | (AR.room_type_id == room_type_id),
            )
        )
    ).all()
    for kind, value in found:
        if kind is m.AvailabilityRuleType.MIN_STAY:
            rules.min_stay_months = max(rules.min_stay_months, value)
        else:
            rules.advance_booking_days = min(rules.advance_booking_days, value)
    return rules


async def approval_rules(session: Any, hostel_id: int) -> Any:
    """ApprovalSettings of the hostel, or the model's defaults when it has none."""
    row = (
        await session.execute(select(m.ApprovalSettings).where(m.ApprovalSettings.hostel_id == hostel_id))
    ).scalar_one_or_none()
    return row or SimpleNamespace(
        auto_approve=False,
        auto_approve_max_months=6,
        auto_assign_bed=True,
        advance_percent=Decimal("25"),
        advance_due_days=3,
        approval_message=None,
    )


async def hostel_type(session: Any, hostel_id: int) -> str:
    value = await session.scalar(select(m.Hostel.hostel_type).where(m.Hostel.id == hostel_id))
    return value.value if value is not None else "CO_ED"


async def room_type(
    session: Any, hostel_id: int, room_type_id: int, field: str = "roomTypeId", booked: int | None = None
) -> m.RoomTypeDefinition:
    """The room type to book. A deactivated one is not offered any more, except to the booking
    that already holds it (`booked`: the booking's own type): its change of dates or duration
    keeps the type it was sold."""
    rt = (
        await session.execute(
            select(m.RoomTypeDefinition).where(
                m.RoomTypeDefinition.id == room_type_id, m.RoomTypeDefinition.hostel_id == hostel_id
            )
        )
    ).scalar_one_or_none()
    if rt is None:
        raise user_error(ErrorCode.NOT_FOUND, "No RoomTypeDefinition with this ID in this hostel.", field)
    if not rt.active and rt.id != booked:
        raise user_error(ErrorCode.INVALID, f"Room type {rt.name} is not offered any more.", field)
    return rt


def check_gender(kind: str, gender: str, field: str = "gender") -> None:
    wanted = HOSTEL_GENDER.get(kind)
    if wanted is not None and gender != wanted:
        raise user_error(
            ErrorCode.INVALID, f"This is a {kind.lower()} hostel: it takes {wanted.lower()} guests only.", field
        )


@dataclass(frozen=True)
class Quote:
    monthly_rent: Decimal
    total: Decimal
    advance: Decimal
    deposit: Decimal
    window_min_stay: int | None


async def quote(
    session: Any, hostel_id: int, rt: m.RoomTypeDefinition, check_in: dt.date, months: int, advance_percent: Decimal
) -> Quote:
    """Monthly rent on the check-in date: the room type's base price, or its RoomTypePricing
    row valid that day (newest first, less its discount), adjusted by the active
    AvailabilityWindow covering the day (room-type windows before hostel-wide ones);
    total = monthly x months; advance = the hostel's advance percent of the total."""
    P = m.RoomTypePricing
    pricing = (
        await session.execute(
            select(P)
            .where(
                P.hostel_id == hostel_id,
                P.room_type_id == rt.id,
                P.active,
                P.valid_from <= check_in,
                or_(P.valid_to.is_(None), P.valid_to >= check_in),
            )
            .order_by(P.valid_from.desc(), P.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    monthly = rt.base_price_monthly
    if pricing is not None:
        monthly = pricing.monthly_price * (1 - pricing.discount_percent / 100)
    W = m.AvailabilityWindow
    window = (
        await session.execute(
            select(W)
            .where(
                W.hostel_id == hostel_id,
                W.active,
                W.starts_on <= check_in,
                W.ends_on >= check_in,
                or_(W.room_type_id.is_(None), W.room_type_id == rt.id),
            )
            .order_by(W.room_type_id.is_(None), W.starts_on.desc(), W.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if window is not None:
        monthly = monthly * (1 + window.price_adjustment_percent / 100)
    monthly = money(monthly)
    total = money(monthly * months)
    return Quote(
        monthly,
        total,
        money(total * advance_percent / 100),
        money(rt.security_deposit),
        window.min_stay_months if window is not None else None,
    )


def check_stay(
    rules: Any,
    check_in: dt.date,
    months: int,
    window_min: int | None = None,
    fields: tuple[str, str] = ("checkInDate", "durationMonths"),
) -> dt.date:
    """Dates a booking may have; returns the check-out date (check-in + months)."""
    now = today()
    if check_in < now:
        raise user_error(ErrorCode.INVALID, "The check-in date is in the past.", fields[0])
    if (check_in - now).days > rules.advance_booking_days:
        raise user_error(
            ErrorCode.INVALID,
            f"Bookings open at most {rules.advance_booking_days} days ahead "
            f"(until {now + dt.timedelta(days=rules.advance_booking_days)}).",
            fields[0],
        )
    low = max(rules.min_stay_months, window_min or 0)
    if months < low or months > rules.max_stay_months:
        raise user_error(ErrorCode.INVALID, f"A stay here is {low} to {rules.max_stay_months} months.", fields[1])
    return add_months(check_in, months)


# ---- bed holds ----------------------------------------------------------------------------------


async def _assignment_rule(session: Any, hostel_id: int) -> tuple[str, bool]:
    R = m.AssignmentRule
    rule = (
        await session.execute(select(R).where(R.hostel_id == hostel_id, R.active).order_by(R.priority, R.id).limit(1))
    ).scalar_one_or_none()
    return (rule.strategy.value, rule.prefer_lower_floors) if rule is not None else ("FILL_ROOMS", False)


async def lock_claims(session: Any, hostel_id: int, room_type_id: int) -> None:
    """Serialize everything that promises beds of a room type (claims without a named bed are
    counted, not held, so only this lock keeps two of them from taking the last bed). Lock
    order everywhere: booking, room type, bed."""
    RT = m.RoomTypeDefinition
    await session.execute(
        select(RT.id).where(RT.id == room_type_id, RT.hostel_id == hostel_id).with_for_update(key_share=True)
    )


async def _lock_bed(session: Any, hostel_id: int, bed_id: int) -> Any:
    row = (
        await session.execute(
            select(m.Bed.id, m.Bed.room_id, m.Room.room_type_id, m.Bed.bed_number, m.Room.room_number)
            .join(m.Room, (m.Room.id == m.Bed.room_id) & (m.Room.hostel_id == m.Bed.hostel_id))
            .where(m.Bed.id == bed_id, m.Bed.hostel_id == hostel_id)
            .with_for_update(of=m.Bed, key_share=True)
        )
    ).first()
    if row is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Bed with this ID in this hostel.", "bedId")
    return row


async def hold_bed(
    session: Any,
    booking: m.Booking,
    gender: str | None,
    bed_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    reason: str = "approved",
    from_bed: int | None = None,
) -> int:
    """Hold a bed of the booking's room type for [start, end) (default: its stay); `bed_id`
    chosen by staff, else by the hostel's assignment rule. BedRefused when it cannot be held."""
    hid, rt = booking.hostel_id, booking.room_type_id
    start, end = start or booking.check_in_date, end or booking.check_out_date
    run = session_runner(session)
    await session.flush()  # a holding booking without a bed is then one of the snapshot's claims: its own
    own_claim = (rt, start, end) if booking.status in transitions.HOLDING else None
    await lock_claims(session, hid, rt)
    chosen = bed_id
    for _ in range(3):
        if bed_id is None:
            strategy, lower = await _assignment_rule(session, hid)
            snap = await availability.snapshot(run, hid, start, end, rt)
            chosen = snap.pick_bed(rt, start, end, gender, strategy, lower)
            if chosen is None:
                raise user_error(
                    ErrorCode.CONFLICT,
                    "No bed of this room type is free for the whole stay; the guest "
                    "may join the waitlist (waitlistJoin).",
                    "bookingId",
                )
        bed = await _lock_bed(session, hid, chosen)  # every holder of this bed queues here
        label = f"bed {bed.bed_number} of room {bed.room_number}"
        if bed.room_type_id != rt:
            raise user_error(ErrorCode.INVALID, f"The {label} is not of the booked room type.", "bedId")
        snap = await availability.snapshot(run, hid, start, end, rt)  # after the lock: what is committed now
        info = snap.beds.get(chosen)
        if info is None:
            raise BedRefused(
                hid, chosen, booking.id, m.ConflictType.BED_OUT_OF_SERVICE, f"The {label} is out of service."
            )
        if not snap.gender_allows(info, gender):
            raise BedRefused(
                hid,
                chosen,
                booking.id,
                m.ConflictType.GENDER_RULE,
                f"The {label} is not for {gender.lower() if gender else 'this'} guests.",
            )
        if snap.bed_free(chosen, start, end) and snap._room_has_space(info, start, end):
            if free_count(snap, rt, start, end, None, False, own_claim) <= 0:
                # free, but promised: approved bookings without a named bed claim every free bed of the type
                raise BedRefused(
                    hid,
                    chosen,
                    booking.id,
                    m.ConflictType.CAPACITY,
                    f"The {label} is free, but every free bed of this type is promised to approved "
                    f"bookings for some of {start} - {end}.",
                )
            break
        if bed_id is not None:
            raise BedRefused(
                hid,
                chosen,
                booking.id,
                m.ConflictType.DOUBLE_BOOKING,
                f"The {label} is already taken for some of {start} - {end}.",
            )
    else:
        raise user_error(
            ErrorCode.CONFLICT, "Beds of this room type are being taken right now; try again.", "bookingId"
        )
    try:
        async with session.begin_nested():
            session.add(
                m.BookingAssignment(
                    booking_id=booking.id,
                    bed_id=chosen,
                    room_id=info.room_id,
                    starts_on=start,
                    ends_on=end,
                    active=True,
                    hostel_id=hid,
                )
            )
            await session.flush()
    except IntegrityError as exc:
        if getattr(getattr(exc.orig, "__cause__", None) or exc.orig, "sqlstate", None) != "23P01":
            raise
        raise BedRefused(
            hid,
            chosen,
            booking.id,
            m.ConflictType.DOUBLE_BOOKING,
            f"The {label} is already taken for some of {start} - {end}.",
        ) from None
    session.add(
        m.BookingAssignmentHistory(
            booking_id=booking.id,
            change="REASSIGNED" if from_bed else "ASSIGNED",
            from_bed_id=from_bed,
            to_bed_id=chosen,
            reason=reason,
            hostel_id=hid,
        )
    )
    return chosen


async def active_hold(session: Any, booking: m.Booking) -> m.BookingAssignment | None:
    A = m.BookingAssignment
    return (
        await session.execute(
            select(A).where(A.booking_id == booking.id, A.hostel_id == booking.hostel_id, A.active).with_for_update()
        )
    ).scalar_one_or_none()


async def release_hold(session: Any, booking: m.Booking, reason: str) -> m.BookingAssignment | None:
    """End the booking's bed hold (inactive + history); the hold released, or None."""
    hold = await active_hold(session, booking)
    if hold is None:
        return None
    hold.active = False
    hold.released_at = writes.now_utc()
    hold.release_reason = reason
    session.add(
        m.BookingAssignmentHistory(
            booking_id=booking.id,
            change="RELEASED",
            from_bed_id=hold.bed_id,
            reason=reason,
            hostel_id=booking.hostel_id,
        )
    )
    await session.flush()
    return hold


async def free_claim(session: Any, booking: m.Booking, reason: str, was_holding: bool) -> None:
    """A booking gives up its stay (cancelled, no-show): release the hold, take its calendar
    events off, and tell the first eligible waitlist entry."""
    await release_hold(session, booking, reason)
    await session.execute(
        update(m.BookingCalendarEvent)
        .where(m.BookingCalendarEvent.booking_id == booking.id, m.BookingCalendarEvent.hostel_id == booking.hostel_id)
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    if was_holding:
        await waitlist.notify_waitlist(
            session, booking.hostel_id, booking.room_type_id, booking.check_in_date, booking.check_out_date
        )


def free_count(
    snap: availability.Snapshot,
    rt: int,
    start: dt.date,
    end: dt.date,
    gender: str | None,
    public: bool,
    claim: tuple[int, dt.date, dt.date] | None = None,
) -> int:
    """Beds of the type free for the whole stay; `claim` is the booking's own claim (flushed, so
    the snapshot counted it), taken out once so that it does not count against itself."""
    if claim is not None and claim in snap.unassigned:
        snap.unassigned.remove(claim)
    return snap.min_free(rt, start, end, gender, public)


# ---- bookingCreate -----------------------------------------------------------------------------


@dataclass
class CreateIn:
    hostel_id: int | None
    room_type_id: int
    check_in_date: dt.date
    duration_months: int
    guest: Any  # schema/booking.py BookingGuestInput
    source: m.BookingSource | None = None
    special_requests: str | None = None


def _clean_guest(g: Any) -> dict[str, Any]:
    """The guest fields of bookingCreate's input, cleaned and checked."""
    f = "guest."
    out = dict(
        full_name=writes.clean_text(g.full_name, f + "fullName", 200, required=True),
        phone=writes.clean_text(g.phone, f + "phone", 30, required=True),
        gender=m.Gender(getattr(g.gender, "value", g.gender)),
        email=writes.clean_text(g.email, f + "email", 255),
        date_of_birth=g.date_of_birth,
        institution=writes.clean_text(g.institution, f + "institution", 200),
        emergency_contact_name=writes.clean_text(g.emergency_contact_name, f + "emergencyContactName", 200),
        emergency_contact_phone=writes.clean_text(g.emergency_contact_phone, f + "emergencyContactPhone", 30),
        guardian_name=writes.clean_text(g.guardian_name, f + "guardianName", 200),
        guardian_phone=writes.clean_text(g.guardian_phone, f + "guardianPhone", 30),
        guardian_relation=writes.clean_text(g.guardian_relation, f + "guardianRelation", 50),
        consent_terms=bool(g.consent_terms),
        consent_marketing=bool(g.consent_marketing),
    )
    if out["email"] is not None and "@" not in out["email"]:
        raise user_error(ErrorCode.INVALID, "This is not an email address.", "guest", "email")
    return out


async def _reference(session: Any, hostel_id: int, booking: m.Booking) -> str:
    """SUN-2026-000123: the hostel's slug word, the year it was booked, the booking's number
    (its id: unique without a counter to lock; above every demo or imported number)."""
    slug = await session.scalar(select(m.Hostel.slug).where(m.Hostel.id == hostel_id)) or "HST"
    word = [p for p in slug.split("-") if p.isalpha() and p != "demo"] or ["hst"]
    return f"{word[0][:3].upper()}-{today().year}-{booking.id:06d}"


async def create(ctx: Any, inp: CreateIn) -> int:
    own = staff_hostel(ctx)
    hostel_id = inp.hostel_id if inp.hostel_id is not None else own
    if hostel_id is None:
        raise user_error(ErrorCode.INVALID, "Choose the hostel to book (hostelId).", "hostelId")
    staff = hostel_id == own
    source = inp.source or (m.BookingSource.WALK_IN if staff else m.BookingSource.WEBSITE)
    if source not in (STAFF_SOURCES if staff else VISITOR_SOURCES):
        raise user_error(
            ErrorCode.INVALID,
            f"A booking made {'at the desk' if staff else 'online'} cannot have source {source.value}.",
            "source",
        )
    guest = _clean_guest(inp.guest)
    requests = writes.clean_text(inp.special_requests, "specialRequests", 2000)

    async def work(session: Any) -> int:
        rt = await room_type(session, hostel_id, inp.room_type_id)
        check_gender(await hostel_type(session, hostel_id), guest["gender"].value, "guest")
        rules, approval = await hostel_rules(session, hostel_id, rt.id), await approval_rules(session, hostel_id)
        price = await quote(session, hostel_id, rt, inp.check_in_date, inp.duration_months, approval.advance_percent)
        check_out = check_stay(rules, inp.check_in_date, inp.duration_months, price.window_min_stay)
        snap = await availability.snapshot(session_runner(session), hostel_id, inp.check_in_date, check_out, rt.id)
        if free_count(snap, rt.id, inp.check_in_date, check_out, guest["gender"].value, public=not staff) <= 0:
            raise user_error(
                ErrorCode.CONFLICT,
                f"No {rt.name} bed is free for {inp.check_in_date} - {check_out}: "
                "join the waitlist (waitlistJoin) to be told when one frees.",
                "checkInDate",
            )
        booking = m.Booking(
            hostel_id=hostel_id,
            reference=f"NEW-{uuid.uuid4().hex}",
            booker_user_id=None if staff else ctx.user_id,
            room_type_id=rt.id,
            status=S.PENDING,
            source=source,
            check_in_date=inp.check_in_date,
            duration_months=inp.duration_months,
            check_out_date=check_out,
            monthly_rent=price.monthly_rent,
            security_deposit=price.deposit,
            total_amount=price.total,
            advance_amount=price.advance,
            amount_paid=Decimal("0"),
            special_requests=requests,
            status_changed_at=writes.now_utc(),
        )
        session.add(booking)
        await session.flush()
        booking.reference = await _reference(session, hostel_id, booking)
        session.add(m.BookingGuest(booking_id=booking.id, hostel_id=hostel_id, **guest))
        session.add(
            m.BookingStatusHistory(
                booking_id=booking.id,
                from_status=None,
                to_status=S.PENDING,
                reason=f"requested ({source.value.lower()})",
                hostel_id=hostel_id,
            )
        )
        await session.flush()
        if approval.auto_approve and inp.duration_months <= approval.auto_approve_max_months:
            await _auto_approve(ctx, session, booking, approval, guest["gender"].value)
        await writes.log_activity(session, ctx, "bookingCreate", "Booking", booking.id)
        return booking.id

    return await in_hostel(ctx, hostel_id, work)


async def _auto_approve(ctx: Any, session: Any, booking: m.Booking, approval: Any, gender: str) -> None:
    """Approve in the same mutation; when no bed can be held after all (taken meanwhile), the
    booking stays PENDING for staff, and the refusal is recorded for the warden."""
    try:
        async with session.begin_nested():
            await approve_booking(session, booking, approval, gender, None, None, auto=True)
    except UserErrors as refused:  # nothing free to hold any more: staff decide
        await session.refresh(booking)  # the savepoint's rollback expired what it changed
        if isinstance(refused, BedRefused):
            session.add(m.AssignmentConflict(**refused.record))


# ---- bookingApprove ----------------------------------------------------------------------------


async def approve_booking(
    session: Any,
    booking: m.Booking,
    approval: Any,
    gender: str | None,
    bed_id: int | None,
    message: str | None,
    auto: bool = False,
) -> None:
    await transitions.move(session, booking, S.APPROVED, "auto-approved" if auto else "approved")
    if bed_id is not None or approval.auto_assign_bed:
        await hold_bed(session, booking, gender, bed_id)
    else:  # approved without a bed: it still claims one of its type for its stay
        await session.flush()  # now counted among the claims: it must not count against itself
        await lock_claims(session, booking.hostel_id, booking.room_type_id)
        snap = await availability.snapshot(
            session_runner(session),
            booking.hostel_id,
            booking.check_in_date,
            booking.check_out_date,
            booking.room_type_id,
        )
        claim = (booking.room_type_id, booking.check_in_date, booking.check_out_date)
        if (
            free_count(snap, booking.room_type_id, booking.check_in_date, booking.check_out_date, gender, False, claim)
            <= 0
        ):
            raise user_error(ErrorCode.CONFLICT, "No bed of this room type is free for the whole stay.", "bookingId")
    due = today() + dt.timedelta(days=approval.advance_due_days)
    session.add(
        m.BookingApproval(
            booking_id=booking.id,
            hostel_id=booking.hostel_id,
            auto_approved=auto,
            final_monthly_rent=booking.monthly_rent,
            final_total_amount=booking.total_amount,
            advance_required=booking.advance_amount,
            advance_due_on=min(due, booking.check_in_date) if booking.check_in_date >= today() else due,
            message=message or approval.approval_message,
        )
    )
    await session.flush()


async def approve(
    ctx: Any,
    id: Ref[m.Booking],
    bed_id: Ref[m.Bed] | None = None,  # noqa: A002
    message: str | None = None,
) -> int:
    """Approve a PENDING booking: final amounts, the advance and its due date, and a bed held for
    the stay (the one given, else by the hostel's assignment rule). A bed taken for any day of
    the stay is a CONFLICT, recorded for the warden."""
    booking_id = id
    hostel_id = require_staff_hostel(ctx)
    message = writes.clean_text(message, "message", 2000)

    async def work(session: Any) -> int:
        booking = await lock_booking(session, hostel_id, booking_id)
        approval = await approval_rules(session, hostel_id)
        await approve_booking(session, booking, approval, await gender_of(session, booking), bed_id, message)
        await writes.log_activity(session, ctx, "bookingApprove", "Booking", booking.id)
        return booking.id

    return await in_hostel(ctx, hostel_id, work)


# ---- bookingReject -----------------------------------------------------------------------------


async def reject(
    ctx: Any,
    id: Ref[m.Booking],
    reason_code: m.RejectionReason,  # noqa: A002
    reason: str | None = None,
) -> int:
    """Refuse a PENDING booking, with room types really free for its dates as suggestions
    (rejectionRecords)."""
    booking_id = id
    hostel_id = require_staff_hostel(ctx)
    reason = writes.clean_text(reason, "reason", 2000)

    async def work(session: Any) -> int:
        booking = await lock_booking(session, hostel_id, booking_id)
        await transitions.move(session, booking, S.REJECTED, reason or reason_code.value.lower())
        found = await availability.alternatives(
            session_runner(session),
            hostel_id,
            booking.check_in_date,
            booking.check_out_date,
            await gender_of(session, booking),
            exclude_room_type=booking.room_type_id,
        )
        session.add(
            m.RejectionRecord(
                booking_id=booking.id,
                hostel_id=hostel_id,
                reason_code=reason_code,
                reason=reason,
                suggested_alternatives=found,
            )
        )
        await writes.log_activity(session, ctx, "bookingReject", "Booking", booking.id)
        return booking.id

    return await in_hostel(ctx, hostel_id, work)


# ---- bookingConfirm, bookingCheckIn, bookingComplete, bookingMarkNoShow -----------------------------


async def confirm(ctx: Any, id: Ref[m.Booking], advance_paid: Decimal) -> int:  # noqa: A002
    """An APPROVED booking's advance is paid (at least the approval's advanceRequired):
    CONFIRMED, with its arrival and departure in the calendar."""
    booking_id = id
    hostel_id = require_staff_hostel(ctx)

    async def work(session: Any) -> int:
        booking = await lock_booking(session, hostel_id, booking_id)
        await transitions.move(session, booking, S.CONFIRMED, f"advance {advance_paid} paid")
        required = await session.scalar(
            select(m.BookingApproval.advance_required).where(
                m.BookingApproval.booking_id == booking.id, m.BookingApproval.hostel_id == hostel_id
            )
        )
        required = booking.advance_amount if required is None else required
        if advance_paid.as_tuple().exponent < -2:
            raise user_error(ErrorCode.INVALID, "An amount has at most 2 decimal places.", "advancePaid")
        if advance_paid < required:
            raise user_error(
                ErrorCode.INVALID, f"The advance due is {required}; {advance_paid} does not cover it.", "advancePaid"
            )
        if advance_paid > booking.total_amount + booking.security_deposit:
            raise user_error(ErrorCode.INVALID, "The advance is more than the whole stay and deposit.", "advancePaid")
        booking.amount_paid = advance_paid
        guest = await guest_of(session, booking)
        who = guest.full_name if guest is not None else booking.reference
        for kind, day in (
            (m.CalendarEventType.CHECK_IN, booking.check_in_date),
            (m.CalendarEventType.CHECK_OUT, booking.check_out_date),
        ):
            session.add(
                m.BookingCalendarEvent(
                    booking_id=booking.id,
                    hostel_id=hostel_id,
                    event_type=kind,
                    event_date=day,
                    title=f"{'Arrival' if kind.value == 'CHECK_IN' else 'Departure'}: {who} ({booking.reference})",
                    active=True,
                )
            )
        await writes.log_activity(session, ctx, "bookingConfirm", "Booking", booking.id)
        return booking.id

    return await in_hostel(ctx, hostel_id, work)


async def _simple_move(
    ctx: Any, booking_id: int, to: S, action: str, then: Callable[[Any, m.Booking, S], Awaitable[None]] | None = None
) -> int:
    hostel_id = require_staff_hostel(ctx)

    async def work(session: Any) -> int:
        booking = await lock_booking(session, hostel_id, booking_id)
        before = booking.status
        await transitions.move(session, booking, to)
        if then is not None:
            await then(session, booking, before)
        await writes.log_activity(session, ctx, action, "Booking", booking.id)
        return booking.id

    return await in_hostel(ctx, hostel_id, work)


async def check_in(ctx: Any, id: Ref[m.Booking]) -> int:  # noqa: A002
    """The guest of a CONFIRMED booking arrived (not before the check-in date)."""
    booking_id = id

    async def not_early(session: Any, booking: m.Booking, before: S) -> None:
        if today() < booking.check_in_date:
            raise user_error(ErrorCode.INVALID, f"Check-in opens on {booking.check_in_date}.", "bookingId")

    return await _simple_move(ctx, booking_id, S.CHECKED_IN, "bookingCheckIn", not_early)


async def complete(ctx: Any, id: Ref[m.Booking]) -> int:  # noqa: A002
    """A CHECKED_IN stay is over; leaving early frees the bed for the rest of it."""
    booking_id = id

    async def end_stay(session: Any, booking: m.Booking, before: S) -> None:
        now = today()
        if now < booking.check_out_date:  # leaving early: the rest of the stay frees the bed
            hold = await active_hold(session, booking)
            if hold is not None and hold.starts_on < now:
                hold.ends_on = now
                session.add(
                    m.BookingAssignmentHistory(
                        booking_id=booking.id,
                        change="RELEASED",
                        from_bed_id=hold.bed_id,
                        reason=f"left early on {now}",
                        hostel_id=booking.hostel_id,
                    )
                )
            elif hold is not None:
                await release_hold(session, booking, "completed before the stay began")
            await waitlist.notify_waitlist(
                session, booking.hostel_id, booking.room_type_id, now, booking.check_out_date
            )

    return await _simple_move(ctx, booking_id, S.COMPLETED, "bookingComplete", end_stay)


async def mark_no_show(ctx: Any, id: Ref[m.Booking]) -> int:  # noqa: A002
    """The guest of an APPROVED or CONFIRMED booking did not come (from the check-in date on): the
    bed is released and the waitlist told."""
    booking_id = id

    async def release(session: Any, booking: m.Booking, before: S) -> None:
        if today() < booking.check_in_date:
            raise user_error(
                ErrorCode.INVALID,
                f"A guest is a no-show only from the check-in date ({booking.check_in_date}).",
                "bookingId",
            )
        await free_claim(session, booking, "no show", before in transitions.HOLDING)

    return await _simple_move(ctx, booking_id, S.NO_SHOW, "bookingMarkNoShow", release)


# ---- waitlistJoin --------------------------------------------------------------------------------


@dataclass
class WaitlistIn:
    hostel_id: int | None
    room_type_id: int
    from_date: dt.date
    to_date: dt.date
    contact_name: str
    gender: str
    contact_email: str | None = None
    contact_phone: str | None = None
    priority: int | None = None


async def waitlist_join(ctx: Any, inp: WaitlistIn) -> int:
    own = staff_hostel(ctx)
    hostel_id = inp.hostel_id if inp.hostel_id is not None else own
    if hostel_id is None:
        raise user_error(ErrorCode.INVALID, "Choose the hostel (hostelId).", "hostelId")
    staff = hostel_id == own
    if inp.priority is not None and not staff:
        raise user_error(ErrorCode.FORBIDDEN, "Only the hostel's staff set a waitlist priority.", "priority")
    if inp.priority is not None and not 0 <= inp.priority <= 1000:
        raise user_error(ErrorCode.INVALID, "Priority is 0 (first) to 1000.", "priority")
    name = writes.clean_text(inp.contact_name, "contactName", 200, required=True)
    email = writes.clean_text(inp.contact_email, "contactEmail", 255)
    phone = writes.clean_text(inp.contact_phone, "contactPhone", 30)
    if email is None and phone is None:
        raise user_error(ErrorCode.INVALID, "Give an email address or a phone number to be told.", "contactEmail")
    if inp.to_date <= inp.from_date:
        raise user_error(ErrorCode.INVALID, "The end date must come after the start date.", "toDate")

    async def work(session: Any) -> int:
        if inp.from_date < today():  # in the hostel's time zone: `in_hostel` has switched to it
            raise user_error(ErrorCode.INVALID, "The dates are in the past.", "fromDate")
        rt = await room_type(session, hostel_id, inp.room_type_id)
        check_gender(await hostel_type(session, hostel_id), inp.gender)
        entry = m.BookingWaitlist(
            hostel_id=hostel_id,
            room_type_id=rt.id,
            user_id=None if staff else ctx.user_id,
            contact_name=name,
            contact_email=email,
            contact_phone=phone,
            gender=m.Gender(inp.gender),
            from_date=inp.from_date,
            to_date=inp.to_date,
            status=m.WaitlistStatus.WAITING,
            **({"priority": inp.priority} if inp.priority is not None else {"priority": 100}),
        )
        session.add(entry)
        await session.flush()
        await writes.log_activity(session, ctx, "waitlistJoin", "BookingWaitlist", entry.id)
        return entry.id

    return await in_hostel(ctx, hostel_id, work)


# ---- notes ----------------------------------------------------------------------------------------


async def note_add(ctx: Any, booking_id: int, body: str, visibility: m.NoteVisibility | None, pinned: bool) -> int:
    hostel_id = require_staff_hostel(ctx)
    text = writes.clean_text(body, "body", 4000, required=True)

    async def work(session: Any) -> int:
        booking = await lock_booking(session, hostel_id, booking_id)
        note = m.BookingNote(
            booking_id=booking.id,
            hostel_id=hostel_id,
            body=text,
            pinned=pinned,
            active=True,
            visibility=visibility or m.NoteVisibility.INTERNAL,
        )
        session.add(note)
        await session.flush()
        await writes.log_activity(session, ctx, "bookingNoteAdd", "BookingNote", note.id)
        return note.id

    return await in_hostel(ctx, hostel_id, work)


async def note_remove(ctx: Any, id: Ref[m.BookingNote]) -> int:  # noqa: A002
    """Remove a note: it is deactivated, kept for the record."""
    note_id = id
    hostel_id = require_staff_hostel(ctx)
    N = m.BookingNote

    async def work(session: Any) -> int:
        note = (
            await session.execute(select(N).where(N.id == note_id, N.hostel_id == hostel_id).with_for_update())
        ).scalar_one_or_none()
        if note is None:
            raise user_error(ErrorCode.NOT_FOUND, "No BookingNote with this ID.", "id")
        if not note.active:
            raise user_error(ErrorCode.CONFLICT, "This note was removed already.", "id")
        note.active = False
        await writes.log_activity(session, ctx, "bookingNoteRemove", "BookingNote", note.id)
        return note.id

    return await in_hostel(ctx, hostel_id, work)


__all__ = [
    "add_months",
    "approve",
    "check_in",
    "complete",
    "confirm",
    "create",
    "mark_no_show",
    "note_add",
    "note_remove",
    "reject",
    "waitlist_join",
]
