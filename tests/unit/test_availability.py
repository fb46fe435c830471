"""Bed availability and double-booking of one hostel (resolvers/hostel/availability.py) without a
database: the snapshot's answers over hand-built beds, holds and blocks. Dates are half-open: a
stay [check_in, check_out) frees its bed on the check-out day, so back-to-back stays share a
bed. Expected numbers are counted by hand in the comments. The HTTP side is tests/test_rooms.py,
tests/test_booking_*.py and tests/test_bed_stays_edges.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from resolvers.hostel import availability as av

D = dt.date
START, END = D(2026, 6, 1), D(2026, 6, 11)


def bed(
    id: int,
    room: int,
    number: str,
    floor: int,
    room_type: int,
    capacity: int,
    max_occupants: int,  # noqa: A002
    rule: str = "ANY",
) -> av.BedInfo:
    return av.BedInfo(id, room, number, floor, room_type, Decimal("5000.00"), capacity, max_occupants, rule)


def world(hostel_type: str = "CO_ED") -> av.Snapshot:
    """Room A1 (floor 1): beds 101, 102 of type 10, for anyone. Room B1 (floor 0): beds 201-203
    of type 10, men only, at most 2 occupants. Room C1: bed 301 of type 20, women only."""
    beds = [
        bed(101, 1, "A1", 1, 10, 2, 2),
        bed(102, 1, "A1", 1, 10, 2, 2),
        bed(201, 2, "B1", 0, 10, 3, 2, "MALE_ONLY"),
        bed(202, 2, "B1", 0, 10, 3, 2, "MALE_ONLY"),
        bed(203, 2, "B1", 0, 10, 3, 2, "MALE_ONLY"),
        bed(301, 3, "C1", 1, 20, 1, 1, "FEMALE_ONLY"),
    ]
    return av.Snapshot(7, START, END, hostel_type, {b.id: b for b in beds})


def test_days_are_half_open() -> None:
    assert av.days(D(2026, 6, 1), D(2026, 6, 4)) == [D(2026, 6, 1), D(2026, 6, 2), D(2026, 6, 3)]
    assert av.days(D(2026, 6, 1), D(2026, 6, 1)) == []


@pytest.mark.parametrize(
    ("start", "end", "free"),
    [
        (D(2026, 6, 5), D(2026, 6, 8), True),  # begins on the hold's check-out day: back to back
        (D(2026, 5, 28), D(2026, 6, 1), True),  # ends on the hold's check-in day
        (D(2026, 6, 4), D(2026, 6, 6), False),  # shares 4 June
        (D(2026, 5, 28), D(2026, 6, 2), False),  # shares 1 June
        (D(2026, 6, 2), D(2026, 6, 3), False),  # inside
        (D(2026, 5, 1), D(2026, 7, 1), False),  # around
        (D(2026, 6, 6), D(2026, 6, 9), True),  # well after
        (D(2026, 5, 20), D(2026, 5, 25), True),  # well before
    ],
)
def test_bed_free_against_a_hold(start: dt.date, end: dt.date, free: bool) -> None:
    snap = world()
    snap.add_hold(101, D(2026, 6, 1), D(2026, 6, 5), "booking")
    assert snap.bed_free(101, start, end) is free
    assert snap.bed_free(102, start, end) is True  # the other bed of the room
    # one-day questions inside the window go through the day index: same answers
    for day in av.days(max(start, START), min(end, END)):
        assert snap._taken_on(101, day) is (D(2026, 6, 1) <= day < D(2026, 6, 5))


def test_unknown_or_unbookable_bed_is_never_free() -> None:
    assert world().bed_free(999, START, END) is False


def test_holds_outside_the_window_are_read_from_the_ranges() -> None:
    snap = world()
    snap.add_hold(102, D(2026, 7, 1), D(2026, 7, 3), "resident")
    assert snap._taken_on(102, D(2026, 7, 1)) is True
    assert snap._taken_on(102, D(2026, 7, 2)) is True
    assert snap._taken_on(102, D(2026, 7, 3)) is False
    assert snap._taken_on(102, D(2026, 6, 30)) is False


def test_room_and_hostel_blocks() -> None:
    snap = world()
    snap.room_blocks[1] = [(D(2026, 6, 3), D(2026, 6, 4))]
    snap.hostel_blocks.append((D(2026, 6, 9), D(2026, 6, 10)))
    assert snap.bed_free(102, D(2026, 6, 1), D(2026, 6, 3)) is True
    assert snap.bed_free(102, D(2026, 6, 3), D(2026, 6, 4)) is False  # one day: the day index
    assert snap.bed_free(102, D(2026, 6, 2), D(2026, 6, 5)) is False  # a range: the block ranges
    assert snap.bed_free(102, D(2026, 6, 4), D(2026, 6, 9)) is True
    assert snap.bed_free(201, D(2026, 6, 3), D(2026, 6, 4)) is True  # another room
    assert snap.bed_free(201, D(2026, 6, 9), D(2026, 6, 10)) is False  # the hostel block
    assert snap.bed_free(201, D(2026, 6, 8), D(2026, 6, 10)) is False
    assert snap.bed_free(201, D(2026, 6, 10), D(2026, 6, 12)) is True
    assert snap.bed_free(201, D(2026, 6, 11), D(2026, 6, 13)) is True  # well after the blocks
    assert snap.bed_free(201, D(2026, 6, 1), D(2026, 6, 3)) is True  # well before
    assert snap.bed_free(102, D(2026, 6, 5), D(2026, 6, 8)) is True  # between A1's block and the hostel's
    # the day a block ends is free again (one-day questions: the day index)
    assert snap.bed_free(201, D(2026, 6, 10), D(2026, 6, 11)) is True
    assert snap.bed_free(102, D(2026, 6, 4), D(2026, 6, 5)) is True
    assert snap.bed_free(102, D(2026, 6, 2), D(2026, 6, 3)) is True
    # one day outside the window: the ranges decide
    snap.hostel_blocks.append((D(2026, 6, 20), D(2026, 6, 21)))
    assert snap.bed_free(201, D(2026, 6, 20), D(2026, 6, 21)) is False
    assert snap.bed_free(201, D(2026, 6, 21), D(2026, 6, 22)) is True
    assert snap.free_on(D(2026, 6, 3), 10, public=False) == 2  # room A1 blocked: B1's 2 occupants
    assert snap.free_on(D(2026, 6, 9), 10, public=False) == 0


@pytest.mark.parametrize(
    ("hostel_type", "rule", "gender", "allowed"),
    [
        ("CO_ED", "ANY", None, True),
        ("CO_ED", "ANY", "MALE", True),
        ("CO_ED", "ANY", "FEMALE", True),
        ("CO_ED", "MALE_ONLY", "MALE", True),
        ("CO_ED", "MALE_ONLY", "FEMALE", False),
        ("CO_ED", "FEMALE_ONLY", "FEMALE", True),
        ("CO_ED", "FEMALE_ONLY", "MALE", False),
        ("BOYS", "ANY", "MALE", True),
        ("BOYS", "ANY", "FEMALE", False),
        ("GIRLS", "ANY", "FEMALE", True),
        ("GIRLS", "ANY", "MALE", False),
        ("BOYS", "FEMALE_ONLY", "MALE", False),
    ],
)
def test_gender_rules(hostel_type: str, rule: str, gender: str | None, allowed: bool) -> None:
    snap = world(hostel_type)
    assert snap.gender_allows(bed(1, 1, "X", 0, 10, 1, 1, rule), gender) is allowed


def test_free_on_counts_beds_rooms_limits_claims_and_hold_back() -> None:
    snap = world()
    day = D(2026, 6, 2)
    # A1: 2 beds; B1: 3 beds but at most 2 occupants -> 2; type 10: 4. Type 20: bed 301.
    assert snap.free_on(day, 10) == 4
    assert snap.free_on(day, 20) == 1
    assert snap.total_beds(10) == 5 and snap.total_beds(20) == 1 and snap.total_beds(30) == 0
    assert snap.free_on(day, 10, "FEMALE") == 2  # B1 is for men
    assert snap.free_on(day, 20, "MALE") == 0
    snap.add_hold(101, D(2026, 6, 1), D(2026, 6, 5), "booking")
    snap.add_hold(201, D(2026, 6, 1), D(2026, 6, 3), "resident")
    # A1: 102 -> 1; B1: 202, 203 free but one of 2 occupants taken -> 1
    assert snap.free_on(day, 10) == 2
    assert snap.free_on(D(2026, 6, 3), 10) == 3  # 201 left on the 3rd: B1 back to 2
    assert snap.free_on(D(2026, 6, 5), 10) == 4  # 101 left on the 5th
    snap.unassigned = [(10, D(2026, 6, 2), D(2026, 6, 4)), (20, D(2026, 6, 1), D(2026, 6, 11))]
    assert snap.free_on(day, 10) == 1  # an approved booking without a bed claims one
    assert snap.free_on(D(2026, 6, 4), 10) == 3  # its check-out day: no claim (101 is held until the 5th)
    assert snap.free_on(D(2026, 6, 1), 10) == 2  # before its check-in day (A1: 102; B1: 1)
    snap.hold_back = {10: 1}
    assert snap.free_on(day, 10) == 0  # public: the held-back bed is not offered
    assert snap.free_on(day, 10, public=False) == 1
    assert snap.free_on(day, 20) == 0
    snap.hold_back = {10: 5}
    assert snap.free_on(day, 10) == 0  # never negative
    assert snap.min_free(10, D(2026, 6, 1), D(2026, 6, 6), public=False) == 1
    assert snap.min_free(10, D(2026, 6, 5), D(2026, 6, 5)) == 0  # no day at all


def test_min_free_is_the_tightest_day() -> None:
    snap = world()
    snap.add_hold(101, D(2026, 6, 3), D(2026, 6, 4), "booking")
    snap.add_hold(102, D(2026, 6, 3), D(2026, 6, 6), "booking")
    assert snap.min_free(10, D(2026, 6, 1), D(2026, 6, 3)) == 4
    assert snap.min_free(10, D(2026, 6, 1), D(2026, 6, 4)) == 2
    assert snap.min_free(10, D(2026, 6, 4), D(2026, 6, 8)) == 3
    assert snap.min_free(10, D(2026, 6, 6), D(2026, 6, 8)) == 4


def test_a_room_at_its_occupancy_limit_has_no_space() -> None:
    snap = world()
    snap.add_hold(201, D(2026, 6, 1), D(2026, 6, 11), "resident")
    snap.add_hold(202, D(2026, 6, 5), D(2026, 6, 11), "resident")
    b203 = snap.beds[203]
    assert snap.bed_free(203, D(2026, 6, 1), D(2026, 6, 5)) is True
    assert snap._room_has_space(b203, D(2026, 6, 1), D(2026, 6, 5)) is True  # 1 of 2 occupants
    assert snap._room_has_space(b203, D(2026, 6, 4), D(2026, 6, 6)) is False  # 2 of 2 on the 5th
    assert snap._room_has_space(snap.beds[101], D(2026, 6, 1), D(2026, 6, 11)) is True  # no limit
    assert snap._room_taken_on(2, D(2026, 6, 5)) == 2 and snap._room_taken_on(2, D(2026, 6, 4)) == 1


@pytest.mark.parametrize(
    ("holds", "strategy", "gender", "lower", "chosen"),
    [
        ([], "FILL_ROOMS", "MALE", False, 101),  # nothing taken: room order
        ([201], "FILL_ROOMS", "MALE", False, 202),  # complete the partly taken B1 first
        ([201], "SPREAD", "MALE", False, 101),  # the emptiest room
        ([101, 201], "SPREAD", "MALE", False, 102),  # both rooms have one: room order
        ([201], "FIRST_FIT", "MALE", False, 101),
        ([], "FIRST_FIT", "MALE", True, 201),  # B1 is on floor 0
        ([], "FILL_ROOMS", "MALE", True, 201),
        ([201], "SPREAD", "MALE", True, 202),  # the floor first, then the spread
        ([], "FILL_ROOMS", "FEMALE", False, 101),  # B1 is for men
        ([101], "FIRST_FIT", "FEMALE", True, 102),
        ([101, 102], "FIRST_FIT", "FEMALE", False, None),
        ([101, 102, 201, 202], "FIRST_FIT", "MALE", False, None),  # 203 free, but B1 is at its limit
    ],
)
def test_pick_bed(holds: list[int], strategy: str, gender: str, lower: bool, chosen: int | None) -> None:
    snap = world()
    for bed_id in holds:
        snap.add_hold(bed_id, START, END, "booking")
    assert snap.pick_bed(10, START, END, gender, strategy, lower) == chosen


def test_pick_bed_only_takes_a_bed_free_for_the_whole_stay() -> None:
    snap = world()
    for bed_id in (102, 201, 202):
        snap.add_hold(bed_id, START, END, "booking")
    snap.add_hold(101, D(2026, 6, 10), D(2026, 6, 12), "booking")
    assert snap.pick_bed(10, START, END, "MALE") is None  # 101 is taken on the 10th, B1 at its limit
    assert snap.pick_bed(10, START, D(2026, 6, 10), "MALE") == 101
    assert snap.pick_bed(20, START, END, "FEMALE") == 301


def test_the_day_index_follows_new_holds() -> None:
    snap = world()
    assert snap.free_on(D(2026, 6, 2), 20) == 1
    snap.add_hold(301, D(2026, 6, 2), D(2026, 6, 3), "booking")
    assert snap.free_on(D(2026, 6, 2), 20) == 0


def test_snapshot_reads_the_four_statements() -> None:
    answers = {
        av.HOSTEL_SQL: [("BOYS", '{"10": 2, "0": 1}')],
        av.BEDS_SQL: [(101, 1, "A1", 1, 10, "4500.50", 2, 2, "ANY"), (102, 1, "A1", 1, 10, "4500.50", 2, 2, "ANY")],
        av.HOLDS_SQL: [
            ("resident", 101, None, D(2026, 5, 1), None),
            ("booking", 102, None, D(2026, 6, 2), D(2026, 6, 4)),
            ("block:ROOM", None, 1, D(2026, 6, 8), D(2026, 6, 9)),
            ("block:HOSTEL", None, None, D(2026, 6, 10), D(2026, 6, 11)),
            ("block:BED", 102, None, D(2026, 6, 6), D(2026, 6, 7)),
        ],
        av.UNASSIGNED_SQL: [(10, D(2026, 6, 1), D(2026, 6, 3))],
    }
    calls = []

    async def run(sql: str, params: list) -> list:
        calls.append(params)
        return answers[sql]

    import asyncio

    snap = asyncio.run(av.snapshot(run, 7, START, END, 10))
    assert calls == [[7], [7, 10], [7, START, END], [7, START, END]]
    assert snap.hostel_type == "BOYS" and snap.hold_back == {10: 2, 0: 1}
    assert snap.beds[101] == av.BedInfo(101, 1, "A1", 1, 10, Decimal("4500.50"), 2, 2, "ANY")
    assert snap.bed_holds == {
        101: [(D(2026, 5, 1), av.OPEN_END, "resident")],
        102: [(D(2026, 6, 2), D(2026, 6, 4), "booking"), (D(2026, 6, 6), D(2026, 6, 7), "block:BED")],
    }
    assert snap.room_blocks == {1: [(D(2026, 6, 8), D(2026, 6, 9))]}
    assert snap.hostel_blocks == [(D(2026, 6, 10), D(2026, 6, 11))]
    assert snap.unassigned == [(10, D(2026, 6, 1), D(2026, 6, 3))]

    answers[av.HOSTEL_SQL] = [("GIRLS", {"10": 1})]  # the driver may hand JSON over decoded
    assert asyncio.run(av.snapshot(run, 7, START, END)).hold_back == {10: 1}
    answers[av.HOSTEL_SQL] = []  # no such hostel: nothing held back, no gender rule of the hostel
    empty = asyncio.run(av.snapshot(run, 7, START, END))
    assert empty.hostel_type == "CO_ED" and empty.hold_back == {}


def test_alternatives_lists_other_room_types_with_a_bed_for_the_whole_stay() -> None:
    answers = {
        av.HOSTEL_SQL: [("CO_ED", "{}")],
        av.BEDS_SQL: [
            (101, 1, "A1", 1, 10, "4000", 1, 1, "ANY"),
            (201, 2, "B1", 1, 20, "6000", 2, 2, "ANY"),
            (202, 2, "B1", 1, 20, "6000", 2, 2, "ANY"),
            (301, 3, "C1", 1, 30, "3000", 1, 1, "ANY"),
        ],
        av.HOLDS_SQL: [("booking", 301, None, D(2026, 6, 5), D(2026, 6, 6))],
        av.UNASSIGNED_SQL: [],
    }

    async def run(sql: str, params: list) -> list:
        if sql in answers:
            return answers[sql]
        assert "FROM room_type_definitions" in sql and params == [7]
        return [(30, "Single", Decimal("3000")), (10, "Solo", Decimal("4000")), (20, "Twin", Decimal("6000"))]

    import asyncio

    found = asyncio.run(av.alternatives(run, 7, START, END, None, exclude_room_type=10))
    assert found == [{"roomTypeId": 20, "name": "Twin", "freeBeds": 2, "monthlyRent": "6000"}]
    assert [f["roomTypeId"] for f in asyncio.run(av.alternatives(run, 7, START, END, None))] == [10, 20]


def test_the_days_just_outside_the_window() -> None:
    """The day index covers [start, end) only: the days on either side are read from the ranges."""
    snap = world()
    before, last, after = START - dt.timedelta(days=1), END - dt.timedelta(days=1), END
    snap.add_hold(101, D(2026, 5, 20), D(2026, 7, 1), "resident")
    snap.hostel_blocks.append((after, after + dt.timedelta(days=1)))
    snap.room_blocks[2] = [(before, START)]
    for day in (before, START, last, after):
        assert snap._taken_on(101, day) is True
        assert snap._taken_on(102, day) is False
    assert snap.bed_free(102, after, after + dt.timedelta(days=1)) is False  # the hostel block
    assert snap.bed_free(102, last, after) is True
    assert snap.bed_free(201, before, START) is False  # the room block
    assert snap.bed_free(201, START, START + dt.timedelta(days=1)) is True
    assert snap.bed_free(102, before, START) is True


def test_bed_info_is_a_frozen_value() -> None:
    from dataclasses import FrozenInstanceError

    info = world().beds[101]
    with pytest.raises(FrozenInstanceError):
        info.max_occupants = 9  # type: ignore[misc]


def test_an_occupancy_limit_below_capacity_counts_what_is_left() -> None:
    """Room D1: 4 beds, at most 3 occupants. One taken: 2 more; two taken: 1 more."""
    beds = {i: bed(i, 4, "D1", 0, 10, 4, 3) for i in (401, 402, 403, 404)}
    snap = av.Snapshot(7, START, END, "CO_ED", beds)
    assert snap.free_on(START, 10) == 3
    snap.add_hold(401, START, END, "resident")
    assert snap.free_on(START, 10) == 2
    snap.add_hold(402, START, END, "resident")
    assert snap.free_on(START, 10) == 1
    snap.add_hold(403, START, END, "resident")
    assert snap.free_on(START, 10) == 0


def test_claims_count_against_their_own_room_type_only() -> None:
    snap = world()
    snap.unassigned = [(3, START, END), (20, START, END)]  # other types, below and above 10
    assert snap.free_on(START, 10) == 4


def test_alternatives_compare_room_types_by_value() -> None:
    big = int("700000")
    answers = {
        av.HOSTEL_SQL: [("CO_ED", "{}")],
        av.BEDS_SQL: [(101, 1, "A1", 1, big, "4000", 1, 1, "ANY")],
        av.HOLDS_SQL: [],
        av.UNASSIGNED_SQL: [],
    }

    async def run(sql: str, params: list) -> list:
        return answers[sql] if sql in answers else [(int("700000"), "Solo", Decimal("4000"))]

    import asyncio

    assert asyncio.run(av.alternatives(run, 7, START, END, None, exclude_room_type=big)) == []
    assert len(asyncio.run(av.alternatives(run, 7, START, END, None, exclude_room_type=int("700001")))) == 1


def test_the_strategy_is_compared_by_value() -> None:
    """The strategy may come from anywhere (a rule row, JSON): a string equal to "SPREAD" but not
    the same object spreads as well. A1 has one bed taken, B1 none: SPREAD takes B1's first bed,
    FILL_ROOMS completes A1, SAME_INSTITUTION (no resident data here) takes room and bed order."""
    snap = world()
    snap.add_hold(101, START, END, "booking")
    spread = "".join(["SPR", "EAD"])
    fill = "".join(["FILL_", "ROOMS"])
    assert snap.pick_bed(10, START, END, "MALE", spread) == 201
    assert snap.pick_bed(10, START, END, "MALE", fill) == 102
    assert snap.pick_bed(10, START, END, "MALE", "SAME_INSTITUTION") == 102
    other = world()
    other.add_hold(201, START, END, "booking")  # B1 partly taken: FILL_ROOMS completes it
    assert other.pick_bed(10, START, END, "MALE", fill) == 202


def test_fill_rooms_prefers_the_fullest_room() -> None:
    """Three rooms of type 10 with 4 beds each: E1 has 1 taken, E2 has 2 taken, E3 none.
    FILL_ROOMS completes E2 (the fullest) first; SPREAD starts on E3 (the emptiest)."""
    beds = {}
    for room, number in ((5, "E1"), (6, "E2"), (7, "E3")):
        for i in range(1, 5):
            beds[room * 100 + i] = bed(room * 100 + i, room, number, 0, 10, 4, 4)
    snap = av.Snapshot(7, START, END, "CO_ED", beds)
    for bed_id in (501, 601, 602):
        snap.add_hold(bed_id, START, END, "resident")
    assert snap.pick_bed(10, START, END, None, "FILL_ROOMS") == 603
    assert snap.pick_bed(10, START, END, None, "SPREAD") == 701
    assert snap.pick_bed(10, START, END, None, "FIRST_FIT") == 502


def test_a_hostel_block_of_several_days_closes_each_of_them() -> None:
    """A hostel block from before the window to 4 June, another over 8-10 June: every one of
    those days is closed, asked one day at a time (the day index) or as a range."""
    snap = world()
    snap.hostel_blocks.append((D(2026, 5, 30), D(2026, 6, 4)))
    snap.hostel_blocks.append((D(2026, 6, 8), D(2026, 6, 11)))
    closed = {D(2026, 6, 1), D(2026, 6, 2), D(2026, 6, 3), D(2026, 6, 8), D(2026, 6, 9), D(2026, 6, 10)}
    for day in av.days(START, END):
        assert snap.bed_free(101, day, day + av.ONE_DAY) is (day not in closed), day
        assert snap.free_on(day, 20) == (0 if day in closed else 1), day
    assert snap.bed_free(101, D(2026, 6, 4), D(2026, 6, 8)) is True
    assert snap.bed_free(101, D(2026, 6, 4), D(2026, 6, 9)) is False


def test_a_room_block_of_several_days_closes_each_of_them() -> None:
    snap = world()
    snap.room_blocks[1] = [(D(2026, 5, 30), D(2026, 6, 3))]
    for day in av.days(START, END):
        assert snap.bed_free(102, day, day + av.ONE_DAY) is (day >= D(2026, 6, 3)), day
    assert snap.free_on(D(2026, 6, 2), 10, public=False) == 2  # B1 only (its limit of 2)
    assert snap.free_on(D(2026, 6, 3), 10, public=False) == 4


def test_snapshot_keeps_capacity_and_occupancy_limit_apart() -> None:
    """Room F1: 3 beds (capacity 3), at most 1 occupant: read from the statements, the limit is
    what free_on applies (1 bed free, not 3)."""
    answers = {
        av.HOSTEL_SQL: [("CO_ED", "{}")],
        av.BEDS_SQL: [(i, 8, "F1", 2, 10, "3000", 3, 1, "FEMALE_ONLY") for i in (801, 802, 803)],
        av.HOLDS_SQL: [],
        av.UNASSIGNED_SQL: [],
    }

    async def run(sql: str, params: list) -> list:
        return answers[sql]

    import asyncio

    snap = asyncio.run(av.snapshot(run, 7, START, END))
    info = snap.beds[802]
    assert (info.capacity, info.max_occupants, info.gender_rule) == (3, 1, "FEMALE_ONLY")
    assert (info.room_id, info.room_number, info.floor, info.room_type_id) == (8, "F1", 2, 10)
    assert snap.free_on(START, 10) == 1
    assert snap.free_on(START, 10, "MALE") == 0


def test_room_types_genders_and_rules_are_compared_by_value() -> None:
    """Values read from the database are equal to, not the same objects as, the ones asked with:
    room type 700000, gender "MALE", rule "ANY" and "MALE_ONLY" built at run time."""
    big = int("700000")
    male, any_rule, male_only = "".join(["MA", "LE"]), "".join(["AN", "Y"]), "".join(["MALE_", "ONLY"])
    beds = {1: bed(1, 1, "G1", 0, big, 1, 1, any_rule), 2: bed(2, 2, "G2", 0, big, 1, 1, male_only)}
    snap = av.Snapshot(7, START, END, "BOYS", beds)
    snap.unassigned = [(int("700000"), START, END)]
    assert snap.total_beds(int("700000")) == 2
    assert snap.free_on(START, int("700000"), male) == 1  # 2 beds, 1 claimed
    assert snap.pick_bed(int("700000"), START, END, male, "FIRST_FIT") == 1


def test_a_bed_another_gender_cannot_take_does_not_hide_the_next_ones() -> None:
    """Type 10 in listing order: B1's men-only beds first, then A1's: a woman still finds A1's 2."""
    snap = world()
    snap.beds = {k: snap.beds[k] for k in (201, 202, 203, 101, 102, 301)}
    assert snap.free_on(START, 10, "FEMALE") == 2


def test_min_free_is_public_unless_told_otherwise() -> None:
    snap = world()
    snap.hold_back = {10: 1}
    assert snap.min_free(10, START, END) == 3  # 4 free, 1 held back
    assert snap.min_free(10, START, END, public=False) == 4


def test_a_room_over_its_limit_offers_nothing_and_takes_nothing_from_others() -> None:
    """B1's limit is 2 but 3 residents live there (the limit was lowered after): B1 offers 0, A1 its 2."""
    beds = {i: bed(i, 2, "B1", 0, 10, 4, 2) for i in (201, 202, 203, 204)}
    beds.update({101: bed(101, 1, "A1", 1, 10, 2, 2), 102: bed(102, 1, "A1", 1, 10, 2, 2)})
    snap = av.Snapshot(7, START, END, "CO_ED", beds)
    for bed_id in (201, 202, 203):
        snap.add_hold(bed_id, START, END, "resident")
    assert snap.free_on(START, 10) == 2
