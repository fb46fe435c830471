"""Rooms and beds as master data: hostel totals kept in step, capacity, price changes with
their append-only history, deactivation refused while someone lives in or holds a bed,
satellites, roles and the other hostel's token."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from tests.hostel_setup import (
    BED,
    ERR,
    LIMIT,
    ROOM,
    checked_in_booking,
    hostel,
    ok,
    pk,
    refused,
    resident,
    room,
    room_type,
    today,
)
from tests.conftest import as_user as user

PRICE = (
    f"""mutation($i: RoomPriceChangeInput!) {{ roomPriceChange(input: $i) {{ room {{ id monthlyRent }} {ERR} }} }}"""
)
HISTORY = """query($room: ID!) { node(id: $room) { ... on Room { monthlyRent
  pricingHistory(orderBy: [{field: CREATED_AT}]) { totalCount nodes { oldMonthlyRent newMonthlyRent effectiveFrom reason } } } } }"""
ROOM_UPDATE = (
    f"""mutation($i: RoomUpdateInput!) {{ roomUpdate(input: $i) {{ room {{ id capacity status notes }} {ERR} }} }}"""
)
ROOM_OFF = f"""mutation($i: RoomDeactivateInput!) {{ roomDeactivate(input: $i) {{ room {{ id active }} {ERR} }} }}"""
BED_OFF = f"""mutation($i: BedDeactivateInput!) {{ bedDeactivate(input: $i) {{ bed {{ id active }} {ERR} }} }}"""
BED_UPDATE = (
    f"""mutation($i: BedUpdateInput!) {{ bedUpdate(input: $i) {{ bed {{ id status monthlyRentOverride }} {ERR} }} }}"""
)
NODE = "query($id: ID!) { node(id: $id) { ... on Room { active capacity status notes } ... on Bed { active bedStatus: status } } }"
SPEC = f"""mutation($i: RoomSpecificationCreateInput!) {{ roomSpecificationCreate(input: $i) {{
  roomSpecification {{ id windows bathroomType room {{ id }} }} {ERR} }} }}"""
SPEC_UPDATE = f"""mutation($i: RoomSpecificationUpdateInput!) {{ roomSpecificationUpdate(input: $i) {{
  roomSpecification {{ id windows hasBalcony }} {ERR} }} }}"""


@pytest.fixture
async def sunrise(db):
    return await hostel(db, "demo-sunrise")


@pytest.fixture
async def warden(client, sunrise):
    return await user(client, "warden@sunrise.demo", sunrise["gid"])


async def totals(db, slug="demo-sunrise"):
    h = await hostel(db, slug)
    return h["rooms"], h["beds"]


async def test_rooms_and_beds_keep_hostel_totals_and_capacity(warden, db):
    rooms0, beds0 = await totals(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=2)
    assert await totals(db) == (rooms0 + 1, beds0 + 2)
    # a third bed in a room of capacity 2 is refused, and nothing changes
    payload = await refused(warden, BED, {"i": {"roomId": r["id"], "bedNumber": "B3"}}, "bedCreate", "CONFLICT")
    assert "capacity" in payload["errors"][0]["message"] and payload["bed"] is None
    assert await totals(db) == (rooms0 + 1, beds0 + 2)
    # capacity cannot drop below the active beds
    await refused(warden, ROOM_UPDATE, {"i": {"id": r["id"], "capacity": 1}}, "roomUpdate", "CONFLICT")
    assert (await warden(NODE, {"id": r["id"]}))["data"]["node"]["capacity"] == 2
    # deactivating a free bed, then the room: both totals follow
    await ok(warden, BED_OFF, {"i": {"id": r["beds"][1]}}, "bedDeactivate")
    assert await totals(db) == (rooms0 + 1, beds0 + 1)
    await ok(warden, ROOM_OFF, {"i": {"id": r["id"]}}, "roomDeactivate")
    assert await totals(db) == (rooms0, beds0)
    # a deactivated room takes no new beds
    await refused(warden, BED, {"i": {"roomId": r["id"], "bedNumber": "B9"}}, "bedCreate", "INVALID")


async def test_price_changes_write_one_history_row_each(warden):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1, rent="7000.00")
    first = today()
    for rent, day in (("7500.00", first), ("8200.50", first + dt.timedelta(days=30))):
        payload = await ok(
            warden,
            PRICE,
            {"i": {"roomId": r["id"], "newMonthlyRent": rent, "effectiveFrom": day.isoformat(), "reason": "Season"}},
            "roomPriceChange",
        )
        assert payload["room"]["monthlyRent"] == rent
    node = (await warden(HISTORY, {"room": r["id"]}))["data"]["node"]
    assert node["monthlyRent"] == "8200.50"
    assert node["pricingHistory"]["totalCount"] == 3  # the opening rent and two changes
    assert [(h["oldMonthlyRent"], h["newMonthlyRent"]) for h in node["pricingHistory"]["nodes"]] == [
        ("7000.00", "7000.00"),
        ("7000.00", "7500.00"),
        ("7500.00", "8200.50"),
    ]
    # refusals leave rent and history as they are
    bad = [
        ({"newMonthlyRent": "8200.50"}, "INVALID"),  # no change
        ({"newMonthlyRent": "-1.00"}, "INVALID"),
        ({"effectiveFrom": first.isoformat()}, "INVALID"),  # before the last change
        ({"reason": "  "}, "INVALID"),
    ]
    for change, code in bad:
        inp = {
            "roomId": r["id"],
            "newMonthlyRent": "9000.00",
            "effectiveFrom": (first + dt.timedelta(days=60)).isoformat(),
            "reason": "Again",
            **change,
        }
        await refused(warden, PRICE, {"i": inp}, "roomPriceChange", code)
    node = (await warden(HISTORY, {"room": r["id"]}))["data"]["node"]
    assert node["monthlyRent"] == "8200.50" and node["pricingHistory"]["totalCount"] == 3


async def test_rent_is_not_writable_through_room_update(warden):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    body = await warden(ROOM_UPDATE, {"i": {"id": r["id"], "monthlyRent": "1.00"}}, expect_errors=True)
    assert body.get("data") is None and "monthlyRent" in body["errors"][0]["message"]


async def test_pricing_history_is_append_only_for_the_app_role(app_url, warden):
    rt = await room_type(warden)
    await room(warden, rt, beds=1)
    conn = await asyncpg.connect(app_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE room_pricing_history SET new_monthly_rent = 1")
    finally:
        await conn.close()


async def test_deactivation_refused_while_a_booking_holds_or_a_resident_lives_there(warden, db, sunrise):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=2)
    rooms0, beds0 = await totals(db)
    await checked_in_booking(
        db, sunrise["id"], rt, r["beds"][0], status="CONFIRMED", check_in=today() + dt.timedelta(days=3)
    )
    payload = await refused(warden, BED_OFF, {"i": {"id": r["beds"][0]}}, "bedDeactivate", "CONFLICT")
    assert "booking" in payload["errors"][0]["message"]
    await refused(warden, ROOM_OFF, {"i": {"id": r["id"]}}, "roomDeactivate", "CONFLICT")
    await refused(warden, BED_UPDATE, {"i": {"id": r["beds"][0], "status": "OUT_OF_SERVICE"}}, "bedUpdate", "CONFLICT")
    await refused(warden, ROOM_UPDATE, {"i": {"id": r["id"], "status": "CLOSED"}}, "roomUpdate", "CONFLICT")
    # a resident in the other bed
    await resident(warden, db, sunrise["id"], rt, r["beds"][1])
    payload = await refused(warden, BED_OFF, {"i": {"id": r["beds"][1]}}, "bedDeactivate", "CONFLICT")
    assert "resident" in payload["errors"][0]["message"]
    for gid in (r["id"], *r["beds"]):
        node = (await warden(NODE, {"id": gid}))["data"]["node"]
        assert node["active"] is True and (node.get("status") or node.get("bedStatus")) == "IN_SERVICE"
    assert await totals(db) == (rooms0, beds0)
    # unrelated changes still go through
    await ok(warden, ROOM_UPDATE, {"i": {"id": r["id"], "notes": "Corner room"}}, "roomUpdate")


async def test_roles_and_the_other_hostels_token(client, warden, db):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1, rent="6000.00")
    for email in ("supervisor@sunrise.demo", "resident@sunrise.demo"):
        other = await user(client, email)
        body = await other(
            ROOM,
            {"i": {"roomTypeId": rt, "roomNumber": "X1", "floor": 1, "capacity": 1, "monthlyRent": "1.00"}},
            expect_errors=True,
        )
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        body = await other(
            PRICE,
            {"i": {"roomId": r["id"], "newMonthlyRent": "1.00", "effectiveFrom": today().isoformat(), "reason": "x"}},
            expect_errors=True,
        )
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    lotus = await user(client, "warden@lotus.demo")
    rooms0, beds0 = await totals(db)
    await refused(lotus, ROOM_UPDATE, {"i": {"id": r["id"], "notes": "mine"}}, "roomUpdate", "NOT_FOUND")
    await refused(lotus, ROOM_OFF, {"i": {"id": r["id"]}}, "roomDeactivate", "NOT_FOUND")
    await refused(lotus, BED_OFF, {"i": {"id": r["beds"][0]}}, "bedDeactivate", "NOT_FOUND")
    await refused(
        lotus,
        PRICE,
        {"i": {"roomId": r["id"], "newMonthlyRent": "1.00", "effectiveFrom": today().isoformat(), "reason": "x"}},
        "roomPriceChange",
        "NOT_FOUND",
    )
    # a bed in another hostel's room: the room looks missing
    await refused(lotus, BED, {"i": {"roomId": r["id"], "bedNumber": "L1"}}, "bedCreate", "NOT_FOUND")
    node = (await warden(HISTORY, {"room": r["id"]}))["data"]["node"]
    assert node["monthlyRent"] == "6000.00" and node["pricingHistory"]["totalCount"] == 1
    assert (await warden(NODE, {"id": r["id"]}))["data"]["node"]["notes"] is None
    assert await totals(db) == (rooms0, beds0)


async def test_bad_input(warden):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    number = await warden(NODE.replace("active capacity", "roomNumber active capacity"), {"id": r["id"]})
    base = {"roomTypeId": rt, "floor": 1, "capacity": 2, "monthlyRent": "100.00"}
    await refused(
        warden, ROOM, {"i": {**base, "roomNumber": number["data"]["node"]["roomNumber"]}}, "roomCreate", "CONFLICT"
    )
    await refused(warden, ROOM, {"i": {**base, "roomNumber": "Z-neg", "capacity": 0}}, "roomCreate", "INVALID")
    await refused(
        warden, ROOM, {"i": {**base, "roomNumber": "Z-neg2", "monthlyRent": "-5.00"}}, "roomCreate", "INVALID"
    )
    await refused(warden, ROOM, {"i": {**base, "roomNumber": "Z-bad", "roomTypeId": r["id"]}}, "roomCreate", "INVALID")
    await refused(warden, BED, {"i": {"roomId": r["id"], "bedNumber": "B1"}}, "bedCreate", "CONFLICT")


async def test_satellites_one_per_room_and_occupancy_rules(warden):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=2)
    spec = (
        await ok(
            warden,
            SPEC,
            {"i": {"roomId": r["id"], "windows": 2, "bathroomType": "ATTACHED"}},
            "roomSpecificationCreate",
        )
    )["roomSpecification"]
    assert spec["windows"] == 2 and spec["room"]["id"] == r["id"]
    await refused(warden, SPEC, {"i": {"roomId": r["id"]}}, "roomSpecificationCreate", "CONFLICT")
    updated = (await ok(warden, SPEC_UPDATE, {"i": {"id": spec["id"], "hasBalcony": True}}, "roomSpecificationUpdate"))[
        "roomSpecification"
    ]
    assert updated == {"id": spec["id"], "windows": 2, "hasBalcony": True}
    # occupancy limits: within the capacity, and a girls-only room cannot exist in a boys' hostel
    await refused(warden, LIMIT, {"i": {"roomId": r["id"], "maxOccupants": 3}}, "roomOccupancyLimitCreate", "INVALID")
    await refused(
        warden,
        LIMIT,
        {"i": {"roomId": r["id"], "maxOccupants": 2, "genderRule": "FEMALE_ONLY"}},
        "roomOccupancyLimitCreate",
        "INVALID",
    )
    await ok(
        warden,
        LIMIT,
        {"i": {"roomId": r["id"], "maxOccupants": 1, "genderRule": "MALE_ONLY"}},
        "roomOccupancyLimitCreate",
    )


async def test_supervisor_records_bed_condition_and_maintenance(client, warden):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    sup = await user(client, "supervisor@sunrise.demo")
    q = f"""mutation($i: BedConditionCreateInput!) {{ bedConditionCreate(input: $i) {{
      bedCondition {{ condition needsMaintenance bed {{ id }} }} {ERR} }} }}"""
    payload = await ok(
        sup, q, {"i": {"bedId": r["beds"][0], "condition": "FAIR", "needsMaintenance": True}}, "bedConditionCreate"
    )
    assert payload["bedCondition"] == {"condition": "FAIR", "needsMaintenance": True, "bed": {"id": r["beds"][0]}}
    # but bed configuration is the administrators'
    q = f"""mutation($i: BedConfigurationCreateInput!) {{ bedConfigurationCreate(input: $i) {{ {ERR} }} }}"""
    body = await sup(q, {"i": {"bedId": r["beds"][0]}}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert pk(r["beds"][0]) > 0


async def test_occupancy_limit_cannot_go_below_the_residents(warden, db, sunrise):
    rt = await room_type(warden)
    r = await room(warden, rt, beds=2)
    for bed in r["beds"]:
        await resident(warden, db, sunrise["id"], rt, bed)
    payload = await refused(
        warden, LIMIT, {"i": {"roomId": r["id"], "maxOccupants": 1}}, "roomOccupancyLimitCreate", "CONFLICT"
    )
    assert "2 residents" in payload["errors"][0]["message"]
    await ok(warden, LIMIT, {"i": {"roomId": r["id"], "maxOccupants": 2}}, "roomOccupancyLimitCreate")
