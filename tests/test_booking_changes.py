"""Cancellation (policy tiers, refunds, bed released, waitlist told), modification (priced
request, staff decision, the hold moves or the approval is refused) and the waitlist."""

from __future__ import annotations

import datetime as dt

import pytest

from kit.ids import decode_gid
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
    mutation,
    statuses,
    today,
)
from tests.conftest import GQL, bearer

POLICY = """mutation($i: CancellationPolicyCreateInput!) { cancellationPolicyCreate(input: $i) {
  cancellationPolicy { id tiers } errors { field code message } } }"""
WAITLIST_FIELDS = "id status priority fromDate toDate gender contactName"
MOD_FIELDS = """id status modificationType oldDurationMonths newDurationMonths oldTotalAmount newTotalAmount
  priceDifference newCheckInDate newRoomType { id }"""


@pytest.fixture
async def world(db, client) -> World:
    w = await make_world(db, client)
    await add_room_type(db, w, "DBL", beds=2)
    await add_room_type(db, w, "SGL", beds=1, price="12000.00")
    return w


async def _policy(w: World, tiers) -> dict:
    body = await w.admin(POLICY, {"i": {"name": "Standard", "tiers": tiers, "effectiveFrom": str(today())}})
    return body["data"]["cancellationPolicyCreate"]


async def test_policy_tiers_are_validated(world: World) -> None:
    for bad in (
        "not a list",
        [{"minDaysBefore": 30}],
        [{"minDaysBefore": -1, "refundPercent": "10"}],
        [{"minDaysBefore": 3, "refundPercent": "101"}],
        [{"minDaysBefore": 3, "refundPercent": "x"}],
        [{"minDaysBefore": 3, "refundPercent": "10"}, {"minDaysBefore": 3, "refundPercent": "20"}],
    ):
        payload = await _policy(world, bad)
        assert payload["cancellationPolicy"] is None and payload["errors"][0]["code"] == "INVALID", bad
        assert payload["errors"][0]["field"] == ["input", "tiers"]
    policies = await world.admin("{ cancellationPolicies(first: 5) { totalCount } }")
    assert policies["data"]["cancellationPolicies"]["totalCount"] == 0
    ok = await _policy(world, [{"minDaysBefore": 30, "refundPercent": "100"}])
    assert ok["errors"] == []
    update = await world.admin(
        """mutation($i: CancellationPolicyUpdateInput!) { cancellationPolicyUpdate(input: $i) {
        cancellationPolicy { tiers } errors { field code } } }""",
        {"i": {"id": ok["cancellationPolicy"]["id"], "tiers": [{"days": 1}]}},
    )
    assert update["data"]["cancellationPolicyUpdate"]["errors"][0]["field"] == ["input", "tiers"]


async def test_guest_cancels_with_the_policy_refund_and_the_waitlist_is_told(world: World, db, client) -> None:
    await _policy(world, [{"minDaysBefore": 30, "refundPercent": "100"}, {"minDaysBefore": 7, "refundPercent": "50"}])
    start = today() + dt.timedelta(days=10)
    b = await create(world.visitor, booking_input(world, "SGL", start=start, months=2, visitor=True))
    assert (await call(world.admin, "bookingApprove", {"id": b["id"]}))["errors"] == []
    assert (await call(world.admin, "bookingConfirm", {"id": b["id"], "advancePaid": "6000.01"}))["errors"] == []
    end = dt.date.fromisoformat(b["checkOutDate"])
    # after this stay, the bed is held by another booking for a month
    after = await create(world.admin, booking_input(world, "SGL", start=end, months=1))
    assert (await call(world.admin, "bookingApprove", {"id": after["id"]}))["errors"] == []

    join = mutation("waitlistJoin", "bookingWaitlist", WAITLIST_FIELDS)

    async def wait(g: GQL, frm: dt.date, to: dt.date, **extra) -> dict:
        inp = {
            "roomTypeId": world.rt("SGL"),
            "fromDate": str(frm),
            "toDate": str(to),
            "contactName": "Waiting",
            "gender": "MALE",
            "contactPhone": "+91 90000 00009",
            **extra,
        }
        payload = (await g(join, {"i": inp}))["data"]["waitlistJoin"]
        assert payload["errors"] == [], payload
        return payload["bookingWaitlist"]

    # first by priority, but reaching into the next booking's month: the freed bed does not cover it
    too_long = await wait(world.admin, start, end + dt.timedelta(days=10), priority=1)
    covered = await wait(world.admin, start, end, priority=50)
    later = await wait(world.visitor, start + dt.timedelta(days=5), end, hostelId=world.gid)
    assert (too_long["priority"], covered["priority"], later["priority"]) == (1, 50, 100)
    forbidden = await world.visitor(
        join,
        {
            "i": {
                "roomTypeId": world.rt("SGL"),
                "fromDate": str(start),
                "toDate": str(end),
                "contactName": "X",
                "gender": "MALE",
                "contactEmail": "x@example.com",
                "hostelId": world.gid,
                "priority": 1,
            }
        },
    )
    assert forbidden["data"]["waitlistJoin"]["errors"][0]["code"] == "FORBIDDEN"

    # someone else's booking: NOT_FOUND for another visitor, a resident and another hostel's staff
    resident = GQL(client)
    resident.headers = await bearer(client, "resident@sunrise.demo")
    cancel = mutation("bookingCancel")
    for stranger in (resident, world.other):
        refused = (await stranger(cancel, {"i": {"id": b["id"]}}))["data"]["bookingCancel"]
        assert refused["errors"][0]["code"] == "NOT_FOUND" and refused["booking"] is None
    assert (await booking(world.admin, b["id"]))["status"] == "CONFIRMED"

    done = (await world.visitor(cancel, {"i": {"id": b["id"], "reason": "Plans changed"}}))["data"]["bookingCancel"]
    assert done["errors"] == [] and done["booking"]["status"] == "CANCELLED"
    seen = await booking(world.admin, b["id"])
    assert active_beds(seen) == [] and statuses(seen) == ["PENDING", "APPROVED", "CONFIRMED", "CANCELLED"]
    record = (
        await world.admin(
            """query($b: ID!) { bookingCancellations(filter: {bookingId: {eq: $b}}) { edges { node {
        cancelledByGuest reason daysBeforeCheckIn refundPercent amountPaid refundAmount refundStatus } } }
        refundTransactions(filter: {bookingId: {eq: $b}}) { edges { node { amount status method } } }
        bookingCalendarEvents(filter: {bookingId: {eq: $b}}) { edges { node { active } } } }""",
            {"b": b["id"]},
        )
    )["data"]
    assert record["bookingCancellations"]["edges"][0]["node"] == {
        "cancelledByGuest": True,
        "reason": "Plans changed",
        "daysBeforeCheckIn": 10,
        "refundPercent": "50.00",
        "amountPaid": "6000.01",
        "refundAmount": "3000.01",
        "refundStatus": "PENDING",
    }  # 3000.005 rounds half up
    assert [e["node"] for e in record["refundTransactions"]["edges"]] == [
        {"amount": "3000.01", "status": "PENDING", "method": "ORIGINAL_PAYMENT"}
    ]
    assert [e["node"]["active"] for e in record["bookingCalendarEvents"]["edges"]] == [False, False]

    waiting = (
        await world.admin("""{ bookingWaitlist(first: 10, orderBy: {field: PRIORITY, direction: ASC}) {
        edges { node { id status notifications(first: 5) { edges { node { availableFrom availableTo bed { id } } } } } } } }""")
    )["data"]["bookingWaitlist"]["edges"]
    by_id = {e["node"]["id"]: e["node"] for e in waiting}
    assert by_id[too_long["id"]]["status"] == "WAITING" and by_id[too_long["id"]]["notifications"]["edges"] == []
    assert by_id[later["id"]]["status"] == "WAITING" and by_id[later["id"]]["notifications"]["edges"] == []
    told = by_id[covered["id"]]
    assert told["status"] == "NOTIFIED"
    assert [n["node"] for n in told["notifications"]["edges"]] == [
        {"availableFrom": str(start), "availableTo": str(end), "bed": {"id": world.bed("SGL")}}
    ]

    twice = (await world.visitor(cancel, {"i": {"id": b["id"]}}))["data"]["bookingCancel"]
    assert twice["errors"][0]["code"] == "CONFLICT"


async def test_cancel_without_policy_or_payment_refunds_nothing(world: World) -> None:
    b = await create(world.admin, booking_input(world, "DBL"))
    done = await call(world.supervisor, "bookingCancel", {"id": b["id"]})
    assert done["errors"] == [] and done["booking"]["status"] == "CANCELLED"
    record = (
        await world.admin(
            """query($b: ID!) { bookingCancellations(filter: {bookingId: {eq: $b}}) { edges { node {
        cancelledByGuest refundPercent refundAmount refundStatus policy { id } } } }
        refundTransactions(filter: {bookingId: {eq: $b}}) { totalCount } }""",
            {"b": b["id"]},
        )
    )["data"]
    assert record["bookingCancellations"]["edges"][0]["node"] == {
        "cancelledByGuest": False,
        "refundPercent": "0.00",
        "refundAmount": "0.00",
        "refundStatus": "NOT_APPLICABLE",
        "policy": None,
    }
    assert record["refundTransactions"]["totalCount"] == 0


async def test_waitlist_refusals(world: World) -> None:
    join = mutation("waitlistJoin", "bookingWaitlist", WAITLIST_FIELDS)
    base = {
        "roomTypeId": world.rt("DBL"),
        "fromDate": str(today() + dt.timedelta(days=3)),
        "toDate": str(today() + dt.timedelta(days=40)),
        "contactName": "Neha",
        "gender": "MALE",
        "contactEmail": "n@example.com",
        "hostelId": world.gid,
    }
    for change, code, field in (
        ({"gender": "FEMALE"}, "INVALID", "gender"),
        ({"toDate": base["fromDate"]}, "INVALID", "toDate"),
        ({"fromDate": str(today() - dt.timedelta(days=1))}, "INVALID", "fromDate"),
        ({"contactEmail": None}, "INVALID", "contactEmail"),
        ({"hostelId": None}, "INVALID", "hostelId"),
    ):
        payload = (await world.visitor(join, {"i": {**base, **change}}))["data"]["waitlistJoin"]
        assert payload["errors"][0]["code"] == code and payload["errors"][0]["field"] == ["input", field], change
    entries = await world.admin("{ bookingWaitlist(first: 5) { totalCount } }")
    assert entries["data"]["bookingWaitlist"]["totalCount"] == 0
    ok = (await world.visitor(join, {"i": base}))["data"]["waitlistJoin"]
    assert ok["errors"] == [] and ok["bookingWaitlist"]["status"] == "WAITING"


async def test_modification_request_approve_and_move_the_hold(world: World) -> None:
    b = await create(world.visitor, booking_input(world, "DBL", months=2, visitor=True))
    assert (await call(world.admin, "bookingApprove", {"id": b["id"], "bedId": world.bed("DBL", 1)}))["errors"] == []
    modify = mutation("bookingModify", "bookingModification", MOD_FIELDS)
    nothing = (await world.visitor(modify, {"i": {"id": b["id"], "durationMonths": 2}}))["data"]["bookingModify"]
    assert nothing["errors"][0]["code"] == "INVALID"
    for bad, field in (
        ({"durationMonths": 0}, "durationMonths"),
        ({"durationMonths": 13}, "durationMonths"),
        ({"checkInDate": str(today() - dt.timedelta(days=1))}, "checkInDate"),
    ):
        refused = (await world.visitor(modify, {"i": {"id": b["id"], **bad}}))["data"]["bookingModify"]
        assert refused["errors"][0]["code"] == "INVALID" and refused["errors"][0]["field"] == ["input", field], bad
    asked = (await world.admin(modify, {"i": {"id": b["id"], "durationMonths": 3, "reason": "One more month"}}))[
        "data"
    ]["bookingModify"]
    assert asked["errors"] == []
    m = asked["bookingModification"]
    assert (m["status"], m["modificationType"], m["oldDurationMonths"], m["newDurationMonths"]) == (
        "PENDING",
        "DURATION",
        2,
        3,
    )
    assert (m["oldTotalAmount"], m["newTotalAmount"], m["priceDifference"]) == ("18000.00", "27000.00", "9000.00")
    second = (await world.visitor(modify, {"i": {"id": b["id"], "durationMonths": 4}}))["data"]["bookingModify"]
    assert second["errors"][0]["code"] == "CONFLICT"
    # the guest may not decide; another hostel's staff finds nothing
    decide = mutation("bookingModificationApprove", "bookingModification", MOD_FIELDS)
    refused = await world.visitor(decide, {"i": {"id": m["id"]}}, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = (await world.other(decide, {"i": {"id": m["id"]}}))["data"]["bookingModificationApprove"]
    assert other["errors"][0]["code"] == "NOT_FOUND"

    approved = (await world.admin(decide, {"i": {"id": m["id"], "notes": "ok"}}))["data"]["bookingModificationApprove"]
    assert approved["errors"] == [] and approved["bookingModification"]["status"] == "APPROVED"
    after = await booking(world.admin, b["id"])
    start = dt.date.fromisoformat(b["checkInDate"])
    assert (after["durationMonths"], after["checkOutDate"], after["totalAmount"]) == (
        3,
        str(add_months(start, 3)),
        "27000.00",
    )
    holds = [e["node"] for e in after["assignments"]["edges"] if e["node"]["active"]]
    assert holds == [
        {
            "active": True,
            "startsOn": str(start),
            "endsOn": str(add_months(start, 3)),
            "bed": {"id": world.bed("DBL", 1)},
        }
    ]  # the same bed, longer
    again = (await world.admin(decide, {"i": {"id": m["id"]}}))["data"]["bookingModificationApprove"]
    assert again["errors"][0]["code"] == "CONFLICT"


async def test_modification_refused_cleanly_when_no_bed_is_free(world: World) -> None:
    b = await create(world.admin, booking_input(world, "DBL", months=2))
    assert (await call(world.admin, "bookingApprove", {"id": b["id"]}))["errors"] == []
    single = await create(world.admin, booking_input(world, "SGL", months=6))
    assert (await call(world.admin, "bookingApprove", {"id": single["id"]}))["errors"] == []
    modify = mutation("bookingModify", "bookingModification", MOD_FIELDS)
    asked = (await world.admin(modify, {"i": {"id": b["id"], "roomTypeId": world.rt("SGL")}}))["data"]["bookingModify"]
    m = asked["bookingModification"]
    assert asked["errors"] == [] and m["modificationType"] == "ROOM_TYPE" and m["priceDifference"] == "6000.00"
    before = await booking(world.admin, b["id"])
    decide = mutation("bookingModificationApprove", "bookingModification", MOD_FIELDS)
    refused = (await world.admin(decide, {"i": {"id": m["id"]}}))["data"]["bookingModificationApprove"]
    assert refused["errors"][0]["code"] == "CONFLICT" and refused["bookingModification"] is None
    assert await booking(world.admin, b["id"]) == before  # same type, dates, price and bed hold
    status = await world.admin(
        "query($id: ID!) { node(id: $id) { ... on BookingModification { status } } }", {"id": m["id"]}
    )
    assert status["data"]["node"]["status"] == "PENDING"
    reject = mutation("bookingModificationReject", "bookingModification", MOD_FIELDS)
    rejected = (await world.admin(reject, {"i": {"id": m["id"], "notes": "Singles are full"}}))["data"]
    assert rejected["bookingModificationReject"]["bookingModification"]["status"] == "REJECTED"
    record = await world.admin(
        """query($m: ID!) { modificationApprovalRecords(filter: {modificationId: {eq: $m}}) {
        edges { node { approved notes } } } }""",
        {"m": m["id"]},
    )
    assert [e["node"] for e in record["data"]["modificationApprovalRecords"]["edges"]] == [
        {"approved": False, "notes": "Singles are full"}
    ]
    assert await booking(world.admin, b["id"]) == before


async def test_add_months() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert add_months(dt.date(2026, 12, 1), 12) == dt.date(2027, 12, 1)


async def test_a_private_hostel_booking_stays_cancellable_by_its_guest(db, client) -> None:
    w = await make_world(db, client)
    await add_room_type(db, w, "DBL", beds=2)
    b = await create(w.visitor, booking_input(w, "DBL", visitor=True))
    async with db.acquire() as conn:
        await conn.execute("UPDATE hostels SET is_public = false WHERE id = $1", w.hostel)
    try:
        done = await call(w.visitor, "bookingCancel", {"id": b["id"]})
        assert done["errors"] == [] and done["booking"]["status"] == "CANCELLED"
    finally:  # Booking.roomType is not nullable, and a private hostel's room types are hidden from visitors
        async with db.acquire() as conn:
            await conn.execute("UPDATE hostels SET is_public = true WHERE id = $1", w.hostel)


async def test_modifying_a_confirmed_booking_moves_its_calendar(world: World) -> None:
    b = await create(world.admin, booking_input(world, "DBL", months=1))
    assert (await call(world.admin, "bookingApprove", {"id": b["id"]}))["errors"] == []
    assert (await call(world.admin, "bookingConfirm", {"id": b["id"], "advancePaid": "2250.00"}))["errors"] == []
    new_start = dt.date.fromisoformat(b["checkInDate"]) + dt.timedelta(days=7)
    asked = await call(
        world.visitor,
        "bookingModify",
        {"id": b["id"], "checkInDate": str(new_start)},
        "bookingModification",
        MOD_FIELDS,
    )
    assert asked["errors"][0]["code"] == "NOT_FOUND"  # not the visitor's booking
    asked = await call(
        world.supervisor,
        "bookingModify",
        {"id": b["id"], "checkInDate": str(new_start)},
        "bookingModification",
        MOD_FIELDS,
    )
    assert asked["errors"] == [] and asked["bookingModification"]["modificationType"] == "DATES"
    assert asked["bookingModification"]["priceDifference"] == "0.00"
    ok = await call(
        world.admin,
        "bookingModificationApprove",
        {"id": asked["bookingModification"]["id"]},
        "bookingModification",
        "status",
    )
    assert ok["errors"] == []
    after = await booking(world.admin, b["id"])
    assert (after["status"], after["checkInDate"], after["checkOutDate"]) == (
        "CONFIRMED",
        str(new_start),
        str(add_months(new_start, 1)),
    )
    assert len(active_beds(after)) == 1
    events = (
        await world.admin(
            """query($b: ID!) { bookingCalendarEvents(filter: {bookingId: {eq: $b}},
        orderBy: {field: EVENT_DATE, direction: ASC}) { edges { node { eventType eventDate } } } }""",
            {"b": b["id"]},
        )
    )["data"]["bookingCalendarEvents"]["edges"]
    assert [(e["node"]["eventType"], e["node"]["eventDate"]) for e in events] == [
        ("CHECK_IN", str(new_start)),
        ("CHECK_OUT", str(add_months(new_start, 1))),
    ]


async def test_leaving_early_frees_the_rest_of_the_stay_for_the_waitlist(world: World, db) -> None:
    b = await create(world.admin, booking_input(world, "SGL", months=2))
    assert (await call(world.admin, "bookingApprove", {"id": b["id"]}))["errors"] == []
    assert (await call(world.admin, "bookingConfirm", {"id": b["id"], "advancePaid": "6000.00"}))["errors"] == []
    arrived, leaves = today() - dt.timedelta(days=5), today() + dt.timedelta(days=40)
    async with db.acquire() as conn:  # the stay began five days ago (dates arranged directly)
        bid = decode_gid(b["id"])[1]
        await conn.execute(
            "UPDATE bookings SET check_in_date = $2, check_out_date = $3 WHERE id = $1", bid, arrived, leaves
        )
        await conn.execute(
            "UPDATE booking_assignments SET starts_on = $2, ends_on = $3 WHERE booking_id = $1", bid, arrived, leaves
        )
    assert (await call(world.admin, "bookingCheckIn", {"id": b["id"]}))["errors"] == []
    entry = await call(
        world.admin,
        "waitlistJoin",
        {
            "roomTypeId": world.rt("SGL"),
            "fromDate": str(today() + dt.timedelta(days=1)),
            "toDate": str(leaves),
            "contactName": "Next guest",
            "gender": "MALE",
            "contactPhone": "+91 90000 00011",
        },
        "bookingWaitlist",
        "id",
    )
    assert entry["errors"] == []
    done = await call(world.admin, "bookingComplete", {"id": b["id"]})
    assert done["errors"] == [] and done["booking"]["status"] == "COMPLETED"
    hold = [e["node"] for e in done["booking"]["assignments"]["edges"]]
    assert hold == [{"active": True, "startsOn": str(arrived), "endsOn": str(today()), "bed": {"id": world.bed("SGL")}}]
    told = await world.admin(
        "query($id: ID!) { node(id: $id) { ... on BookingWaitlist { status } } }",
        {"id": entry["bookingWaitlist"]["id"]},
    )
    assert told["data"]["node"]["status"] == "NOTIFIED"


async def test_a_booking_keeps_its_withdrawn_room_type_through_a_change_of_dates(world: World) -> None:
    """The hostel stops offering a room type (roomTypeDefinitionDeactivate) while bookings of it are
    open: they keep it. A guest's longer stay is asked for and applied on the type they were sold
    (it used to be refused: "not offered any more"); moving to a withdrawn type, or a new booking of
    it, is still refused."""
    b = await create(world.visitor, booking_input(world, "DBL", months=2, visitor=True))
    assert (await call(world.admin, "bookingApprove", {"id": b["id"], "bedId": world.bed("DBL", 1)}))["errors"] == []
    withdraw = """mutation($i: RoomTypeDefinitionDeactivateInput!) { roomTypeDefinitionDeactivate(input: $i) {
      errors { code } } }"""
    for code in ("DBL", "SGL"):
        assert (await world.admin(withdraw, {"i": {"id": world.rt(code)}}))["data"]["roomTypeDefinitionDeactivate"][
            "errors"
        ] == []
    modify = mutation("bookingModify", "bookingModification", MOD_FIELDS)
    moved = (await world.visitor(modify, {"i": {"id": b["id"], "roomTypeId": world.rt("SGL")}}))["data"][
        "bookingModify"
    ]
    assert moved["errors"][0]["code"] == "INVALID" and moved["bookingModification"] is None
    asked = (await world.visitor(modify, {"i": {"id": b["id"], "durationMonths": 3}}))["data"]["bookingModify"]
    assert asked["errors"] == [], asked
    assert asked["bookingModification"]["newRoomType"] == {"id": world.rt("DBL")}
    decide = mutation("bookingModificationApprove", "bookingModification", MOD_FIELDS)
    approved = (await world.admin(decide, {"i": {"id": asked["bookingModification"]["id"]}}))["data"][
        "bookingModificationApprove"
    ]
    assert approved["errors"] == [] and approved["bookingModification"]["status"] == "APPROVED", approved
    after = await booking(world.admin, b["id"])
    assert after["durationMonths"] == 3
    fresh = (
        await world.visitor(
            mutation("bookingCreate", "booking", "id"), {"i": booking_input(world, "DBL", months=1, visitor=True)}
        )
    )["data"]["bookingCreate"]
    assert fresh["errors"][0]["code"] == "INVALID" and fresh["booking"] is None
