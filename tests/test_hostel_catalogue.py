"""Seed 000 `hostel/`: the public catalogue visitors search, configuration by the warden,
house rules residents acknowledge, amenity slots, violations.

Tests that change data create their own amenities and policies, so demo rows stay as they are.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kit.ids import encode_gid
from tests.conftest import as_user, GQL, unique


@pytest.fixture
async def warden(client) -> GQL:
    return await as_user(client, "warden@sunrise.demo")


@pytest.fixture
async def resident(client) -> GQL:
    return await as_user(client, "resident@sunrise.demo")


async def sunrise(db) -> dict[str, int]:
    async with db.acquire() as conn:
        hostel = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")
        me = await conn.fetchval(
            "SELECT s.id FROM hostel_students s JOIN users u ON u.id = s.user_id "
            "WHERE u.email = 'resident@sunrise.demo'"
        )
        other = await conn.fetchval(
            "SELECT id FROM hostel_students WHERE hostel_id = $1 AND id <> $2 "
            "AND status = 'ACTIVE' ORDER BY id LIMIT 1",
            hostel,
            me,
        )
    return {"hostel": hostel, "me": me, "other": other}


ROOM_TYPES = """query($hostel: ID!) { roomTypes(first: 100, filter: {hostelId: {eq: $hostel}}, orderBy: [{field: BASE_PRICE_MONTHLY}]) {
  totalCount nodes { name code basePriceMonthly bedsPerRoom hostel { name }
  features { nodes { name } } pricing { nodes { season monthlyPrice } } } } }"""


async def test_visitors_search_room_types_amenities_and_policies_without_logging_in(gql, db):
    ids = await sunrise(db)
    anonymous = GQL(gql.client)
    body = await anonymous(ROOM_TYPES, {"hostel": encode_gid("Hostel", ids["hostel"])})
    types = body["data"]["roomTypes"]
    async with db.acquire() as conn:  # other tests may add room types to the demo hostel: read what is there
        listed = [
            r["code"]
            for r in await conn.fetch(
                "SELECT code FROM room_type_definitions WHERE hostel_id = $1 AND active ORDER BY base_price_monthly, id",
                ids["hostel"],
            )
        ]
    assert types["totalCount"] == len(listed) and [t["code"] for t in types["nodes"]] == listed  # cheapest first
    demo = [c for c in listed if c in ("QD", "TRP", "DBL", "SGL")]
    assert demo == ["QD", "TRP", "DBL", "SGL"]  # the demo's four, in price order
    quad = next(t for t in types["nodes"] if t["code"] == "QD")
    assert quad["hostel"]["name"] == "Sunrise Boys Hostel"
    assert {f["name"] for f in quad["features"]["nodes"]} >= {"Wi-Fi", "Study table"}
    assert quad["basePriceMonthly"] == "6900.00"
    extras = await anonymous("""{ hostelAmenities(first: 50) { nodes { name hostel { slug } } }
      hostelPolicies(first: 50) { nodes { title version } } hostelMedia(first: 50) { nodes { url isCover } }
      cancellationPolicies { nodes { name tiers } } }""")
    data = extras["data"]
    assert {a["hostel"]["slug"] for a in data["hostelAmenities"]["nodes"]} >= {"demo-sunrise", "demo-lotus"}
    assert "Curfew" in {p["title"] for p in data["hostelPolicies"]["nodes"]}
    assert data["cancellationPolicies"]["nodes"][0]["tiers"][0] == {"minDaysBefore": 30, "refundPercent": "100"}
    # what is not catalogue stays closed: rooms, beds, residents, bookings
    closed = await anonymous("{ rooms { totalCount } }", expect_errors=True)
    assert closed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # a room type's rooms are not listed to a visitor even through the relation
    visitor = await as_user(gql.client, "visitor@demo.campus")
    rel = await visitor("{ roomTypes(first: 1) { nodes { rooms { totalCount nodes { id } } } } }")
    assert rel["data"]["roomTypes"]["nodes"][0]["rooms"] == {"totalCount": 0, "nodes": []}


async def test_warden_configures_the_catalogue_and_another_hostel_cannot_touch_it(client, warden, db):
    name = unique("Rooftop")
    created = await warden(
        """mutation($input: HostelAmenityCreateInput!) { hostelAmenityCreate(input: $input) {
      hostelAmenity { id name isBookable capacity hostel { slug } } errors { code field message } } }""",
        {"input": {"name": name, "isBookable": True, "capacity": 2}},
    )
    amenity = created["data"]["hostelAmenityCreate"]["hostelAmenity"]
    assert amenity["hostel"]["slug"] == "demo-sunrise" and amenity["capacity"] == 2
    lotus = await as_user(client, "warden@lotus.demo")
    update = """mutation($input: HostelAmenityUpdateInput!) { hostelAmenityUpdate(input: $input) {
      hostelAmenity { id name } errors { code } } }"""
    refused = await lotus(update, {"input": {"id": amenity["id"], "name": "Hijacked"}})
    assert refused["data"]["hostelAmenityUpdate"]["errors"][0]["code"] == "NOT_FOUND"
    resident = await as_user(client, "resident@sunrise.demo")
    forbidden = await resident(update, {"input": {"id": amenity["id"], "name": "Mine"}}, expect_errors=True)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT name FROM hostel_amenities WHERE id = $1", int(_pk(amenity["id"]))) == name


def _pk(gid: str) -> int:
    from kit.ids import decode_gid

    return decode_gid(gid)[1]


ACK = """mutation($input: HostelPolicyAcknowledgeInput!) { hostelPolicyAcknowledge(input: $input) {
  policyAcknowledgment { id policyVersion student { fullName } policy { title version } } errors { code field message } } }"""


async def test_a_resident_acknowledges_each_version_of_a_house_rule_once(warden, resident, db):
    ids = await sunrise(db)
    created = await warden(
        """mutation($input: HostelPolicyCreateInput!) { hostelPolicyCreate(input: $input) {
      hostelPolicy { id version } errors { code } } }""",
        {"input": {"title": unique("Quiet hours"), "content": "Quiet after 23:00.", "effectiveFrom": "2026-01-01"}},
    )
    policy = created["data"]["hostelPolicyCreate"]["hostelPolicy"]
    first = (await resident(ACK, {"input": {"policyId": policy["id"]}}))["data"]["hostelPolicyAcknowledge"]
    assert first["errors"] == [] and first["policyAcknowledgment"]["policyVersion"] == 1
    again = (await resident(ACK, {"input": {"policyId": policy["id"]}}))["data"]["hostelPolicyAcknowledge"]
    assert again["policyAcknowledgment"]["id"] == first["policyAcknowledgment"]["id"]
    # new wording = a new version to acknowledge; a title fix is not
    await warden(
        """mutation($input: HostelPolicyUpdateInput!) { hostelPolicyUpdate(input: $input) {
      hostelPolicy { version } errors { code } } }""",
        {"input": {"id": policy["id"], "content": "Quiet after 22:30."}},
    )
    second = (await resident(ACK, {"input": {"policyId": policy["id"]}}))["data"]["hostelPolicyAcknowledge"]
    assert second["policyAcknowledgment"]["policyVersion"] == 2
    assert second["policyAcknowledgment"]["id"] != first["policyAcknowledgment"]["id"]
    # a resident cannot acknowledge for someone else
    other = await resident(
        ACK, {"input": {"policyId": policy["id"], "studentId": encode_gid("HostelStudent", ids["other"])}}
    )
    assert other["data"]["hostelPolicyAcknowledge"]["errors"][0]["code"] == "NOT_FOUND"
    async with db.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM policy_acknowledgments WHERE policy_id = $1", _pk(policy["id"]))
            == 2
        )


BOOK = """mutation($input: AmenityBookingCreateInput!) { amenityBookingCreate(input: $input) {
  amenityBooking { id status startsAt student { fullName } amenity { name } } errors { code field message } } }"""


def _slot(hours_ahead: int, length: int = 1) -> tuple[str, str]:
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    start += dt.timedelta(hours=hours_ahead)
    return start.isoformat().replace("+00:00", "Z"), (start + dt.timedelta(hours=length)).isoformat().replace(
        "+00:00", "Z"
    )


async def test_amenity_slots_respect_capacity_and_opening_hours(client, warden, resident, db):
    ids = await sunrise(db)
    made = await warden(
        """mutation($input: HostelAmenityCreateInput!) { hostelAmenityCreate(input: $input) {
      hostelAmenity { id } errors { code } } }""",
        {
            "input": {
                "name": unique("Squash court"),
                "isBookable": True,
                "capacity": 1,
                "openFrom": "06:00:00",
                "openUntil": "20:00:00",
            }
        },
    )
    court = made["data"]["hostelAmenityCreate"]["hostelAmenity"]["id"]
    start, end = _slot(2)
    mine = (await resident(BOOK, {"input": {"amenityId": court, "startsAt": start, "endsAt": end}}))["data"][
        "amenityBookingCreate"
    ]
    assert mine["errors"] == [] and mine["amenityBooking"]["status"] == "BOOKED"
    # the court holds one booking at a time: the warden booking it for another resident is refused
    other = encode_gid("HostelStudent", ids["other"])
    full = await warden(BOOK, {"input": {"amenityId": court, "startsAt": start, "endsAt": end, "studentId": other}})
    assert full["data"]["amenityBookingCreate"]["errors"][0]["code"] == "CONFLICT"
    late_start, late_end = _slot(13)  # 21:00, after closing
    closed = await resident(BOOK, {"input": {"amenityId": court, "startsAt": late_start, "endsAt": late_end}})
    assert closed["data"]["amenityBookingCreate"]["errors"][0]["field"][-1] == "startsAt"
    backwards = await resident(BOOK, {"input": {"amenityId": court, "startsAt": end, "endsAt": start}})
    assert backwards["data"]["amenityBookingCreate"]["errors"][0]["code"] == "INVALID"
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM amenity_bookings WHERE amenity_id = $1", _pk(court)) == 1
    # cancelling frees the slot; another hostel's warden cannot cancel it
    cancel = """mutation($input: AmenityBookingCancelInput!) { amenityBookingCancel(input: $input) {
      amenityBooking { status } errors { code } } }"""
    lotus = await as_user(client, "warden@lotus.demo")
    assert (await lotus(cancel, {"input": {"id": mine["amenityBooking"]["id"]}}))["data"]["amenityBookingCancel"][
        "errors"
    ][0]["code"] == "NOT_FOUND"
    done = await resident(cancel, {"input": {"id": mine["amenityBooking"]["id"]}})
    assert done["data"]["amenityBookingCancel"]["amenityBooking"]["status"] == "CANCELLED"
    retry = await warden(BOOK, {"input": {"amenityId": court, "startsAt": start, "endsAt": end, "studentId": other}})
    assert retry["data"]["amenityBookingCreate"]["errors"] == []


async def test_violations_are_recorded_by_staff_and_seen_by_the_resident_only_for_themself(client, resident, db):
    ids = await sunrise(db)
    supervisor = await as_user(client, "supervisor@sunrise.demo")
    record = """mutation($input: HostelPolicyViolationRecordInput!) { hostelPolicyViolationRecord(input: $input) {
      hostelPolicyViolation { id status severity student { fullName } } errors { code field } } }"""
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    made = await supervisor(
        record,
        {
            "input": {
                "studentId": encode_gid("HostelStudent", ids["me"]),
                "occurredAt": when,
                "description": "Music after midnight",
                "severity": "MINOR",
                "actionTaken": "Warned",
            }
        },
    )
    violation = made["data"]["hostelPolicyViolationRecord"]["hostelPolicyViolation"]
    assert violation["status"] == "ACTION_TAKEN"
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    refused = await supervisor(
        record,
        {
            "input": {
                "studentId": encode_gid("HostelStudent", ids["me"]),
                "occurredAt": future,
                "description": "x",
                "severity": "MINOR",
            }
        },
    )
    assert refused["data"]["hostelPolicyViolationRecord"]["errors"][0]["field"][-1] == "occurredAt"
    forbidden = await resident(
        record,
        {
            "input": {
                "studentId": encode_gid("HostelStudent", ids["other"]),
                "occurredAt": when,
                "description": "x",
                "severity": "MINOR",
            }
        },
        expect_errors=True,
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    seen = await resident("{ hostelPolicyViolations(first: 100) { nodes { id student { id } } } }")
    students = {n["student"]["id"] for n in seen["data"]["hostelPolicyViolations"]["nodes"]}
    assert students == {encode_gid("HostelStudent", ids["me"])}
    assert violation["id"] in {n["id"] for n in seen["data"]["hostelPolicyViolations"]["nodes"]}


async def test_a_visitor_reads_their_own_bookings_with_guest_approval_and_history_in_any_hostel(client, db):
    """Without a hostel, a visitor sees the bookings they made (and the records hanging off
    them), nothing of anyone else's."""
    visitor = await as_user(client, "visitor@demo.campus")
    body = await visitor("""{ bookings(first: 50) { nodes { reference status roomType { name }
      statusHistory { nodes { toStatus } } } }
      bookingGuests(first: 50) { nodes { fullName booking { reference } } }
      bookingApprovals(first: 50) { nodes { advanceRequired booking { reference } } } }""")
    data = body["data"]
    async with db.acquire() as conn:
        mine = {
            r["reference"]
            for r in await conn.fetch(
                "SELECT reference FROM bookings b JOIN users u ON u.id = b.booker_user_id WHERE u.email = 'visitor@demo.campus'"
            )
        }
        approved = {
            r["reference"]
            for r in await conn.fetch(
                "SELECT b.reference FROM bookings b JOIN users u ON u.id = b.booker_user_id JOIN booking_approvals a "
                "ON a.booking_id = b.id WHERE u.email = 'visitor@demo.campus'"
            )
        }
    assert len(mine) >= 4  # two in each demo hostel
    assert {n["reference"] for n in data["bookings"]["nodes"]} == mine
    assert all(n["statusHistory"]["nodes"][0]["toStatus"] == "PENDING" for n in data["bookings"]["nodes"])
    assert {n["booking"]["reference"] for n in data["bookingGuests"]["nodes"]} == mine
    assert {n["booking"]["reference"] for n in data["bookingApprovals"]["nodes"]} == approved


async def test_every_hostel_mutation_leaves_an_audit_entry_for_the_admins(client, warden, db):
    made = await warden(
        """mutation($input: HostelAmenityCreateInput!) { hostelAmenityCreate(input: $input) {
      hostelAmenity { id } errors { code } } }""",
        {"input": {"name": unique("Music room")}},
    )
    amenity = made["data"]["hostelAmenityCreate"]["hostelAmenity"]["id"]
    log = await warden(
        """query($id: Int!) { auditLogs(filter: {entityType: {eq: "HostelAmenity"}, entityId: {eq: $id}}) {
      nodes { action entityType entityId userId occurredAt } } }""",
        {"id": _pk(amenity)},
    )
    [entry] = log["data"]["auditLogs"]["nodes"]
    async with db.acquire() as conn:
        warden_id = await conn.fetchval("SELECT id FROM users WHERE email = 'warden@sunrise.demo'")
    assert entry["action"] == "hostelAmenityCreate" and entry["userId"] == warden_id
    # a failed mutation leaves none, and the log is for administrators only
    await warden(
        """mutation($input: HostelAmenityUpdateInput!) { hostelAmenityUpdate(input: $input) { errors { code } } }""",
        {"input": {"id": encode_gid("HostelAmenity", 987654321), "name": "x"}},
    )
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM audit_logs WHERE entity_id = 987654321") == 0
    supervisor = await as_user(client, "supervisor@sunrise.demo")
    denied = await supervisor("{ auditLogs { totalCount } }", expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_deactivating_an_amenity_cancels_its_slots_to_come_and_keeps_the_others(warden, resident, db):
    """A warden closes an amenity: the residents' slots still to come are cancelled in the same
    mutation (they used to stay BOOKED on an amenity that no longer exists, and staff cannot cancel
    a resident's slot); a slot under way and one of another amenity stay as they were."""
    ids = await sunrise(db)
    make = """mutation($input: HostelAmenityCreateInput!) { hostelAmenityCreate(input: $input) {
      hostelAmenity { id } errors { code } } }"""
    court, other = [
        (await warden(make, {"input": {"name": unique(name), "isBookable": True, "capacity": 3}}))["data"][
            "hostelAmenityCreate"
        ]["hostelAmenity"]["id"]
        for name in ("Court", "Pool")
    ]
    booked = []
    for amenity, hours in ((court, 1), (court, 3), (other, 1)):
        start, end = _slot(hours)
        made = (await resident(BOOK, {"input": {"amenityId": amenity, "startsAt": start, "endsAt": end}}))["data"][
            "amenityBookingCreate"
        ]
        assert made["errors"] == [], made
        booked.append(_pk(made["amenityBooking"]["id"]))
    now = dt.datetime.now(dt.UTC)
    async with db.acquire() as conn:  # a slot under way (bookings cannot be made in the past through the API)
        under_way = await conn.fetchval(
            "INSERT INTO amenity_bookings (hostel_id, amenity_id, student_id, starts_at, ends_at, status) "
            "VALUES ($1, $2, $3, $4, $5, 'BOOKED') RETURNING id",
            ids["hostel"],
            _pk(court),
            ids["me"],
            now - dt.timedelta(minutes=30),
            now + dt.timedelta(minutes=30),
        )
    done = await warden(
        """mutation($input: HostelAmenityDeactivateInput!) { hostelAmenityDeactivate(input: $input) {
      hostelAmenity { active } errors { code } } }""",
        {"input": {"id": court}},
    )
    assert done["data"]["hostelAmenityDeactivate"] == {"hostelAmenity": {"active": False}, "errors": []}, done
    async with db.acquire() as conn:
        status = dict(
            await conn.fetch(
                "SELECT id, status FROM amenity_bookings WHERE id = ANY($1::bigint[])", [*booked, under_way]
            )
        )
    assert [status[b] for b in booked] == ["CANCELLED", "CANCELLED", "BOOKED"], status
    assert status[under_way] == "BOOKED"
    # and the closed amenity takes no new slot
    start, end = _slot(5)
    again = (await resident(BOOK, {"input": {"amenityId": court, "startsAt": start, "endsAt": end}}))["data"][
        "amenityBookingCreate"
    ]
    assert again["errors"][0]["code"] == "INVALID"
