"""Bed availability of one hostel: THE computation behind `hostelAvailability`, booking
approval (which bed to hold), rejection alternatives, waitlist notifications and the derived
availability tables. Four statements whatever the number of beds or days:

1. the bookable beds (active, in service, in an active room in service) with their room,
   room type, rent and occupancy limits;
2. what holds a bed over the window: ACTIVE bed assignments (residents), active booking
   assignments (bookings holding a bed) and active calendar blocks (hostel, room or bed);
3. committed bookings that hold no bed yet (approved / confirmed / checked in): each takes
   one bed of its room type on each of its days;
4. the hostel's type (boys / girls / co-ed) and the beds held back per room type by
   HOLD_BACK_BEDS availability rules (kept out of public availability).

Dates are half-open: a stay [check_in, check_out) frees its bed on the check-out day.
A room's RoomOccupancyLimit caps how many of its beds may be taken on one day and says who
may live there (gender rule).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kit.sql import Run

OPEN_END = dt.date.max
HOSTEL_GENDER = {"BOYS": "MALE", "GIRLS": "FEMALE"}  # CO_ED: either


@dataclass(frozen=True)
class BedInfo:
    id: int
    room_id: int
    room_number: str
    floor: int
    room_type_id: int
    monthly_rent: Decimal
    capacity: int
    max_occupants: int
    gender_rule: str  # ANY / MALE_ONLY / FEMALE_ONLY


@dataclass
class Snapshot:
    hostel_id: int
    start: dt.date
    end: dt.date
    hostel_type: str
    beds: dict[int, BedInfo]
    bed_holds: dict[int, list[tuple[dt.date, dt.date, str]]] = field(default_factory=dict)
    room_blocks: dict[int, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)
    hostel_blocks: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    unassigned: list[tuple[int, dt.date, dt.date]] = field(default_factory=list)  # (room type, start, end)
    hold_back: dict[int, int] = field(default_factory=dict)  # room type -> beds kept back
    _index: _DayIndex | None = field(default=None, repr=False, compare=False)

    # ---- questions -------------------------------------------------------------------------

    def gender_allows(self, bed: BedInfo, gender: str | None) -> bool:
        if gender is None:
            return True
        only = HOSTEL_GENDER.get(self.hostel_type)  # a boys' or girls' hostel takes one gender
        if only is not None and gender != only:
            return False
        return bed.gender_rule == "ANY" or bed.gender_rule == ("MALE_ONLY" if gender == "MALE" else "FEMALE_ONLY")

    def add_hold(self, bed_id: int, start: dt.date, end: dt.date, kind: str) -> None:
        self.bed_holds.setdefault(bed_id, []).append((start, end, kind))
        self._index = None

    def _indexed(self) -> _DayIndex:
        """Per-day sets of the window, built once: a search asks "is this bed taken that
        day" for every bed, day and room type (~30,000 times for 255 beds over 30 days)."""
        if self._index is None:
            self._index = _DayIndex(self)
        return self._index

    def _blocked(self, bed: BedInfo, start: dt.date, end: dt.date) -> bool:
        one_day = end - start == ONE_DAY
        # this test only picks the day index or the ranges, which answer alike (a narrower test sends the
        # question to the ranges: equivalent mutants); tests/unit/test_availability.py asks at the window's edges
        if one_day and self.start <= start < self.end:  # pragma: no mutate
            index = self._indexed()
            return start in index.hostel_days or start in index.room_days.get(bed.room_id, ())
        ranges = self.hostel_blocks + self.room_blocks.get(bed.room_id, [])
        return any(s < end and e > start for s, e in ranges)

    def bed_free(self, bed_id: int, start: dt.date, end: dt.date) -> bool:
        """Nothing holds the bed on any day of [start, end)."""
        bed = self.beds.get(bed_id)
        if bed is None or self._blocked(bed, start, end):
            return False
        return not any(s < end and e > start for s, e, _ in self.bed_holds.get(bed_id, ()))

    def _taken_on(self, bed_id: int, day: dt.date) -> bool:
        if self.start <= day < self.end:  # pragma: no mutate - index or ranges, as in _blocked
            return day in self._indexed().held_days.get(bed_id, ())
        return any(s <= day < e for s, e, _ in self.bed_holds.get(bed_id, ()))

    def _room_taken_on(self, room_id: int, day: dt.date) -> int:
        return sum(1 for b in self._indexed().beds_by_room.get(room_id, ()) if self._taken_on(b.id, day))

    def free_on(self, day: dt.date, room_type_id: int, gender: str | None = None, public: bool = True) -> int:
        """Beds of the room type that a new booking could take on `day`."""
        per_room: dict[int, int] = defaultdict(int)
        limit: dict[int, BedInfo] = {}
        for bed in self._indexed().beds_by_type.get(room_type_id, ()):
            if not self.gender_allows(bed, gender):
                continue
            if self._blocked(bed, day, day + ONE_DAY) or self._taken_on(bed.id, day):
                continue
            per_room[bed.room_id] += 1
            limit[bed.room_id] = bed
        free = 0
        for room_id, count in per_room.items():
            bed = limit[room_id]
            # the room may not fill every bed. `!=`, `<=`, `is not` answer alike (equivalent mutants): a room
            # never has more active beds than its capacity (resolvers/room/service.py), so when the limit is at or
            # above the capacity the free beds already are at most `max_occupants - taken`
            if bed.max_occupants < bed.capacity:  # pragma: no mutate - see above; the limit below capacity: tested
                count = min(count, max(0, bed.max_occupants - self._room_taken_on(room_id, day)))
            free += count
        free -= sum(1 for rt, s, e in self.unassigned if rt == room_type_id and s <= day < e)
        if public:
            free -= self.hold_back.get(room_type_id, 0)
        return max(0, free)

    def total_beds(self, room_type_id: int) -> int:
        return sum(1 for b in self.beds.values() if b.room_type_id == room_type_id)

    def min_free(
        self, room_type_id: int, start: dt.date, end: dt.date, gender: str | None = None, public: bool = True
    ) -> int:
        """Beds of the type free on every day of [start, end)."""
        return min((self.free_on(d, room_type_id, gender, public) for d in days(start, end)), default=0)

    def pick_bed(
        self,
        room_type_id: int,
        start: dt.date,
        end: dt.date,
        gender: str | None,
        strategy: str = "FILL_ROOMS",
        prefer_lower_floors: bool = False,
    ) -> int | None:
        """A bed of the type free for the whole stay, chosen by the assignment rule's strategy:
        FILL_ROOMS completes partly taken rooms first, SPREAD prefers the emptiest rooms,
        FIRST_FIT (and SAME_INSTITUTION, which needs resident data) take room and bed order."""
        candidates = [
            b
            for b in self.beds.values()
            if b.room_type_id == room_type_id
            and self.gender_allows(b, gender)
            and self.bed_free(b.id, start, end)
            and self._room_has_space(b, start, end)
        ]
        if not candidates:
            return None
        taken = {b.room_id: self._room_taken_on(b.room_id, start) for b in candidates}

        def key(bed: BedInfo) -> tuple[Any, ...]:
            floor = (bed.floor,) if prefer_lower_floors else ()
            if strategy == "FILL_ROOMS":
                # `~taken` (= -taken - 1) gives the same order: an equivalent mutant; `+`/`not`: tested
                return (*floor, -taken[bed.room_id], bed.room_number, bed.id)  # pragma: no mutate - see above
            # `>= "SPREAD"` is equivalent: of AssignmentStrategy's values only SPREAD sorts at or after "SPREAD"
            # (FILL_ROOMS is answered above); `is`, `!=`, `<=`, `>`: tested
            if strategy == "SPREAD":  # pragma: no mutate - see above
                return (*floor, taken[bed.room_id], bed.room_number, bed.id)
            return (*floor, bed.room_number, bed.id)

        return min(candidates, key=key).id

    def _room_has_space(self, bed: BedInfo, start: dt.date, end: dt.date) -> bool:
        # a shortcut: when the limit is at or above the capacity the count below is true anyway (a room never has
        # more active beds than its capacity, and this bed is free), so `==`, `>`, `is` are equivalent mutants
        if bed.max_occupants >= bed.capacity:  # pragma: no mutate - see above; `<`, `<=`, `!=`: tested
            return True
        return all(self._room_taken_on(bed.room_id, d) < bed.max_occupants for d in days(start, end))


class _DayIndex:
    def __init__(self, snap: Snapshot) -> None:
        span = days(snap.start, snap.end)
        self.hostel_days = {d for d in span for s, e in snap.hostel_blocks if s <= d < e}
        self.room_days = {
            room: {d for d in span for s, e in ranges if s <= d < e} for room, ranges in snap.room_blocks.items()
        }
        self.held_days = {
            bed: {d for d in span for s, e, _ in holds if s <= d < e} for bed, holds in snap.bed_holds.items()
        }
        self.beds_by_type: dict[int, list[BedInfo]] = defaultdict(list)
        self.beds_by_room: dict[int, list[BedInfo]] = defaultdict(list)
        for bed in snap.beds.values():
            self.beds_by_type[bed.room_type_id].append(bed)
            self.beds_by_room[bed.room_id].append(bed)


ONE_DAY = dt.timedelta(days=1)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


BEDS_SQL = """
SELECT b.id, b.room_id, r.room_number, r.floor, r.room_type_id, coalesce(b.monthly_rent_override, r.monthly_rent),
       r.capacity, coalesce(l.max_occupants, r.capacity), coalesce(l.gender_rule, 'ANY')
FROM beds b
JOIN rooms r ON r.id = b.room_id AND r.hostel_id = b.hostel_id
LEFT JOIN room_occupancy_limits l ON l.room_id = r.id AND l.hostel_id = r.hostel_id
WHERE b.hostel_id = $1 AND b.active AND b.status = 'IN_SERVICE' AND r.active AND r.status = 'IN_SERVICE'
  AND ($2::bigint IS NULL OR r.room_type_id = $2)
"""

HOLDS_SQL = """
SELECT 'resident', a.bed_id, NULL::bigint, a.starts_on, a.ends_on FROM bed_assignments a
 WHERE a.hostel_id = $1 AND a.status = 'ACTIVE' AND a.starts_on < $3 AND (a.ends_on IS NULL OR a.ends_on > $2)
UNION ALL
SELECT 'booking', a.bed_id, NULL, a.starts_on, a.ends_on FROM booking_assignments a
 WHERE a.hostel_id = $1 AND a.active AND a.starts_on < $3 AND a.ends_on > $2
UNION ALL
SELECT 'block:' || c.scope, c.bed_id, c.room_id, c.starts_on, c.ends_on FROM calendar_blocks c
 WHERE c.hostel_id = $1 AND c.active AND c.starts_on < $3 AND c.ends_on > $2
"""

UNASSIGNED_SQL = """
SELECT b.room_type_id, b.check_in_date, b.check_out_date FROM bookings b
WHERE b.hostel_id = $1 AND b.status IN ('APPROVED', 'CONFIRMED', 'CHECKED_IN')
  AND b.check_in_date < $3 AND b.check_out_date > $2
  AND NOT EXISTS (SELECT 1 FROM booking_assignments a WHERE a.booking_id = b.id AND a.hostel_id = b.hostel_id
                  AND a.active)
"""

HOSTEL_SQL = """
SELECT h.hostel_type,
       (SELECT coalesce(json_object_agg(coalesce(x.room_type_id, 0), x.beds), '{}')
          FROM (SELECT room_type_id, sum(value) AS beds FROM availability_rules
                 WHERE hostel_id = $1 AND active AND rule_type = 'HOLD_BACK_BEDS' GROUP BY room_type_id) x)
FROM hostels h WHERE h.id = $1
"""


async def snapshot(run: Run, hostel_id: int, start: dt.date, end: dt.date, room_type_id: int | None = None) -> Snapshot:
    """Everything needed to answer availability questions for [start, end) in four statements."""
    hostel = await run(HOSTEL_SQL, [hostel_id])
    hostel_type = hostel[0][0] if hostel else "CO_ED"
    hold_back = {
        int(k): int(v)
        for k, v in (
            json.loads(hostel[0][1]) if hostel and isinstance(hostel[0][1], str) else (hostel[0][1] if hostel else {})
        ).items()
    }
    beds = {
        r[0]: BedInfo(r[0], r[1], r[2], r[3], r[4], Decimal(r[5]), r[6], r[7], r[8])
        for r in await run(BEDS_SQL, [hostel_id, room_type_id])
    }
    snap = Snapshot(hostel_id, start, end, hostel_type, beds, hold_back=hold_back)
    for kind, bed_id, room_id, s, e in await run(HOLDS_SQL, [hostel_id, start, end]):
        e = e or OPEN_END
        if kind == "block:HOSTEL":
            snap.hostel_blocks.append((s, e))
        elif kind == "block:ROOM":
            snap.room_blocks.setdefault(room_id, []).append((s, e))
        else:
            snap.add_hold(bed_id, s, e, kind)
    snap.unassigned = [(r[0], r[1], r[2]) for r in await run(UNASSIGNED_SQL, [hostel_id, start, end])]
    return snap


async def alternatives(
    run: Run, hostel_id: int, start: dt.date, end: dt.date, gender: str | None, exclude_room_type: int | None = None
) -> list[dict[str, Any]]:
    """Room types of the hostel with a bed free for the whole stay (rejection suggestions)."""
    snap = await snapshot(run, hostel_id, start, end)
    types = await run(
        "SELECT id, name, base_price_monthly FROM room_type_definitions WHERE hostel_id = $1 AND active "
        "ORDER BY base_price_monthly, id",
        [hostel_id],
    )
    found = []
    for type_id, name, price in types:
        if type_id == exclude_room_type:
            continue
        free = snap.min_free(type_id, start, end, gender)
        if free > 0:
            found.append({"roomTypeId": type_id, "name": name, "freeBeds": free, "monthlyRent": str(price)})
    return found
