"""Residents: conversion from a checked-in booking, transfers, notice, check-out, documents,
profile and preferences, guardians, and what roommates see of one another.

Each test builds its own room type, rooms and beds in the demo hostels (through the API, as
their warden) and its own bookings, so demo rows stay as they are."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kit.ids import encode_gid
from tests.hostel_setup import (
    CHECKLIST_START,
    CONVERT,
    ERR,
    ITEM_COMPLETE,
    checked_in_booking,
    complete_checklist,
    hostel,
    new_user,
    ok,
    pk,
    refused,
    resident,
    room,
    room_type,
    today,
    user_client,
)
from tests.conftest import as_user, unique
from tests.test_files import PDF, multipart

TRANSFER = f"""mutation($i: RoomTransferInput!) {{ roomTransfer(input: $i) {{
  hostelStudent {{ id monthlyRent }} {ERR} }} }}"""
NOTICE = f"""mutation($i: ResidentGiveNoticeInput!) {{ residentGiveNotice(input: $i) {{
  hostelStudent {{ id status noticeGivenOn expectedCheckOutDate }} {ERR} }} }}"""
CHECK_OUT = f"""mutation($i: ResidentCheckOutInput!) {{ residentCheckOut(input: $i) {{
  hostelStudent {{ id status checkOutDate }} {ERR} }} }}"""
DOC_ADD = f"""mutation($i: HostelStudentDocumentAddInput!) {{ hostelStudentDocumentAdd(input: $i) {{
  hostelStudentDocument {{ id documentType fileName verified verifiedAt }} {ERR} }} }}"""
DOC_VERIFY = f"""mutation($i: HostelStudentDocumentVerifyInput!) {{ hostelStudentDocumentVerify(input: $i) {{
  hostelStudentDocument {{ id verified verifiedAt }} {ERR} }} }}"""
STUDENT = """query($id: ID!) { node(id: $id) { ... on HostelStudent { fullName status monthlyRent checkOutDate
  expectedCheckOutDate noticeGivenOn securityDeposit idVerified
  bedAssignments(orderBy: [{field: STARTS_ON}]) { nodes { id status startsOn endsOn monthlyRent checkOutConditionNotes
    bed { id } room { id } } }
  transfers { nodes { transferDate reason oldMonthlyRent newMonthlyRent fromBed { id } toBed { id } fromRoom { id } toRoom { id } } }
  guardians(orderBy: [{field: NAME}]) { nodes { name relation phone isEmergencyContact } }
  documents { nodes { documentType fileName verified } } } } }"""
BEDS = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Bed { id currentStudent { id } } } }"""
HISTORY = """query($s: ID!) { roomAssignmentHistory(filter: {studentId: {eq: $s}}, orderBy: [{field: CREATED_AT}]) {
  nodes { change effectiveOn fromBed { id } toBed { id } } } }"""
BOOKING = """query($id: ID!) { node(id: $id) { ... on Booking { status
  statusHistory(orderBy: [{field: CREATED_AT}]) { nodes { fromStatus toStatus reason } }
  assignments { nodes { active releaseReason } } } } }"""


@pytest.fixture
async def sunrise(db):
    return await hostel(db, "demo-sunrise")


@pytest.fixture
async def lotus(db):
    return await hostel(db, "demo-lotus")


@pytest.fixture
async def warden(client, sunrise):
    return await as_user(client, "warden@sunrise.demo", sunrise["gid"])


@pytest.fixture
async def lotus_warden(client):
    return await as_user(client, "warden@lotus.demo")


async def student(g, gid) -> dict[str, Any]:
    return (await g(STUDENT, {"id": gid}))["data"]["node"]


async def bed_pointers(g, *beds) -> dict[str, str | None]:
    nodes = (await g(BEDS, {"ids": list(beds)}))["data"]["nodes"]
    return {n["id"]: (n["currentStudent"] or {}).get("id") for n in nodes}


def active(assignments) -> list[dict[str, Any]]:
    return [a for a in assignments["nodes"] if a["status"] == "ACTIVE"]


# ---- conversion -------------------------------------------------------------------------------


async def test_conversion_needs_every_checklist_item_then_makes_the_resident(client, warden, db, sunrise):
    email, user_id = await new_user(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1, rent="8000.00")
    booking = await checked_in_booking(db, sunrise["id"], rt, r["beds"][0], booker_user_id=user_id, rent="7600.00")
    convert = {
        "i": {
            "bookingId": booking["gid"],
            "depositCollected": "5000.00",
            "firstRentDueOn": (today() + dt.timedelta(days=5)).isoformat(),
        }
    }
    # no checklist yet
    await refused(warden, CONVERT, convert, "bookingConvert", "INVALID")
    checklist = (await ok(warden, CHECKLIST_START, {"i": {"bookingId": booking["gid"]}}, "conversionChecklistStart"))[
        "conversionChecklist"
    ]
    assert checklist["itemsTotal"] == 5 and checklist["itemsDone"] == 0 and not checklist["completed"]
    assert [i["code"] for i in checklist["items"]["nodes"]] == [
        "IDENTITY_VERIFIED",
        "GUARDIAN_CONTACT_CONFIRMED",
        "RENTAL_AGREEMENT_SIGNED",
        "SECURITY_DEPOSIT_COLLECTED",
        "ROOM_INSPECTED",
    ]
    await refused(warden, CHECKLIST_START, {"i": {"bookingId": booking["gid"]}}, "conversionChecklistStart", "CONFLICT")
    items = checklist["items"]["nodes"]
    for n, item in enumerate(items[:4], start=1):
        done = (await ok(warden, ITEM_COMPLETE, {"i": {"itemId": item["id"]}}, "checklistItemComplete"))[
            "checklistItem"
        ]
        assert done["done"] and done["doneAt"] and done["checklist"] == {"itemsDone": n, "completed": False}
    await refused(warden, ITEM_COMPLETE, {"i": {"itemId": items[0]["id"]}}, "checklistItemComplete", "CONFLICT")
    # one item open: refused, and nothing changed
    payload = await refused(warden, CONVERT, convert, "bookingConvert", "INVALID")
    assert "Room inspected" in payload["errors"][0]["message"] and payload["hostelStudent"] is None
    node = (await warden(BOOKING, {"id": booking["gid"]}))["data"]["node"]
    assert node["status"] == "CHECKED_IN" and node["assignments"]["nodes"] == [{"active": True, "releaseReason": None}]
    assert (await bed_pointers(warden, r["beds"][0])) == {r["beds"][0]: None}
    done = (await ok(warden, ITEM_COMPLETE, {"i": {"itemId": items[4]["id"]}}, "checklistItemComplete"))[
        "checklistItem"
    ]
    assert done["checklist"] == {"itemsDone": 5, "completed": True}
    # bad input changes nothing either
    await refused(warden, CONVERT, {"i": {**convert["i"], "depositCollected": "-1.00"}}, "bookingConvert", "INVALID")
    await refused(warden, CONVERT, {"i": {**convert["i"], "firstRentDueOn": "2000-01-01"}}, "bookingConvert", "INVALID")

    made = (await ok(warden, CONVERT, convert, "bookingConvert"))["hostelStudent"]
    assert made["fullName"] == booking["name"] and made["status"] == "ACTIVE" and made["gender"] == "MALE"
    assert made["monthlyRent"] == "7600.00" and made["securityDeposit"] == "5000.00" and made["userId"] == user_id
    assert made["checkInDate"] == booking["check_in"].isoformat()
    s = await student(warden, made["id"])
    assert s["idVerified"] is True and s["expectedCheckOutDate"] == booking["check_out"].isoformat()
    [assignment] = s["bedAssignments"]["nodes"]
    assert assignment["status"] == "ACTIVE" and assignment["bed"]["id"] == r["beds"][0]
    assert assignment["startsOn"] == booking["check_in"].isoformat() and assignment["monthlyRent"] == "7600.00"
    assert s["guardians"]["nodes"] == [
        {"name": "Parent One", "relation": "Father", "phone": "+91 90000 00002", "isEmergencyContact": False},
        {"name": "Uncle Two", "relation": "Emergency contact", "phone": "+91 90000 00003", "isEmergencyContact": True},
    ]
    assert sorted((d["documentType"], d["verified"]) for d in s["documents"]["nodes"]) == [
        ("ID_PROOF", True),
        ("PHOTO", False),
    ]
    assert (await bed_pointers(warden, r["beds"][0])) == {r["beds"][0]: made["id"]}
    history = (await warden(HISTORY, {"s": made["id"]}))["data"]["roomAssignmentHistory"]["nodes"]
    assert history == [
        {
            "change": "ASSIGNED",
            "effectiveOn": booking["check_in"].isoformat(),
            "fromBed": None,
            "toBed": {"id": r["beds"][0]},
        }
    ]
    node = (await warden(BOOKING, {"id": booking["gid"]}))["data"]["node"]
    assert node["status"] == "COMPLETED"
    assert node["statusHistory"]["nodes"][-1] == {
        "fromStatus": "CHECKED_IN",
        "toStatus": "COMPLETED",
        "reason": "converted to resident",
    }
    assert node["assignments"]["nodes"] == [{"active": False, "releaseReason": "converted to resident"}]
    q = """query($s: ID!) { studentProfiles(filter: {studentId: {eq: $s}}) { totalCount }
      studentPreferences(filter: {studentId: {eq: $s}}) { nodes { diet language } }
      bookingConversions(filter: {studentId: {eq: $s}}) { nodes { depositCollected documentsTransferred } } }"""
    data = (await warden(q, {"s": made["id"]}))["data"]
    assert data["studentProfiles"]["totalCount"] == 1
    assert data["studentPreferences"]["nodes"] == [{"diet": "VEG", "language": "en"}]
    assert data["bookingConversions"]["nodes"] == [{"depositCollected": "5000.00", "documentsTransferred": 2}]
    # converted once: the booking is COMPLETED now
    await refused(warden, CONVERT, convert, "bookingConvert", "INVALID")
    # the booker is a resident of the hostel now: they read their own record
    me = await user_client(client, email, warden.headers["X-Tenant-Id"])
    mine = (
        await me(
            "query($id: ID!) { node(id: $id) { ... on HostelStudent { fullName phone monthlyRent } } }",
            {"id": made["id"]},
        )
    )["data"]["node"]
    assert mine == {"fullName": booking["name"], "phone": "+91 90000 00001", "monthlyRent": "7600.00"}


async def test_conversion_refused_for_a_booking_not_checked_in(warden, db, sunrise):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    booking = await checked_in_booking(db, sunrise["id"], rt, r["beds"][0], status="CONFIRMED")
    await complete_checklist(warden, booking["gid"])
    payload = await refused(
        warden,
        CONVERT,
        {"i": {"bookingId": booking["gid"], "depositCollected": "0.00", "firstRentDueOn": today().isoformat()}},
        "bookingConvert",
        "INVALID",
    )
    assert "CONFIRMED" in payload["errors"][0]["message"]
    assert (await warden(BOOKING, {"id": booking["gid"]}))["data"]["node"]["status"] == "CONFIRMED"
    cancelled = await checked_in_booking(
        db, sunrise["id"], rt, r["beds"][0], status="CANCELLED", check_in=today() + dt.timedelta(days=400)
    )
    await refused(
        warden, CHECKLIST_START, {"i": {"bookingId": cancelled["gid"]}}, "conversionChecklistStart", "INVALID"
    )


async def test_conversion_roles_and_the_other_hostel(client, warden, lotus_warden, db, sunrise):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    booking = await checked_in_booking(db, sunrise["id"], rt, r["beds"][0])
    resident_user = await as_user(client, "resident@sunrise.demo")
    body = await resident_user(CHECKLIST_START, {"i": {"bookingId": booking["gid"]}}, expect_errors=True)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await refused(
        lotus_warden, CHECKLIST_START, {"i": {"bookingId": booking["gid"]}}, "conversionChecklistStart", "NOT_FOUND"
    )
    checklist = (await ok(warden, CHECKLIST_START, {"i": {"bookingId": booking["gid"]}}, "conversionChecklistStart"))[
        "conversionChecklist"
    ]
    item = checklist["items"]["nodes"][0]["id"]
    await refused(lotus_warden, ITEM_COMPLETE, {"i": {"itemId": item}}, "checklistItemComplete", "NOT_FOUND")
    for it in checklist["items"]["nodes"]:
        await ok(warden, ITEM_COMPLETE, {"i": {"itemId": it["id"]}}, "checklistItemComplete")
    convert = {"i": {"bookingId": booking["gid"], "depositCollected": "0.00", "firstRentDueOn": today().isoformat()}}
    await refused(lotus_warden, CONVERT, convert, "bookingConvert", "NOT_FOUND")
    assert (await warden(BOOKING, {"id": booking["gid"]}))["data"]["node"]["status"] == "CHECKED_IN"
    # a supervisor may convert
    sup = await as_user(client, "supervisor@sunrise.demo")
    await ok(sup, CONVERT, convert, "bookingConvert")
    # an ID of the wrong type is bad input
    body = await refused(warden, CONVERT, {"i": {**convert["i"], "bookingId": r["id"]}}, "bookingConvert", "INVALID")
    assert body["errors"][0]["field"][-1] == "bookingId"


# ---- transfers --------------------------------------------------------------------------------


async def test_transfer_moves_the_bed_assignment_atomically(warden, db, sunrise):
    rt = await room_type(warden)
    a = await room(warden, rt, beds=2, rent="8000.00")
    b = await room(warden, rt, beds=2, rent="9500.00")
    res = await resident(warden, db, sunrise["id"], rt, a["beds"][0], rent="8000.00")
    day = today() - dt.timedelta(days=2)
    moved = (
        await ok(
            warden,
            TRANSFER,
            {
                "i": {
                    "studentId": res["student"],
                    "toBedId": b["beds"][1],
                    "transferDate": day.isoformat(),
                    "reason": "Quieter room",
                }
            },
            "roomTransfer",
        )
    )["hostelStudent"]
    assert moved["monthlyRent"] == "9500.00"
    s = await student(warden, res["student"])
    [now] = active(s["bedAssignments"])  # exactly one ACTIVE assignment
    assert now["bed"]["id"] == b["beds"][1] and now["startsOn"] == day.isoformat() and now["monthlyRent"] == "9500.00"
    assert now["endsOn"] == res["check_out"].isoformat()
    [old] = [x for x in s["bedAssignments"]["nodes"] if x["status"] == "ENDED"]
    assert old["bed"]["id"] == a["beds"][0] and old["endsOn"] == day.isoformat()
    assert s["transfers"]["nodes"] == [
        {
            "transferDate": day.isoformat(),
            "reason": "Quieter room",
            "oldMonthlyRent": "8000.00",
            "newMonthlyRent": "9500.00",
            "fromBed": {"id": a["beds"][0]},
            "toBed": {"id": b["beds"][1]},
            "fromRoom": {"id": a["id"]},
            "toRoom": {"id": b["id"]},
        }
    ]
    assert await bed_pointers(warden, a["beds"][0], b["beds"][1]) == {a["beds"][0]: None, b["beds"][1]: res["student"]}
    history = (await warden(HISTORY, {"s": res["student"]}))["data"]["roomAssignmentHistory"]["nodes"]
    assert [h["change"] for h in history] == ["ASSIGNED", "TRANSFERRED"]
    assert history[1]["fromBed"] == {"id": a["beds"][0]} and history[1]["toBed"] == {"id": b["beds"][1]}
    # a bed's own rent wins over the room's
    q = "mutation($i: BedUpdateInput!) { bedUpdate(input: $i) { errors { code } } }"
    await ok(warden, q, {"i": {"id": a["beds"][1], "monthlyRentOverride": "7000.00"}}, "bedUpdate")
    moved = (
        await ok(
            warden,
            TRANSFER,
            {
                "i": {
                    "studentId": res["student"],
                    "toBedId": a["beds"][1],
                    "transferDate": today().isoformat(),
                    "reason": "Cheaper",
                }
            },
            "roomTransfer",
        )
    )["hostelStudent"]
    assert moved["monthlyRent"] == "7000.00"
    s = await student(warden, res["student"])
    assert len(active(s["bedAssignments"])) == 1 and len(s["transfers"]["nodes"]) == 2
    assert await bed_pointers(warden, b["beds"][1], a["beds"][1]) == {b["beds"][1]: None, a["beds"][1]: res["student"]}


async def lotus_bed(db) -> str:
    async with db.acquire() as conn:
        bed = await conn.fetchval(
            "SELECT b.id FROM beds b JOIN hostels h ON h.id = b.hostel_id "
            "WHERE h.slug = 'demo-lotus' ORDER BY b.id LIMIT 1"
        )
    return encode_gid("Bed", bed)


async def _unchanged(warden, res, beds_before) -> None:
    s = await student(warden, res["student"])
    [now] = active(s["bedAssignments"])
    assert now["bed"]["id"] == res["bed"] and now["endsOn"] == res["check_out"].isoformat()
    assert s["transfers"]["nodes"] == [] and s["monthlyRent"] == "8000.00"
    assert await bed_pointers(warden, *beds_before) == beds_before


async def test_transfer_refusals_change_nothing(client, warden, lotus_warden, db, sunrise):
    rt = await room_type(warden)
    a = await room(warden, rt, beds=2)
    taken = await room(warden, rt, beds=1)
    limited = await room(warden, rt, beds=2, max_occupants=1)
    res = await resident(warden, db, sunrise["id"], rt, a["beds"][0])
    other = await resident(warden, db, sunrise["id"], rt, taken["beds"][0])
    neighbour = await resident(warden, db, sunrise["id"], rt, limited["beds"][0])
    out = await room(warden, rt, beds=1)
    q = "mutation($i: BedUpdateInput!) { bedUpdate(input: $i) { errors { code } } }"
    await ok(warden, q, {"i": {"id": out["beds"][0], "status": "OUT_OF_SERVICE"}}, "bedUpdate")
    held = await room(warden, rt, beds=1)
    await checked_in_booking(
        db, sunrise["id"], rt, held["beds"][0], status="CONFIRMED", check_in=today() + dt.timedelta(days=20)
    )
    pointers = {
        a["beds"][0]: res["student"],
        taken["beds"][0]: other["student"],
        limited["beds"][1]: None,
        out["beds"][0]: None,
        held["beds"][0]: None,
    }
    base = {"studentId": res["student"], "transferDate": today().isoformat(), "reason": "Asked"}
    cases = [
        ({"toBedId": taken["beds"][0]}, "CONFLICT", "taken"),  # someone lives there
        ({"toBedId": held["beds"][0]}, "CONFLICT", "taken"),  # a booking holds it later in the stay
        ({"toBedId": limited["beds"][1]}, "INVALID", "maximum"),  # the room's max occupants
        ({"toBedId": out["beds"][0]}, "INVALID", "out of service"),
        ({"toBedId": a["beds"][0]}, "INVALID", "already"),  # the same bed
        ({"toBedId": a["beds"][1], "transferDate": (today() + dt.timedelta(days=1)).isoformat()}, "INVALID", "future"),
        (
            {"toBedId": a["beds"][1], "transferDate": (res["check_in"] - dt.timedelta(days=1)).isoformat()},
            "INVALID",
            "inside",
        ),
        ({"toBedId": a["beds"][1], "reason": " "}, "INVALID", "reason"),
        ({"toBedId": a["id"]}, "INVALID", "Bed"),  # not a bed's ID
        ({"toBedId": await lotus_bed(db)}, "NOT_FOUND", "No Bed"),  # a bed of another hostel looks missing
    ]
    for change, code, words in cases:
        payload = await refused(warden, TRANSFER, {"i": {**base, **change}}, "roomTransfer", code)
        assert words in payload["errors"][0]["message"], payload
        await _unchanged(warden, res, pointers)
    # another hostel's token: the resident looks missing
    await refused(lotus_warden, TRANSFER, {"i": {**base, "toBedId": a["beds"][1]}}, "roomTransfer", "NOT_FOUND")
    # a resident cannot move anyone
    me = await as_user(client, "resident@sunrise.demo")
    body = await me(TRANSFER, {"i": {**base, "toBedId": a["beds"][1]}}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await _unchanged(warden, res, pointers)
    assert neighbour["student"]


async def test_transfer_obeys_the_rooms_gender_rule(client, db):
    """In a co-ed hostel the room's occupancy limit says who may live there."""
    async with db.acquire() as conn:
        hid = await conn.fetchval(
            "INSERT INTO hostels (name, slug, hostel_type) VALUES ($1, $2, 'CO_ED') RETURNING id",
            "Co-ed test hostel",
            unique("coed").lower(),
        )
    admin = await as_user(client, "superadmin@demo.campus", encode_gid("Hostel", hid))
    rt = await room_type(admin)
    home = await room(admin, rt, beds=1)
    res = await resident(admin, db, hid, rt, home["beds"][0], gender="FEMALE")
    boys = await room(admin, rt, beds=1, gender_rule="MALE_ONLY")
    girls = await room(admin, rt, beds=1, gender_rule="FEMALE_ONLY")
    payload = await refused(
        admin,
        TRANSFER,
        {
            "i": {
                "studentId": res["student"],
                "toBedId": boys["beds"][0],
                "transferDate": today().isoformat(),
                "reason": "x",
            }
        },
        "roomTransfer",
        "INVALID",
    )
    assert "does not take" in payload["errors"][0]["message"]
    assert await bed_pointers(admin, home["beds"][0], boys["beds"][0]) == {
        home["beds"][0]: res["student"],
        boys["beds"][0]: None,
    }
    s = await student(admin, res["student"])
    assert len(active(s["bedAssignments"])) == 1 and s["transfers"]["nodes"] == []
    await ok(
        admin,
        TRANSFER,
        {
            "i": {
                "studentId": res["student"],
                "toBedId": girls["beds"][0],
                "transferDate": today().isoformat(),
                "reason": "Girls' floor",
            }
        },
        "roomTransfer",
    )
    assert await bed_pointers(admin, home["beds"][0], girls["beds"][0]) == {
        home["beds"][0]: None,
        girls["beds"][0]: res["student"],
    }
    # and a room with a resident cannot get a rule that excludes her
    q = f"""mutation($i: RoomOccupancyLimitCreateInput!) {{ roomOccupancyLimitCreate(input: $i) {{ {ERR} }} }}"""
    lodger = await room(admin, rt, beds=1)
    other = await resident(admin, db, hid, rt, lodger["beds"][0], gender="FEMALE")
    assert other["student"]
    await refused(
        admin,
        q,
        {"i": {"roomId": lodger["id"], "maxOccupants": 1, "genderRule": "MALE_ONLY"}},
        "roomOccupancyLimitCreate",
        "CONFLICT",
    )


async def test_transfer_notifies_the_waitlist_of_the_freed_bed(warden, db, sunrise):
    rt = await room_type(warden)
    a = await room(warden, rt, beds=1)
    b = await room(warden, rt, beds=1)
    res = await resident(warden, db, sunrise["id"], rt, a["beds"][0])
    entry = await waitlist_entry(
        db, sunrise["id"], rt, today() + dt.timedelta(days=10), today() + dt.timedelta(days=40)
    )
    await ok(
        warden,
        TRANSFER,
        {
            "i": {
                "studentId": res["student"],
                "toBedId": b["beds"][0],
                "transferDate": today().isoformat(),
                "reason": "Swap",
            }
        },
        "roomTransfer",
    )
    assert await waitlist(warden, entry) == ("NOTIFIED", [a["beds"][0]])


async def waitlist_entry(db, hostel_id, type_gid, start, end, gender="MALE") -> str:
    async with db.acquire() as conn:
        wid = await conn.fetchval(
            "INSERT INTO booking_waitlist (hostel_id, room_type_id, contact_name, gender, from_date, to_date) "
            "VALUES ($1, $2, 'Waiting Person', $3, $4, $5) RETURNING id",
            hostel_id,
            pk(type_gid),
            gender,
            start,
            end,
        )
    return encode_gid("BookingWaitlist", wid)


async def waitlist(g, entry) -> tuple[str, list[str]]:
    q = """query($id: ID!) { node(id: $id) { ... on BookingWaitlist { status notifications { nodes { bed { id } } } } } }"""
    node = (await g(q, {"id": entry}))["data"]["node"]
    return node["status"], [n["bed"]["id"] for n in node["notifications"]["nodes"]]


# ---- notice and check-out ---------------------------------------------------------------------


async def test_resident_gives_notice_themself(client, warden, lotus_warden, db, sunrise):
    email, user_id = await new_user(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0], booker_user_id=user_id, months=12)
    me = await user_client(client, email, sunrise["gid"])
    too_soon = today() + dt.timedelta(days=29)
    payload = await refused(
        me,
        NOTICE,
        {"i": {"studentId": res["student"], "checkOutDate": too_soon.isoformat()}},
        "residentGiveNotice",
        "INVALID",
    )
    assert "notice period" in payload["errors"][0]["message"]
    # another resident cannot give notice for them; the other hostel does not see them
    other = await as_user(client, "resident@sunrise.demo")
    day = today() + dt.timedelta(days=45)
    await refused(
        other,
        NOTICE,
        {"i": {"studentId": res["student"], "checkOutDate": day.isoformat()}},
        "residentGiveNotice",
        "NOT_FOUND",
    )
    await refused(
        lotus_warden,
        NOTICE,
        {"i": {"studentId": res["student"], "checkOutDate": day.isoformat()}},
        "residentGiveNotice",
        "NOT_FOUND",
    )
    s = await student(warden, res["student"])
    assert s["status"] == "ACTIVE" and s["noticeGivenOn"] is None
    entry = await waitlist_entry(db, sunrise["id"], rt, day, day + dt.timedelta(days=60))
    given = (
        await ok(
            me, NOTICE, {"i": {"studentId": res["student"], "checkOutDate": day.isoformat()}}, "residentGiveNotice"
        )
    )["hostelStudent"]
    assert given == {
        "id": res["student"],
        "status": "NOTICE_PERIOD",
        "noticeGivenOn": today().isoformat(),
        "expectedCheckOutDate": day.isoformat(),
    }
    [now] = active((await student(warden, res["student"]))["bedAssignments"])
    assert now["endsOn"] == day.isoformat()
    assert await waitlist(warden, entry) == ("NOTIFIED", [r["beds"][0]])
    # once only
    await refused(
        me,
        NOTICE,
        {"i": {"studentId": res["student"], "checkOutDate": day.isoformat()}},
        "residentGiveNotice",
        "INVALID",
    )


async def test_notice_period_comes_from_the_hostel_settings(client, db, lotus):
    warden = await as_user(client, "warden@lotus.demo")
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    res = await resident(warden, db, lotus["id"], rt, r["beds"][0], gender="FEMALE")
    async with db.acquire() as conn:  # the demo hostel's setting, put back exactly as it was afterwards
        before = await conn.fetchval("SELECT notice_period_days FROM hostel_settings WHERE hostel_id = $1", lotus["id"])
        await conn.execute(
            "INSERT INTO hostel_settings (hostel_id, notice_period_days) VALUES ($1, 10) "
            "ON CONFLICT (hostel_id) DO UPDATE SET notice_period_days = 10",
            lotus["id"],
        )
    try:
        day = today() + dt.timedelta(days=10)
        await ok(
            warden, NOTICE, {"i": {"studentId": res["student"], "checkOutDate": day.isoformat()}}, "residentGiveNotice"
        )
    finally:
        async with db.acquire() as conn:
            if before is None:
                await conn.execute("DELETE FROM hostel_settings WHERE hostel_id = $1", lotus["id"])
            else:
                await conn.execute(
                    "UPDATE hostel_settings SET notice_period_days = $2 WHERE hostel_id = $1", lotus["id"], before
                )


async def test_check_out_frees_the_bed(client, warden, lotus_warden, db, sunrise):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0])
    entry = await waitlist_entry(db, sunrise["id"], rt, today() + dt.timedelta(days=2), today() + dt.timedelta(days=30))
    inp = {"studentId": res["student"], "checkOutDate": today().isoformat(), "conditionNotes": "Wall scuffed"}
    # refusals first: nothing changes
    me = await as_user(client, "resident@sunrise.demo")
    body = await me(CHECK_OUT, {"i": inp}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await refused(lotus_warden, CHECK_OUT, {"i": inp}, "residentCheckOut", "NOT_FOUND")
    await refused(
        warden,
        CHECK_OUT,
        {"i": {**inp, "checkOutDate": (today() + dt.timedelta(days=3)).isoformat()}},
        "residentCheckOut",
        "INVALID",
    )
    await refused(
        warden, CHECK_OUT, {"i": {**inp, "checkOutDate": res["check_in"].isoformat()}}, "residentCheckOut", "INVALID"
    )
    assert await bed_pointers(warden, r["beds"][0]) == {r["beds"][0]: res["student"]}
    assert await waitlist(warden, entry) == ("WAITING", [])

    out = (await ok(warden, CHECK_OUT, {"i": inp}, "residentCheckOut"))["hostelStudent"]
    assert out == {"id": res["student"], "status": "CHECKED_OUT", "checkOutDate": today().isoformat()}
    s = await student(warden, res["student"])
    [ended] = s["bedAssignments"]["nodes"]
    assert ended["status"] == "ENDED" and ended["endsOn"] == today().isoformat()
    assert ended["checkOutConditionNotes"] == "Wall scuffed"
    assert await bed_pointers(warden, r["beds"][0]) == {r["beds"][0]: None}
    history = (await warden(HISTORY, {"s": res["student"]}))["data"]["roomAssignmentHistory"]["nodes"]
    assert [h["change"] for h in history] == ["ASSIGNED", "ENDED"]
    assert await waitlist(warden, entry) == ("NOTIFIED", [r["beds"][0]])
    await refused(warden, CHECK_OUT, {"i": inp}, "residentCheckOut", "INVALID")
    await refused(
        warden,
        TRANSFER,
        {
            "i": {
                "studentId": res["student"],
                "toBedId": r["beds"][0],
                "transferDate": today().isoformat(),
                "reason": "back",
            }
        },
        "roomTransfer",
        "INVALID",
    )
    # the bed is free again: it can be deactivated now
    q = "mutation($i: BedDeactivateInput!) { bedDeactivate(input: $i) { errors { code } } }"
    await ok(warden, q, {"i": {"id": r["beds"][0]}}, "bedDeactivate")


# ---- documents, profile, preferences, guardians ------------------------------------------------


async def test_documents_added_by_the_resident_verified_by_staff(client, warden, lotus_warden, db, sunrise):
    email, user_id = await new_user(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=2)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0], booker_user_id=user_id)
    roommate = await resident(warden, db, sunrise["id"], rt, r["beds"][1])
    me = await user_client(client, email, sunrise["gid"])
    inp = {"studentId": res["student"], "documentType": "ADDRESS_PROOF", "fileName": "bill.pdf", "file": None}
    added = await multipart(me, DOC_ADD, {"i": inp}, "variables.i.file", "scan.pdf", PDF)
    assert added["errors"] == [], added
    doc = added["hostelStudentDocument"]
    assert doc["documentType"] == "ADDRESS_PROOF" and doc["verified"] is False and doc["fileName"] == "bill.pdf"
    roommates = await multipart(
        me, DOC_ADD, {"i": {**inp, "studentId": roommate["student"]}}, "variables.i.file", "scan.pdf", PDF
    )
    assert [e["code"] for e in roommates["errors"]] == ["NOT_FOUND"]
    # no file at all, or a file that is not a document: clear errors
    await refused(me, DOC_ADD, {"i": inp}, "hostelStudentDocumentAdd", "INVALID")
    text = await multipart(me, DOC_ADD, {"i": inp}, "variables.i.file", "x.pdf", b"just text, no PDF")
    assert [e["code"] for e in text["errors"]] == ["INVALID"]
    blank = await multipart(me, DOC_ADD, {"i": {**inp, "fileName": "  "}}, "variables.i.file", "x.pdf", PDF)
    assert blank["errors"] == [] and blank["hostelStudentDocument"]["fileName"] == "x.pdf"  # blank: the file's name
    body = await me(DOC_VERIFY, {"i": {"id": doc["id"]}}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await refused(lotus_warden, DOC_VERIFY, {"i": {"id": doc["id"]}}, "hostelStudentDocumentVerify", "NOT_FOUND")
    verified = await ok(warden, DOC_VERIFY, {"i": {"id": doc["id"]}}, "hostelStudentDocumentVerify")
    assert verified["hostelStudentDocument"]["verified"] is True and verified["hostelStudentDocument"]["verifiedAt"]
    await refused(warden, DOC_VERIFY, {"i": {"id": doc["id"]}}, "hostelStudentDocumentVerify", "CONFLICT")
    # staff add for anyone
    staff = await multipart(
        warden, DOC_ADD, {"i": {**inp, "studentId": roommate["student"]}}, "variables.i.file", "id.pdf", PDF
    )
    assert staff["errors"] == [], staff


async def test_profile_preferences_and_guardians_are_the_residents_own(client, warden, db, sunrise):
    email, user_id = await new_user(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=2)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0], booker_user_id=user_id)
    roommate = await resident(warden, db, sunrise["id"], rt, r["beds"][1])
    me = await user_client(client, email, sunrise["gid"])
    ids = """query { studentProfiles { nodes { id student { id } } } studentPreferences { nodes { id student { id } } }
      guardianContacts { nodes { id name student { id } } } }"""
    mine = (await me(ids))["data"]
    assert {n["student"]["id"] for n in mine["studentProfiles"]["nodes"]} == {res["student"]}
    profile = mine["studentProfiles"]["nodes"][0]["id"]
    prefs = mine["studentPreferences"]["nodes"][0]["id"]
    assert {n["student"]["id"] for n in mine["guardianContacts"]["nodes"]} == {res["student"]}
    theirs = (
        await warden(
            """query($s: ID!) { studentProfiles(filter: {studentId: {eq: $s}}) { nodes { id } }
      guardianContacts(filter: {studentId: {eq: $s}}) { nodes { id } } }""",
            {"s": roommate["student"]},
        )
    )["data"]
    their_profile = theirs["studentProfiles"]["nodes"][0]["id"]
    their_guardian = theirs["guardianContacts"]["nodes"][0]["id"]

    q = f"""mutation($i: StudentProfileUpdateInput!) {{ studentProfileUpdate(input: $i) {{
      studentProfile {{ bloodGroup allergies profileCompleteness }} {ERR} }} }}"""
    updated = (
        await ok(me, q, {"i": {"id": profile, "bloodGroup": "O+", "allergies": "Peanuts"}}, "studentProfileUpdate")
    )["studentProfile"]
    assert updated == {"bloodGroup": "O+", "allergies": "Peanuts", "profileCompleteness": 20}
    await refused(me, q, {"i": {"id": their_profile, "bloodGroup": "A+"}}, "studentProfileUpdate", "NOT_FOUND")
    q = f"""mutation($i: StudentPreferencesUpdateInput!) {{ studentPreferencesUpdate(input: $i) {{
      studentPreferences {{ diet theme discoverableByRoommates }} {ERR} }} }}"""
    assert (
        await ok(
            me,
            q,
            {"i": {"id": prefs, "diet": "VEGAN", "theme": "dark", "discoverableByRoommates": False}},
            "studentPreferencesUpdate",
        )
    )["studentPreferences"] == {"diet": "VEGAN", "theme": "dark", "discoverableByRoommates": False}
    # guardians: add and change their own, never another resident's, never verify
    q = f"""mutation($i: GuardianContactCreateInput!) {{ guardianContactCreate(input: $i) {{
      guardianContact {{ id name verified }} {ERR} }} }}"""
    g = {"studentId": res["student"], "name": "Aunt Three", "relation": "Aunt", "phone": "+91 90000 00009"}
    added = (await ok(me, q, {"i": g}, "guardianContactCreate"))["guardianContact"]
    assert added["name"] == "Aunt Three" and added["verified"] is False
    await refused(me, q, {"i": {**g, "studentId": roommate["student"]}}, "guardianContactCreate", "NOT_FOUND")
    await refused(me, q, {"i": {**g, "verified": True}}, "guardianContactCreate", "FORBIDDEN")
    upd = f"""mutation($i: GuardianContactUpdateInput!) {{ guardianContactUpdate(input: $i) {{
      guardianContact {{ id phone verified }} {ERR} }} }}"""
    assert (await ok(me, upd, {"i": {"id": added["id"], "phone": "+91 90000 00010"}}, "guardianContactUpdate"))[
        "guardianContact"
    ]["phone"] == "+91 90000 00010"
    await refused(me, upd, {"i": {"id": their_guardian, "phone": "1"}}, "guardianContactUpdate", "NOT_FOUND")
    await refused(me, upd, {"i": {"id": added["id"], "verified": True}}, "guardianContactUpdate", "FORBIDDEN")
    assert (await ok(warden, upd, {"i": {"id": added["id"], "verified": True}}, "guardianContactUpdate"))[
        "guardianContact"
    ]["verified"] is True


# ---- what roommates see ----------------------------------------------------------------------


async def test_roommates_see_each_other_by_name_only(client, warden, db, sunrise):
    email, user_id = await new_user(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=2)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0], booker_user_id=user_id)
    roommate = await resident(warden, db, sunrise["id"], rt, r["beds"][1])
    me = await user_client(client, email, sunrise["gid"])
    personal = (
        "phone email institution monthlyRent securityDeposit status checkInDate expectedCheckOutDate userId idVerified"
    )
    q = f"""query($id: ID!) {{ node(id: $id) {{ ... on HostelStudent {{ fullName {personal}
      guardians {{ totalCount }} documents {{ totalCount }} bedAssignments {{ totalCount }} booking {{ id }} }} }} }}"""
    own = (await me(q, {"id": res["student"]}))["data"]["node"]
    assert own["fullName"] == res["name"] and own["phone"] and own["monthlyRent"] == "8000.00"
    assert own["guardians"]["totalCount"] == 2 and own["bedAssignments"]["totalCount"] == 1
    body = await me(q, {"id": roommate["student"]}, expect_errors=True)
    other = body["data"]["node"]
    assert other["fullName"] == roommate["name"]
    for name in personal.split():
        assert other[name] is None, name
    assert {e["path"][-1] for e in body.get("errors", [])} <= set(personal.split())
    assert other["guardians"]["totalCount"] == 0 and other["documents"]["totalCount"] == 0
    assert other["bedAssignments"]["totalCount"] == 0 and other["booking"] is None
    # the room board: who sleeps where, by name; staff see everything
    board = """query($room: ID!) { node(id: $room) { ... on Room { beds { nodes { currentStudent { fullName phone } } } } } }"""
    body = await me(board, {"room": r["id"]}, expect_errors=True)
    beds = body["data"]["node"]["beds"]["nodes"]
    assert [b["currentStudent"]["fullName"] for b in beds] == [res["name"], roommate["name"]]
    assert [b["currentStudent"]["phone"] for b in beds] == ["+91 90000 00001", None]
    staff = (await warden(q, {"id": roommate["student"]}))["data"]["node"]
    assert staff["phone"] and staff["monthlyRent"] == "8000.00" and staff["guardians"]["totalCount"] == 2


async def test_amenity_feedback_by_residents_for_their_own_room(client, warden, db, sunrise):
    email, user_id = await new_user(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    elsewhere = await room(warden, rt, beds=1)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0], booker_user_id=user_id)
    q = f"""mutation($i: RoomAmenityCreateInput!) {{ roomAmenityCreate(input: $i) {{ roomAmenity {{ id }} {ERR} }} }}"""
    fan = (
        await ok(
            warden,
            q,
            {"i": {"roomId": r["id"], "name": "Ceiling fan", "amenityType": "APPLIANCE"}},
            "roomAmenityCreate",
        )
    )["roomAmenity"]["id"]
    desk = (await ok(warden, q, {"i": {"roomId": elsewhere["id"], "name": "Desk"}}, "roomAmenityCreate"))[
        "roomAmenity"
    ]["id"]
    me = await user_client(client, email, sunrise["gid"])
    fb = f"""mutation($i: AmenityFeedbackCreateInput!) {{ amenityFeedbackCreate(input: $i) {{
      amenityFeedback {{ rating reportsIssue student {{ id }} roomAmenity {{ id }} }} {ERR} }} }}"""
    made = (
        await ok(
            me,
            fb,
            {"i": {"roomAmenityId": fan, "rating": 2, "reportsIssue": True, "comment": "Noisy"}},
            "amenityFeedbackCreate",
        )
    )["amenityFeedback"]
    assert made == {"rating": 2, "reportsIssue": True, "student": {"id": res["student"]}, "roomAmenity": {"id": fan}}
    await refused(me, fb, {"i": {"roomAmenityId": desk, "rating": 4}}, "amenityFeedbackCreate", "NOT_FOUND")
    await refused(me, fb, {"i": {"roomAmenityId": fan, "rating": 9}}, "amenityFeedbackCreate", "INVALID")
    body = await warden(fb, {"i": {"roomAmenityId": fan, "rating": 4}}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_concurrent_transfers_into_one_bed_one_wins(warden, db, sunrise):
    import asyncio

    rt = await room_type(warden)
    a = await room(warden, rt, beds=2)
    target = await room(warden, rt, beds=1)
    first = await resident(warden, db, sunrise["id"], rt, a["beds"][0])
    second = await resident(warden, db, sunrise["id"], rt, a["beds"][1])

    async def move(res):
        body = await warden(
            TRANSFER,
            {
                "i": {
                    "studentId": res["student"],
                    "toBedId": target["beds"][0],
                    "transferDate": today().isoformat(),
                    "reason": "Race",
                }
            },
        )
        return [e["code"] for e in body["data"]["roomTransfer"]["errors"]]

    results = await asyncio.gather(move(first), move(second))
    assert sorted(results) == [[], ["CONFLICT"]]
    winner = first if results[0] == [] else second
    loser = second if winner is first else first
    assert (await bed_pointers(warden, target["beds"][0], loser["bed"])) == {
        target["beds"][0]: winner["student"],
        loser["bed"]: loser["student"],
    }
    for res in (first, second):
        assert len(active((await student(warden, res["student"]))["bedAssignments"])) == 1


async def test_notice_cannot_extend_into_a_booked_bed(warden, db, sunrise):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0], months=2)
    await checked_in_booking(db, sunrise["id"], rt, r["beds"][0], status="CONFIRMED", check_in=res["check_out"])
    later = res["check_out"] + dt.timedelta(days=20)
    payload = await refused(
        warden,
        NOTICE,
        {"i": {"studentId": res["student"], "checkOutDate": later.isoformat()}},
        "residentGiveNotice",
        "CONFLICT",
    )
    assert "taken" in payload["errors"][0]["message"]
    s = await student(warden, res["student"])
    assert s["status"] == "ACTIVE" and active(s["bedAssignments"])[0]["endsOn"] == res["check_out"].isoformat()


async def test_demo_resident_reads_others_by_name_only(client):
    """The demo resident (Kiran, Sunrise) lists the hostel's residents: names for all, his own phone only."""
    me = await as_user(client, "resident@sunrise.demo")
    body = await me(
        """query { hostelStudents(first: 20, orderBy: [{field: FULL_NAME}]) {
      nodes { id fullName phone monthlyRent status } } }""",
        expect_errors=True,
    )
    nodes = body["data"]["hostelStudents"]["nodes"]
    assert len(nodes) == 20 and all(n["fullName"] for n in nodes)
    others = [n for n in nodes if n["fullName"] != "Kiran Resident"]
    assert others and all(n["phone"] is None and n["monthlyRent"] is None and n["status"] is None for n in others)
    assert all(e["extensions"]["code"] == "FORBIDDEN" for e in body["errors"])
    mine = (
        await me("""query { hostelStudents(filter: {fullName: {eq: "Kiran Resident"}}) {
      nodes { phone monthlyRent status } } }""")
    )["data"]["hostelStudents"]["nodes"]
    assert mine and all(n["phone"] and n["monthlyRent"] and n["status"] for n in mine)


async def test_transfer_of_an_open_ended_stay(warden, db, sunrise):
    rt = await room_type(warden)
    a = await room(warden, rt, beds=1)
    b = await room(warden, rt, beds=2, max_occupants=2)
    res = await resident(warden, db, sunrise["id"], rt, a["beds"][0])
    async with db.acquire() as conn:  # a stay without an end (as residents recorded before bookings have)
        await conn.execute("UPDATE bed_assignments SET ends_on = NULL WHERE student_id = $1", pk(res["student"]))
    await checked_in_booking(
        db, sunrise["id"], rt, b["beds"][0], status="CONFIRMED", check_in=today() + dt.timedelta(days=200)
    )
    # the bed is free for now but held from day 200: an open stay cannot move there
    await refused(
        warden,
        TRANSFER,
        {
            "i": {
                "studentId": res["student"],
                "toBedId": b["beds"][0],
                "transferDate": today().isoformat(),
                "reason": "x",
            }
        },
        "roomTransfer",
        "CONFLICT",
    )
    await ok(
        warden,
        TRANSFER,
        {
            "i": {
                "studentId": res["student"],
                "toBedId": b["beds"][1],
                "transferDate": today().isoformat(),
                "reason": "Open stay",
            }
        },
        "roomTransfer",
    )
    [now] = active((await student(warden, res["student"]))["bedAssignments"])
    assert now["bed"]["id"] == b["beds"][1] and now["endsOn"] is None


async def test_conversion_refused_when_a_resident_has_the_bed(warden, db, sunrise):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    first = await resident(warden, db, sunrise["id"], rt, r["beds"][0])
    # a second checked-in booking holding the same bed (its hold does not overlap another hold)
    booking = await checked_in_booking(db, sunrise["id"], rt, r["beds"][0], check_in=today() - dt.timedelta(days=5))
    await complete_checklist(warden, booking["gid"])
    payload = await refused(
        warden,
        CONVERT,
        {"i": {"bookingId": booking["gid"], "depositCollected": "0.00", "firstRentDueOn": today().isoformat()}},
        "bookingConvert",
        "CONFLICT",
    )
    assert "Another resident" in payload["errors"][0]["message"]
    node = (await warden(BOOKING, {"id": booking["gid"]}))["data"]["node"]
    assert node["status"] == "CHECKED_IN" and node["assignments"]["nodes"] == [{"active": True, "releaseReason": None}]
    assert await bed_pointers(warden, r["beds"][0]) == {r["beds"][0]: first["student"]}
    q = """query($b: ID!) { hostelStudents(filter: {bookingId: {eq: $b}}) { totalCount } }"""
    assert (await warden(q, {"b": booking["gid"]}))["data"]["hostelStudents"]["totalCount"] == 0


async def test_transfer_on_the_first_day_cancels_the_old_stay(warden, db, sunrise):
    rt = await room_type(warden)
    a = await room(warden, rt, beds=1)
    b = await room(warden, rt, beds=1)
    res = await resident(warden, db, sunrise["id"], rt, a["beds"][0], check_in=today())
    await ok(
        warden,
        TRANSFER,
        {
            "i": {
                "studentId": res["student"],
                "toBedId": b["beds"][0],
                "transferDate": today().isoformat(),
                "reason": "Wrong room at check-in",
            }
        },
        "roomTransfer",
    )
    s = await student(warden, res["student"])
    assert sorted((x["status"], x["bed"]["id"]) for x in s["bedAssignments"]["nodes"]) == sorted(
        [("CANCELLED", a["beds"][0]), ("ACTIVE", b["beds"][0])]
    )
    assert await bed_pointers(warden, a["beds"][0], b["beds"][0]) == {a["beds"][0]: None, b["beds"][0]: res["student"]}


async def test_from_online_booking_to_resident_through_the_api(client, db):
    """The whole way through the API: a visitor books online, the hostel approves, confirms and
    checks in, then the checklist and the conversion make them a resident who reads their own record."""
    from tests import booking_world as bw

    world = await bw.make_world(db, client)
    await bw.add_room_type(db, world, "DBL", beds=2, price="9000.00")
    email, user_id = await new_user(db)
    visitor = await user_client(client, email)
    booked = await bw.create(visitor, bw.booking_input(world, "DBL", start=today(), months=3, visitor=True))
    bed = world.bed("DBL", 1)
    for name, inp in (
        ("bookingApprove", {"id": booked["id"], "bedId": bed}),
        ("bookingConfirm", {"id": booked["id"], "advancePaid": booked["advanceAmount"]}),
        ("bookingCheckIn", {"id": booked["id"]}),
    ):
        payload = await bw.call(world.admin, name, inp)
        assert payload["errors"] == [], payload
    made = await resident_from(world.supervisor, booked["id"])
    assert made["fullName"] == "Arjun Guest" and made["monthlyRent"] == booked["monthlyRent"]
    assert await bed_pointers(world.admin, bed) == {bed: made["id"]}
    after = await bw.booking(world.admin, booked["id"])
    assert after["status"] == "COMPLETED" and bw.active_beds(after) == []
    me = await user_client(client, email, world.gid)
    mine = (await me(STUDENT, {"id": made["id"]}))["data"]["node"]
    assert mine["status"] == "ACTIVE" and [a["bed"]["id"] for a in active(mine["bedAssignments"])] == [bed]


async def resident_from(staff, booking_gid: str) -> dict[str, Any]:
    checklist = (await ok(staff, CHECKLIST_START, {"i": {"bookingId": booking_gid}}, "conversionChecklistStart"))[
        "conversionChecklist"
    ]
    for item in checklist["items"]["nodes"]:
        await ok(staff, ITEM_COMPLETE, {"i": {"itemId": item["id"]}}, "checklistItemComplete")
    return (
        await ok(
            staff,
            CONVERT,
            {"i": {"bookingId": booking_gid, "depositCollected": "5000.00", "firstRentDueOn": today().isoformat()}},
            "bookingConvert",
        )
    )["hostelStudent"]


async def test_statements_do_not_grow_with_the_hostel(client, db):
    """bookingConvert and roomTransfer cost the same number of statements with 4 beds or 60."""
    from tests import booking_world as bw

    counts = []
    for rooms in (2, 30):
        world = await bw.make_world(db, client)
        rt = await bw.add_room_type(db, world, "DBL", beds=2, rooms=rooms)
        for k in range(2):  # other residents
            await resident(world.admin, db, world.hostel, rt, world.bed("DBL", 2 + k))
        booking = await checked_in_booking(db, world.hostel, rt, world.bed("DBL", 0))
        checklist = (
            await ok(world.admin, CHECKLIST_START, {"i": {"bookingId": booking["gid"]}}, "conversionChecklistStart")
        )["conversionChecklist"]
        for item in checklist["items"]["nodes"]:
            await ok(world.admin, ITEM_COMPLETE, {"i": {"itemId": item["id"]}}, "checklistItemComplete")
        converted = await world.admin(
            CONVERT,
            {"i": {"bookingId": booking["gid"], "depositCollected": "0.00", "firstRentDueOn": today().isoformat()}},
        )
        made = converted["data"]["bookingConvert"]
        assert made["errors"] == [], made
        moved = await world.admin(
            TRANSFER,
            {
                "i": {
                    "studentId": made["hostelStudent"]["id"],
                    "toBedId": world.bed("DBL", 1),
                    "transferDate": today().isoformat(),
                    "reason": "Count",
                }
            },
        )
        assert moved["data"]["roomTransfer"]["errors"] == []
        counts.append((world.admin.statements(converted), world.admin.statements(moved)))
    assert counts[0] == counts[1], counts
    print("statements (convert, transfer):", counts[0])


async def test_a_checked_out_resident_keeps_the_account_but_not_the_residents_role(client, warden, db, sunrise):
    """Conversion makes the booker a resident of the hostel; check-out ends that role, so the
    hostel's member lists close to them at once (roles are read per request)."""
    email, user_id = await new_user(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0], booker_user_id=user_id)
    me = await user_client(client, email, encode_gid("Hostel", sunrise["id"]))
    rooms = "{ rooms(first: 1) { totalCount } }"
    assert (await me(rooms))["data"]["rooms"]["totalCount"] > 0
    await ok(
        warden, CHECK_OUT, {"i": {"studentId": res["student"], "checkOutDate": today().isoformat()}}, "residentCheckOut"
    )
    after = await me.raw(rooms)  # no role left in the hostel: the tenant header itself is refused
    assert after.status_code == 403 and after.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    account = await user_client(client, email)
    assert (await account("{ me { user { email } } }"))["data"]["me"]["user"]["email"] == email
