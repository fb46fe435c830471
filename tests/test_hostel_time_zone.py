"""Hostels keep a time zone, and every hostel date rule uses the hostel's local "today"
(issue 10, item 14d).

Two hostels at the ends of the clock: Pacific/Kiritimati (UTC+14) and Etc/GMT+12 (UTC-12). Their
local dates are 26 hours apart, so at any instant they differ, and UTC's date equals at most one
of them: each test below fails under UTC's date whatever the time of day it runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kit.clock import today_in
from tests.booking_world import World, add_room_type, booking_input, call, make_world
from tests.hostel_setup import checked_in_booking

EAST, WEST = "Pacific/Kiritimati", "Etc/GMT+12"

UPDATE = """mutation($i: HostelUpdateInput!) { hostelUpdate(input: $i) { hostel { id timeZone } errors { code field message } } }"""
ZONE = "query($id: ID!) { node(id: $id) { ... on Hostel { timeZone } } }"
OCCUPANCY = "{ hostelOccupancy { date } }"
CREATE = """mutation($i: BookingCreateInput!) { bookingCreate(input: $i) { booking { id checkInDate }
  errors { code field message } } }"""


async def zoned_world(db: Any, client: Any, zone: str) -> World:
    world = await make_world(db, client)
    payload = (await world.admin(UPDATE, {"i": {"id": world.gid, "timeZone": zone}}))["data"]["hostelUpdate"]
    assert payload["errors"] == [] and payload["hostel"]["timeZone"] == zone, payload
    await add_room_type(db, world, "STD", beds=2, rooms=2)
    return world


async def test_a_hostel_keeps_a_valid_time_zone_set_by_its_admin(db, client):
    world = await make_world(db, client)
    assert (await world.admin(ZONE, {"id": world.gid}))["data"]["node"] == {"timeZone": "Asia/Kolkata"}  # the default
    for bad in ("Mars/Olympus_Mons", "", "UTC+5", "../../etc/passwd"):
        payload = (await world.admin(UPDATE, {"i": {"id": world.gid, "timeZone": bad}}))["data"]["hostelUpdate"]
        assert payload["hostel"] is None and payload["errors"][0]["code"] == "INVALID", (bad, payload)
        assert payload["errors"][0]["field"] == ["input", "timeZone"], payload
    assert (await world.admin(ZONE, {"id": world.gid}))["data"]["node"] == {"timeZone": "Asia/Kolkata"}  # unchanged
    # another hostel's admin cannot change it
    other = (await world.other(UPDATE, {"i": {"id": world.gid, "timeZone": EAST}}))["data"]["hostelUpdate"]
    assert other["errors"][0]["code"] == "NOT_FOUND"
    assert (await world.admin(ZONE, {"id": world.gid}))["data"]["node"] == {"timeZone": "Asia/Kolkata"}


async def test_check_in_opens_on_the_hostels_own_date(db, client):
    """A booking starting on the eastern hostel's today: it checks in there (already that date,
    though UTC may still be a day behind), and is refused in the western hostel (not that date yet)."""
    east_today = today_in(EAST)
    assert today_in(WEST) < east_today
    results = {}
    for zone in (EAST, WEST):
        world = await zoned_world(db, client, zone)
        booking = await checked_in_booking(
            db, world.hostel, world.rt("STD"), world.bed("STD"), status="CONFIRMED", check_in=east_today
        )
        results[zone] = await call(world.supervisor, "bookingCheckIn", {"id": booking["gid"]})
        # the hostel's dashboard reads its own today as well
        assert (await world.admin(OCCUPANCY))["data"]["hostelOccupancy"]["date"] == str(today_in(zone))
    assert results[EAST]["errors"] == [] and results[EAST]["booking"]["status"] == "CHECKED_IN", results[EAST]
    [refused] = results[WEST]["errors"]
    assert refused["code"] == "INVALID" and f"Check-in opens on {east_today}" in refused["message"], refused
    assert results[WEST]["booking"] is None


async def test_a_visitor_books_by_the_hostels_date_not_their_own(db, client):
    """A visitor (no tenant: their own clock is UTC's) books in a hostel: the booking's dates are
    checked against that hostel's today — the western hostel's today is bookable there, and in
    the past at the eastern hostel."""
    west_today = today_in(WEST)
    west = await zoned_world(db, client, WEST)
    east = await zoned_world(db, client, EAST)
    accepted = await west.visitor(CREATE, {"i": booking_input(west, "STD", start=west_today, visitor=True)})
    payload = accepted["data"]["bookingCreate"]
    assert payload["errors"] == [] and payload["booking"]["checkInDate"] == str(west_today), payload
    refused = await east.visitor(CREATE, {"i": booking_input(east, "STD", start=west_today, visitor=True)})
    payload = refused["data"]["bookingCreate"]
    assert payload["booking"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", ["input", "checkInDate"])], payload
    assert "past" in payload["errors"][0]["message"]
    # the waitlist too: joining from the western hostel's today is in the past at the eastern one
    waitlist = """mutation($i: WaitlistJoinInput!) { waitlistJoin(input: $i) { errors { code field } } }"""
    join = {
        "hostelId": east.gid,
        "roomTypeId": east.rt("STD"),
        "fromDate": str(west_today),
        "toDate": str(west_today + dt.timedelta(days=30)),
        "contactName": "Asha",
        "gender": "MALE",
        "contactEmail": "asha@example.com",
    }
    errors = (await east.visitor(waitlist, {"i": join}))["data"]["waitlistJoin"]["errors"]
    assert errors == [{"code": "INVALID", "field": ["input", "fromDate"]}], errors
    ok = await west.visitor(waitlist, {"i": {**join, "hostelId": west.gid, "roomTypeId": west.rt("STD")}})
    assert ok["data"]["waitlistJoin"]["errors"] == []
