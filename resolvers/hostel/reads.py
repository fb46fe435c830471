"""Reads for dashboards and phones: public availability, occupancy, a resident's own view and a
hostel admin's portfolio. Every figure comes from the one availability snapshot
(resolvers/hostel/availability.py), so the dashboards, the booking workflows and the derived
analytics (resolvers/hostel/analytics.py) count beds the same way.

A bed's state on a day, in this order (the first that applies):
- OCCUPIED: a resident's bed assignment covers the day (ACTIVE; for past days also ENDED ones,
  see `occupancy_snapshot`);
- RESERVED: an active booking assignment (a booking holding the bed) covers the day;
- BLOCKED: a calendar block of the bed, its room or the whole hostel covers the day;
- FREE: none of these.
Beds are the bookable ones: active and in service, in an active room in service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auth.permissions import PLATFORM
from models.hostel.access import is_staff
from kit.db import HostelNotReadable, hostel_read
from kit import clock
from kit import money as common_money
from kit.sql import Run
from resolvers.hostel.availability import BedInfo, Snapshot, days, snapshot

MAX_DAYS = 180
OCCUPIED, RESERVED, BLOCKED, FREE = "OCCUPIED", "RESERVED", "BLOCKED", "FREE"
STATES = (OCCUPIED, RESERVED, BLOCKED, FREE)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """part / whole in percent (two places, half up); 0.00 when whole is 0 (no beds)."""
    return common_money.percent(part, whole, Decimal("0.00"))


def is_platform(ctx: Any) -> bool:
    return not ctx.roles.isdisjoint(PLATFORM)


def holds_role_in(ctx: Any, hostel_id: int) -> bool:
    """The caller works or lives in the hostel (any role there), or is a platform role."""
    if is_platform(ctx) or ctx.hostel_id == hostel_id:
        return True
    identity = ctx.identity
    return identity is not None and hostel_id in identity.hostel_roles


def admin_hostels(ctx: Any) -> list[int]:
    """The hostels a hostel admin holds (ACTIVE AdminHostelAssignments, auth/identity.py)."""
    identity = ctx.identity
    if identity is None:
        return []
    return sorted(h for h, roles in identity.hostel_roles.items() if "HOSTEL_ADMIN" in roles)


@asynccontextmanager
async def hostel_runner(ctx: Any, hostel_id: int, *, public_only: bool | None = None) -> AsyncIterator[Run | None]:
    """A `run` reading exactly one hostel: the request's own transaction when that hostel is
    the active tenant, otherwise a separate READ ONLY transaction scoped to it (kit/db.py
    `hostel_read`), allowed for public and active hostels, or for any hostel the caller holds a
    role in. Yields None when the hostel is not readable (it does not exist, or is private)."""
    if ctx.hostel_id == hostel_id and not ctx.platform_read:
        yield ctx.db.fetch
        return
    if public_only is None:
        public_only = not holds_role_in(ctx, hostel_id)
    try:
        async with hostel_read(ctx.db.engine, hostel_id, public_only=public_only) as run:
            yield run
    except HostelNotReadable:
        yield None


# ---- bed states -------------------------------------------------------------------------------

ENDED_SQL = """
SELECT a.bed_id, a.starts_on, a.ends_on FROM bed_assignments a
 WHERE a.hostel_id = $1 AND a.status = 'ENDED' AND a.ends_on IS NOT NULL AND a.starts_on < $3 AND a.ends_on > $2
"""


async def occupancy_snapshot(run: Run, hostel_id: int, start: dt.date, end: dt.date) -> Snapshot:
    """The availability snapshot plus the residents who have since moved out (ENDED
    assignments), so that a past day counts the beds that were slept in then."""
    snap = await snapshot(run, hostel_id, start, end)
    for bed_id, s, e in await run(ENDED_SQL, [hostel_id, start, end]):
        snap.add_hold(bed_id, s, e, "resident")
    return snap


def bed_state(snap: Snapshot, bed: BedInfo, day: dt.date) -> str:
    kinds = {kind for s, e, kind in snap.bed_holds.get(bed.id, ()) if s <= day < e}
    if "resident" in kinds:
        return OCCUPIED
    if "booking" in kinds:
        return RESERVED
    if any(kind.startswith("block") for kind in kinds):
        return BLOCKED
    ranges = snap.hostel_blocks + snap.room_blocks.get(bed.room_id, [])
    if any(s <= day < e for s, e in ranges):
        return BLOCKED
    return FREE


@dataclass
class Counts:
    beds: int = 0
    occupied: int = 0
    reserved: int = 0
    blocked: int = 0
    free: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, state: str) -> None:
        self.beds += 1
        setattr(self, state.lower(), getattr(self, state.lower()) + 1)

    @property
    def occupancy_rate(self) -> Decimal:
        """occupied beds / beds, in percent."""
        return percent(self.occupied, self.beds)


def count_beds(snap: Snapshot, day: dt.date, key: Any = None) -> dict[Any, Counts]:
    """Bed states of `day` counted per group (`key(bed)`; None: one group for the hostel)."""
    groups: dict[Any, Counts] = {}
    for bed in snap.beds.values():
        k = key(bed) if key is not None else None
        groups.setdefault(k, Counts()).add(bed_state(snap, bed, day))
    return groups


def unassigned_on(snap: Snapshot, day: dt.date, room_type_id: int | None = None) -> int:
    """Committed bookings (approved, confirmed, checked in) that hold no bed yet on `day`."""
    return sum(1 for rt, s, e in snap.unassigned if s <= day < e and (room_type_id is None or rt == room_type_id))


# ---- hostelAvailability -------------------------------------------------------------------------

ROOM_TYPES_SQL = """
SELECT id FROM room_type_definitions WHERE hostel_id = $1 AND active AND ($2::bigint IS NULL OR id = $2)
 ORDER BY base_price_monthly, id
"""


@dataclass
class TypeAvailability:
    room_type_id: int
    total_beds: int
    days: list[tuple[dt.date, int]]

    @property
    def min_free_beds(self) -> int:
        return min((free for _, free in self.days), default=0)


async def availability(
    ctx: Any, hostel_id: int, start: dt.date, end: dt.date, room_type_id: int | None, gender: str | None
) -> list[TypeAvailability] | None:
    """Free beds per day of [start, end) and per active room type: what a new booking could
    take (resolvers/hostel/availability.py `free_on`). For the hostel's own staff the beds
    held back by HOLD_BACK_BEDS rules count as free; for everyone else they do not (public
    availability). None when the hostel is not readable by the caller."""
    staff = ctx.hostel_id == hostel_id and is_staff(ctx)
    async with hostel_runner(ctx, hostel_id) as run:
        if run is None:
            return None
        types = [r[0] for r in await run(ROOM_TYPES_SQL, [hostel_id, room_type_id])]
        snap = await snapshot(run, hostel_id, start, end, room_type_id)
    span = days(start, end)
    return [
        TypeAvailability(t, snap.total_beds(t), [(d, snap.free_on(d, t, gender, public=not staff)) for d in span])
        for t in types
    ]


# ---- hostelOccupancy ------------------------------------------------------------------------------


async def occupancy(ctx: Any, on: dt.date, group_by: str) -> tuple[Counts, list[tuple[Any, Counts]]]:
    """The active hostel's beds on `on`: the whole hostel and one row per group (FLOOR,
    ROOM_TYPE or HOSTEL), from one snapshot. Committed bookings without a bed are counted in
    `extra["awaiting_bed"]` per room type (they cannot be placed on a floor)."""
    hostel_id = ctx.hostel_id
    snap = await occupancy_snapshot(ctx.db.fetch, hostel_id, on, on + dt.timedelta(days=1))
    total = count_beds(snap, on).get(None, Counts())
    total.extra["awaiting_bed"] = unassigned_on(snap, on)
    if group_by == "FLOOR":
        groups = count_beds(snap, on, lambda b: b.floor)
    elif group_by == "ROOM_TYPE":
        groups = count_beds(snap, on, lambda b: b.room_type_id)
        for type_id, counts in groups.items():
            counts.extra["awaiting_bed"] = unassigned_on(snap, on, type_id)
    else:
        return total, [(None, total)]
    return total, sorted(groups.items(), key=lambda kv: kv[0])


# ---- myResidence --------------------------------------------------------------------------------

RESIDENCE_SQL = """
SELECT s.id, bed.id, bed.room_id,
       coalesce((SELECT array_agg(DISTINCT o.sid) FROM (
                   SELECT ob.current_student_id AS sid FROM beds ob
                    WHERE ob.hostel_id = s.hostel_id AND ob.room_id = bed.room_id AND ob.current_student_id IS NOT NULL
                   UNION
                   SELECT oa.student_id FROM bed_assignments oa
                    WHERE oa.hostel_id = s.hostel_id AND oa.room_id = bed.room_id AND oa.status = 'ACTIVE'
                      AND oa.starts_on <= $3 AND (oa.ends_on IS NULL OR oa.ends_on > $3)) o
                  WHERE o.sid <> s.id), '{}') AS roommates,
       coalesce((SELECT array_agg(k.id ORDER BY k.check_in_date DESC, k.id DESC) FROM bookings k
                  WHERE k.hostel_id = s.hostel_id AND (k.id = s.booking_id OR k.booker_user_id = s.user_id)), '{}'),
       coalesce((SELECT array_agg(d.id ORDER BY d.created_at, d.id) FROM hostel_student_documents d
                  WHERE d.hostel_id = s.hostel_id AND d.student_id = s.id AND d.active), '{}')
  FROM hostel_students s
  LEFT JOIN LATERAL (
       SELECT b.id, b.room_id FROM beds b WHERE b.hostel_id = s.hostel_id AND b.current_student_id = s.id
       UNION ALL
       SELECT a.bed_id, a.room_id FROM bed_assignments a
        WHERE a.hostel_id = s.hostel_id AND a.student_id = s.id AND a.status = 'ACTIVE'
          AND a.starts_on <= $3 AND (a.ends_on IS NULL OR a.ends_on > $3)
       LIMIT 1) bed ON true
 WHERE s.user_id = $1 AND s.hostel_id = $2 AND s.status <> 'CHECKED_OUT'
 ORDER BY s.check_in_date DESC, s.id DESC
 LIMIT 1
"""


@dataclass
class Residence:
    student_id: int
    bed_id: int | None
    room_id: int | None
    roommate_ids: list[int]
    booking_ids: list[int]
    document_ids: list[int]


async def residence(ctx: Any, today: dt.date) -> Residence | None:
    """The caller's resident record in the active hostel (not checked out), their bed today
    (Bed.currentStudent, else the ACTIVE assignment covering today), the residents of the same
    room, their bookings in this hostel and their active documents: one statement."""
    if ctx.user_id is None or ctx.hostel_id is None:
        return None
    rows = await ctx.db.fetch(RESIDENCE_SQL, [ctx.user_id, ctx.hostel_id, today])
    if not rows:
        return None
    r = rows[0]
    return Residence(r[0], r[1], r[2], sorted(r[3]), list(r[4]), list(r[5]))


# ---- hostelPortfolio ------------------------------------------------------------------------------

PORTFOLIO_SQL = """
SELECT count(*) FILTER (WHERE status = 'PENDING'),
       count(*) FILTER (WHERE check_in_date = $2 AND status IN ('APPROVED', 'CONFIRMED'))
  FROM bookings WHERE hostel_id = $1
"""


@dataclass
class PortfolioRow:
    hostel_id: int
    counts: Counts
    pending_bookings: int
    arrivals_today: int


async def portfolio(ctx: Any) -> list[PortfolioRow]:
    """For each hostel the admin holds (never another): beds, occupied, reserved, blocked and
    free today, pending bookings (status PENDING) and arrivals today (approved or confirmed
    bookings whose check-in is today). "Today" is each hostel's own date (its time zone). Each
    hostel is read in its own scoped transaction. Platform roles see every active hostel."""
    if is_platform(ctx):
        rows = await ctx.db.fetch("SELECT id, time_zone FROM hostels WHERE active ORDER BY id LIMIT 100", [])
        zones = {r[0]: r[1] for r in rows}
    else:
        known = ctx.identity.hostel_zones if ctx.identity is not None else {}
        zones = {h: known.get(h) for h in admin_hostels(ctx)}
    out = []
    for hostel_id, zone in zones.items():
        today = clock.today_in(zone)
        async with hostel_runner(ctx, hostel_id, public_only=False) as run:
            if run is None:
                continue
            snap = await snapshot(run, hostel_id, today, today + dt.timedelta(days=1))
            pending, arrivals = (await run(PORTFOLIO_SQL, [hostel_id, today]))[0]
        counts = count_beds(snap, today).get(None, Counts())
        out.append(PortfolioRow(hostel_id, counts, pending, arrivals))
    return out


__all__ = [
    "MAX_DAYS",
    "Counts",
    "availability",
    "bed_state",
    "count_beds",
    "hostel_runner",
    "occupancy",
    "occupancy_snapshot",
    "percent",
    "portfolio",
    "residence",
]
