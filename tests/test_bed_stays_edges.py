"""One bed, stays at its edges (seed 000: a bed holds one stay at a time, [check-in, check-out)).

The application checks a bed is free before holding it, and the database's exclusion
constraint stands behind it; these tests pin the application's check from the outside:
a stay that starts on the day another ends takes the same bed; a stay that overlaps by one
night is refused by the application (CONFLICT, with the AssignmentConflict record only the
application writes), not by the constraint."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.booking_world import (
    World,
    active_beds,
    add_months,
    add_room_type,
    booking,
    booking_input,
    call,
    create,
    make_world,
    today,
)


@pytest.fixture
async def one_bed(db, client) -> World:
    w = await make_world(db, client)
    await add_room_type(db, w, "ONE", beds=2)  # the second bed lets an overlapping booking be made at all
    return w


async def _conflicts_of(world: World, booking_id: str) -> list[dict]:
    edges = (
        await world.admin("""{ assignmentConflicts(first: 50) { edges { node { conflictType
        booking { id } bed { id } } } } }""")
    )["data"]["assignmentConflicts"]["edges"]
    return [e["node"] for e in edges if e["node"]["booking"] and e["node"]["booking"]["id"] == booking_id]


async def test_back_to_back_stays_share_a_bed_and_one_night_of_overlap_does_not(one_bed: World) -> None:
    w, bed = one_bed, one_bed.bed("ONE", 0)
    start = today() + dt.timedelta(days=10)
    first = await create(w.admin, booking_input(w, "ONE", start=start, months=2))
    assert (await call(w.admin, "bookingApprove", {"id": first["id"], "bedId": bed}))["errors"] == []
    ends = add_months(start, 2)
    assert first["checkOutDate"] == ends.isoformat()

    # starts the day the first one leaves: the same bed
    after = await create(w.admin, booking_input(w, "ONE", start=ends, months=1))
    moved = await call(w.admin, "bookingApprove", {"id": after["id"], "bedId": bed})
    assert moved["errors"] == [] and active_beds(moved["booking"]) == [bed]

    # one night inside the first stay: refused by the application, which records the conflict
    overlapping = await create(w.admin, booking_input(w, "ONE", start=ends - dt.timedelta(days=1), months=1))
    refused = await call(w.admin, "bookingApprove", {"id": overlapping["id"], "bedId": bed})
    assert [e["code"] for e in refused["errors"]] == ["CONFLICT"]
    assert (await booking(w.admin, overlapping["id"]))["status"] == "PENDING"
    recorded = await _conflicts_of(w, overlapping["id"])
    assert [(c["conflictType"], c["bed"]["id"]) for c in recorded] == [("DOUBLE_BOOKING", bed)]


async def test_the_rule_picks_the_free_bed_not_the_held_one(one_bed: World) -> None:
    """Approval without a named bed: the application's check keeps the held bed out of the
    choice (were it gone, the pick would hit the database's constraint and refuse instead)."""
    w = one_bed
    start = today() + dt.timedelta(days=10)
    first = await create(w.admin, booking_input(w, "ONE", start=start, months=2))
    assert (await call(w.admin, "bookingApprove", {"id": first["id"], "bedId": w.bed("ONE", 0)}))["errors"] == []
    second = await create(w.admin, booking_input(w, "ONE", start=start + dt.timedelta(days=5), months=1))
    picked = await call(w.admin, "bookingApprove", {"id": second["id"]})
    assert picked["errors"] == [] and active_beds(picked["booking"]) == [w.bed("ONE", 1)]
