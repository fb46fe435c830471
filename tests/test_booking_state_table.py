"""The booking lifecycle as a table, not a path (seed 000 booking.py): every status × every staff
action. The expected moves are written out here by hand, from the seed, not read from the code:
an allowed move succeeds and writes one history row; every other pair is refused and changes
nothing (status, history and held beds stay as they were).

    PENDING -> APPROVED | REJECTED | CANCELLED
    APPROVED -> CONFIRMED | CANCELLED | NO_SHOW
    CONFIRMED -> CHECKED_IN | CANCELLED | NO_SHOW
    CHECKED_IN -> COMPLETED
    COMPLETED, REJECTED, NO_SHOW, CANCELLED: final
"""

from __future__ import annotations

from typing import Any

import pytest

from kit.ids import decode_gid
from tests.booking_world import (
    World,
    active_beds,
    add_room_type,
    booking,
    booking_input,
    call,
    create,
    make_world,
    statuses,
    today,
)

# action -> (its input beyond the id, the status it moves to)
ACTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "bookingApprove": ({}, "APPROVED"),
    "bookingReject": ({"reasonCode": "OTHER", "reason": "table test"}, "REJECTED"),
    "bookingConfirm": ({"advancePaid": "9000.00"}, "CONFIRMED"),
    "bookingCheckIn": ({}, "CHECKED_IN"),
    "bookingComplete": ({}, "COMPLETED"),
    "bookingMarkNoShow": ({}, "NO_SHOW"),
    "bookingCancel": ({"reason": "table test"}, "CANCELLED"),
}
# status -> the actions that move it (by hand, from the seed's lifecycle)
ALLOWED: dict[str, set[str]] = {
    "PENDING": {"bookingApprove", "bookingReject", "bookingCancel"},
    "APPROVED": {"bookingConfirm", "bookingCancel", "bookingMarkNoShow"},
    "CONFIRMED": {"bookingCheckIn", "bookingCancel", "bookingMarkNoShow"},
    "CHECKED_IN": {"bookingComplete"},
    "COMPLETED": set(),
    "REJECTED": set(),
    "NO_SHOW": set(),
    "CANCELLED": set(),
}
# how to reach each status through the API
PATHS: dict[str, list[str]] = {
    "PENDING": [],
    "APPROVED": ["bookingApprove"],
    "CONFIRMED": ["bookingApprove", "bookingConfirm"],
    "CHECKED_IN": ["bookingApprove", "bookingConfirm", "bookingCheckIn"],
    "COMPLETED": ["bookingApprove", "bookingConfirm", "bookingCheckIn", "bookingComplete"],
    "REJECTED": ["bookingReject"],
    "NO_SHOW": ["bookingApprove", "bookingMarkNoShow"],
    "CANCELLED": ["bookingCancel"],
}


@pytest.fixture
async def table_world(db, client) -> World:
    w = await make_world(db, client)
    await add_room_type(db, w, "TBL", beds=2, rooms=4)  # a bed for every booking one status's row holds at once
    return w


async def _booking_in(world: World, db: Any, status: str) -> dict[str, Any]:
    b = await create(world.admin, booking_input(world, "TBL"))
    async with db.acquire() as conn:  # the stay starts today: check-in and no-show are due (arranging only)
        await conn.execute("UPDATE bookings SET check_in_date = $2 WHERE id = $1", decode_gid(b["id"])[1], today())
    for action in PATHS[status]:
        extra, _ = ACTIONS[action]
        moved = await call(world.admin, action, {"id": b["id"], **extra})
        assert moved["errors"] == [], (status, action, moved["errors"])
    now = await booking(world.admin, b["id"])
    assert now["status"] == status
    return now


@pytest.mark.parametrize("status", list(ALLOWED))
async def test_every_action_from_every_status(table_world: World, db, status: str) -> None:
    for action, (extra, target) in ACTIONS.items():
        before = await _booking_in(table_world, db, status)
        result = await call(table_world.admin, action, {"id": before["id"], **extra})
        after = await booking(table_world.admin, before["id"])
        if action in ALLOWED[status]:
            assert result["errors"] == [], f"{status} --{action}--> should move: {result['errors']}"
            assert after["status"] == target
            assert statuses(after) == [*statuses(before), target], "each move writes one history row"
        else:
            assert result["errors"], f"{status} --{action}--> must be refused, it moved to {after['status']}"
            assert after["status"] == status and statuses(after) == statuses(before), "a refusal changes nothing"
            assert active_beds(after) == active_beds(before)
