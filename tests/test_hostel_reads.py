"""Reads for dashboards and phones: public availability, occupancy, the room board, a
resident's phone view and a hostel admin's portfolio (schema/hostel_reads.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

import demo
from kit.ids import encode_gid
from tests.conftest import bearer, hostel_today, login, tenant_header, unique

TODAY = hostel_today()


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


# ---- a small hostel of the test's own ---------------------------------------------------------


async def build_hostel(
    db: Any,
    *,
    rooms: int = 2,
    beds_per_room: int = 2,
    public: bool = True,
    city: str | None = None,
    hostel_type: str = "CO_ED",
    price: str = "6000.00",
    floors: list[int] | None = None,
    types: int = 1,
) -> dict[str, Any]:
    """A hostel with `types` room types and `rooms` rooms of `beds_per_room` beds each (room i on
    floor `floors[i]`, default 1, 2, 3...; room types assigned round robin)."""
    slug = unique("hr").lower()
    out: dict[str, Any] = {"slug": slug, "rooms": [], "beds": [], "types": []}
    async with db.acquire() as conn, conn.transaction():
        hid = await conn.fetchval(
            "INSERT INTO hostels (name, slug, hostel_type, city, is_public, starting_price_monthly) "
            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            f"Hostel {slug}",
            slug,
            hostel_type,
            city or unique("City"),
            public,
            Decimal(price),
        )
        out["id"], out["gid"] = hid, encode_gid("Hostel", hid)
        for t in range(types):
            tid = await conn.fetchval(
                "INSERT INTO room_type_definitions (hostel_id, code, name, category, beds_per_room, base_price_monthly) "
                "VALUES ($1, $2, $3, 'DOUBLE', $4, $5) RETURNING id",
                hid,
                f"T{t}",
                f"Type {t}",
                beds_per_room,
                Decimal(price) + t * 1000,
            )
            out["types"].append(tid)
        for r in range(rooms):
            type_id = out["types"][r % types]
            floor = floors[r] if floors else r + 1
            rid = await conn.fetchval(
                "INSERT INTO rooms (hostel_id, room_type_id, room_number, floor, capacity, monthly_rent) "
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                hid,
                type_id,
                f"{floor}{r:02d}",
                floor,
                beds_per_room,
                Decimal(price),
            )
            beds = []
            for b in range(beds_per_room):
                beds.append(
                    await conn.fetchval(
                        "INSERT INTO beds (hostel_id, room_id, bed_number) VALUES ($1, $2, $3) RETURNING id",
                        hid,
                        rid,
                        chr(ord("A") + b),
                    )
                )
            out["rooms"].append({"id": rid, "type": type_id, "beds": beds, "number": f"{floor}{r:02d}", "floor": floor})
            out["beds"] += [{"id": b, "room": rid} for b in beds]
    out["type_gid"] = encode_gid("RoomTypeDefinition", out["types"][0])
    return out


async def add_resident(
    db: Any,
    h: dict[str, Any],
    bed: dict[str, Any],
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    *,
    status: str = "ACTIVE",
    name: str | None = None,
    user_id: int | None = None,
    rent: str = "5000.00",
    phone: str | None = None,
    gender: str = "MALE",
) -> int:
    """A resident in `bed` for [starts_on, ends_on) (bed assignment with `status`); an ACTIVE
    assignment covering today also makes them the bed's current student."""
    async with db.acquire() as conn, conn.transaction():
        sid = await conn.fetchval(
            "INSERT INTO hostel_students (hostel_id, user_id, full_name, gender, check_in_date, monthly_rent, phone, "
            "email, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            h["id"],
            user_id,
            name or unique("Resident"),
            gender,
            starts_on,
            Decimal(rent),
            phone,
            f"{unique('r')}@res.test",
            "ACTIVE" if status == "ACTIVE" else "CHECKED_OUT",
        )
        await conn.execute(
            "INSERT INTO bed_assignments (hostel_id, bed_id, room_id, student_id, starts_on, ends_on, status, monthly_rent) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            h["id"],
            bed["id"],
            bed["room"],
            sid,
            starts_on,
            ends_on,
            status,
            Decimal(rent),
        )
        if status == "ACTIVE" and starts_on <= TODAY and (ends_on is None or ends_on > TODAY):
            await conn.execute("UPDATE beds SET current_student_id = $1 WHERE id = $2", sid, bed["id"])
    return sid


async def add_booking(
    db: Any,
    h: dict[str, Any],
    check_in: dt.date,
    check_out: dt.date,
    *,
    status: str = "CONFIRMED",
    bed: dict[str, Any] | None = None,
    rent: str = "3000.00",
    booker: int | None = None,
    created_at: dt.datetime | None = None,
    type_id: int | None = None,
) -> int:
    """A booking of the hostel's first room type; with `bed`, an active booking assignment
    holding that bed over the stay."""
    async with db.acquire() as conn, conn.transaction():
        bid = await conn.fetchval(
            "INSERT INTO bookings (hostel_id, reference, room_type_id, status, check_in_date, duration_months, "
            "check_out_date, monthly_rent, security_deposit, total_amount, booker_user_id, created_at) "
            "VALUES ($1, $2, $3, $4, $5, 1, $6, $7, 0, $7, $8, coalesce($9, now())) RETURNING id",
            h["id"],
            unique("BK"),
            type_id or h["types"][0],
            status,
            check_in,
            check_out,
            Decimal(rent),
            booker,
            created_at,
        )
        if bed is not None:
            await conn.execute(
                "INSERT INTO booking_assignments (hostel_id, booking_id, bed_id, room_id, starts_on, ends_on) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                h["id"],
                bid,
                bed["id"],
                bed["room"],
                check_in,
                check_out,
            )
    return bid


async def add_block(
    db: Any, h: dict[str, Any], starts_on: dt.date, ends_on: dt.date, *, room: int | None = None, bed: int | None = None
) -> None:
    scope = "BED" if bed else "ROOM" if room else "HOSTEL"
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO calendar_blocks (hostel_id, scope, room_id, bed_id, starts_on, ends_on, reason) "
            "VALUES ($1, $2, $3, $4, $5, $6, 'repairs')",
            h["id"],
            scope,
            room,
            bed,
            starts_on,
            ends_on,
        )


async def hostel_user(client: Any, db: Any, h: dict[str, Any], role: str) -> tuple[dict[str, str], int]:
    """A user holding `role` in the hostel only (so it is their active tenant); headers and id."""
    from auth.passwords import hash_password

    email = f"{unique(role.lower()).lower()}@hostel.test"
    async with db.acquire() as conn:
        user_id = await conn.fetchval(
            "INSERT INTO users (email, full_name, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id",
            email,
            unique("User"),
            hash_password(demo.DEMO_PASSWORD),
            role,
        )
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, hostel_id) VALUES ($1, $2, $3)", user_id, role, h["id"]
        )
    tokens = await login(client, email)
    assert tokens["errors"] == [], tokens
    return {"Authorization": f"Bearer {tokens['accessToken']}"}, user_id


async def anonymous(gql: Any, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    saved = gql.headers
    gql.headers = {}
    try:
        return await gql(query, variables, **kw)
    finally:
        gql.headers = saved


# ---- hostelAvailability --------------------------------------------------------------------------

AVAILABILITY = """
query($h: ID!, $from: Date!, $to: Date!, $type: ID, $gender: Gender) {
  hostelAvailability(hostelId: $h, from: $from, to: $to, roomTypeId: $type, gender: $gender) {
    from to hostel { name slug }
    roomTypes { roomType { id name basePriceMonthly } totalBeds minFreeBeds days { date freeBeds } }
  }
}"""


async def availability_hostel(db: Any, **kw: Any) -> dict[str, Any]:
    """4 beds in 2 rooms: a resident in room 1 bed A, a booking holding room 1 bed B over
    [day 2, day 5), room 2 blocked on day 3."""
    h = await build_hostel(db, **kw)
    await add_resident(db, h, h["beds"][0], day(-10))
    await add_booking(db, h, day(2), day(5), bed=h["beds"][1])
    await add_block(db, h, day(3), day(4), room=h["rooms"][1]["id"])
    return h


async def test_visitor_sees_free_beds_per_day_without_logging_in(gql, db):
    h = await availability_hostel(db)
    body = await anonymous(gql, AVAILABILITY, {"h": h["gid"], "from": str(day(0)), "to": str(day(6))})
    found = body["data"]["hostelAvailability"]
    assert found["hostel"]["slug"] == h["slug"]
    assert found["from"] == str(day(0)) and found["to"] == str(day(6))
    [rt] = found["roomTypes"]
    assert rt["roomType"] == {"id": h["type_gid"], "name": "Type 0", "basePriceMonthly": "6000.00"}
    assert rt["totalBeds"] == 4
    assert [d["freeBeds"] for d in rt["days"]] == [3, 3, 2, 0, 2, 3]
    assert [d["date"] for d in rt["days"]] == [str(day(i)) for i in range(6)]
    assert rt["minFreeBeds"] == 0


async def test_statements_do_not_grow_with_days_rooms_or_beds(gql, db):
    small = await availability_hostel(db)
    large = await availability_hostel(db, rooms=12, beds_per_room=4, types=3)
    counts = set()
    for h, span in ((small, 3), (small, 170), (large, 3), (large, 170)):
        body = await anonymous(gql, AVAILABILITY, {"h": h["gid"], "from": str(day(0)), "to": str(day(span))})
        assert len(body["data"]["hostelAvailability"]["roomTypes"][0]["days"]) == span
        counts.add(gql.statements(body))
    assert len(counts) == 1, counts


async def test_held_back_beds_are_not_offered_publicly_but_staff_see_them(gql, db):
    h = await availability_hostel(db)
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO availability_rules (hostel_id, room_type_id, name, rule_type, value) "
            "VALUES ($1, $2, 'keep one for walk-ins', 'HOLD_BACK_BEDS', 1)",
            h["id"],
            h["types"][0],
        )
    variables = {"h": h["gid"], "from": str(day(0)), "to": str(day(6))}
    public = await anonymous(gql, AVAILABILITY, variables)
    assert [d["freeBeds"] for d in public["data"]["hostelAvailability"]["roomTypes"][0]["days"]] == [2, 2, 1, 0, 1, 2]
    staff = await gql(AVAILABILITY, variables, headers=tenant_header(h["gid"]))
    assert [d["freeBeds"] for d in staff["data"]["hostelAvailability"]["roomTypes"][0]["days"]] == [3, 3, 2, 0, 2, 3]


async def test_gender_and_room_type_narrow_the_search(gql, db):
    h = await availability_hostel(db, hostel_type="BOYS", types=2, rooms=2)
    variables = {"h": h["gid"], "from": str(day(0)), "to": str(day(2))}
    girls = await anonymous(gql, AVAILABILITY, {**variables, "gender": "FEMALE"})
    days = [d for t in girls["data"]["hostelAvailability"]["roomTypes"] for d in t["days"]]
    assert days and all(d["freeBeds"] == 0 for d in days)  # listed, every day full for her
    second = encode_gid("RoomTypeDefinition", h["types"][1])
    only = await anonymous(gql, AVAILABILITY, {**variables, "type": second, "gender": "MALE"})
    [rt] = only["data"]["hostelAvailability"]["roomTypes"]
    assert rt["roomType"]["id"] == second and rt["totalBeds"] == 2 and rt["minFreeBeds"] == 2


async def test_private_hostels_are_hidden_from_visitors(gql, db, client):
    h = await availability_hostel(db, public=False)
    variables = {"h": h["gid"], "from": str(day(0)), "to": str(day(2))}
    assert (await anonymous(gql, AVAILABILITY, variables))["data"]["hostelAvailability"] is None
    visitor = await gql(AVAILABILITY, variables, headers=await bearer(client, "visitor@demo.campus"))
    assert visitor["data"]["hostelAvailability"] is None
    # someone who works there still sees it
    admin, _ = await hostel_user(client, db, h, "HOSTEL_ADMIN")
    found = await gql(AVAILABILITY, variables, headers=admin)
    assert found["data"]["hostelAvailability"]["roomTypes"][0]["totalBeds"] == 4


@pytest.mark.parametrize(
    "span, message", [(0, "`to` must be after `from`"), (-3, "`to` must be after `from`"), (181, "at most 180 days")]
)
async def test_bad_ranges_are_refused_clearly(gql, db, span, message):
    h = await availability_hostel(db)
    body = await anonymous(
        gql, AVAILABILITY, {"h": h["gid"], "from": str(day(0)), "to": str(day(span))}, expect_errors=True
    )
    assert body["data"]["hostelAvailability"] is None
    [error] = body["errors"]
    assert message in error["message"] and error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_school_id_is_not_a_hostel(gql, db):
    body = await anonymous(
        gql, AVAILABILITY, {"h": encode_gid("School", 1), "from": str(day(0)), "to": str(day(1))}, expect_errors=True
    )
    assert "hostelId must be the ID of a Hostel" in body["errors"][0]["message"]


# ---- hostelOccupancy ------------------------------------------------------------------------------

OCCUPANCY = """
query($date: Date, $by: OccupancyGroupBy!) { hostelOccupancy(date: $date, groupBy: $by) {
  date
  total { beds occupied reserved blocked free awaitingBed occupancyRate }
  groups { floor roomType { name } beds occupied reserved blocked free awaitingBed occupancyRate }
} }"""


async def test_occupancy_by_hostel_floor_and_room_type(gql, db, client):
    h = await availability_hostel(db)
    await add_booking(db, h, day(0), day(30), status="APPROVED")  # committed, no bed yet
    admin, _ = await hostel_user(client, db, h, "SUPERVISOR")
    body = await gql(OCCUPANCY, {"date": str(day(3)), "by": "HOSTEL"}, headers=admin)
    occ = body["data"]["hostelOccupancy"]
    expected = {
        "beds": 4,
        "occupied": 1,
        "reserved": 1,
        "blocked": 2,
        "free": 0,
        "awaitingBed": 1,
        "occupancyRate": "25.00",
    }
    assert occ["date"] == str(day(3)) and occ["total"] == expected
    assert occ["groups"] == [{**expected, "floor": None, "roomType": None}]

    floors = (await gql(OCCUPANCY, {"date": str(day(3)), "by": "FLOOR"}, headers=admin))["data"]["hostelOccupancy"]
    assert [
        (g["floor"], g["beds"], g["occupied"], g["reserved"], g["blocked"], g["awaitingBed"], g["occupancyRate"])
        for g in floors["groups"]
    ] == [(1, 2, 1, 1, 0, None, "50.00"), (2, 2, 0, 0, 2, None, "0.00")]

    types = (await gql(OCCUPANCY, {"date": str(day(0)), "by": "ROOM_TYPE"}, headers=admin))["data"]["hostelOccupancy"]
    assert types["groups"] == [
        {
            "floor": None,
            "roomType": {"name": "Type 0"},
            "beds": 4,
            "occupied": 1,
            "reserved": 0,
            "blocked": 0,
            "free": 3,
            "awaitingBed": 1,
            "occupancyRate": "25.00",
        }
    ]


async def test_occupancy_is_for_staff_only(gql, db, client):
    h = await availability_hostel(db)
    resident, _ = await hostel_user(client, db, h, "HOSTEL_STUDENT")
    for headers in (resident, await bearer(client, "visitor@demo.campus")):
        body = await gql(OCCUPANCY, {"by": "HOSTEL"}, headers=headers, expect_errors=True)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_occupancy_reads_only_the_active_hostel(gql, db, client):
    mine = await availability_hostel(db)
    other = await availability_hostel(db, rooms=5)
    admin, _ = await hostel_user(client, db, mine, "HOSTEL_ADMIN")
    body = await gql(OCCUPANCY, {"by": "HOSTEL"}, headers=admin)
    assert body["data"]["hostelOccupancy"]["total"]["beds"] == 4
    # another hostel's ID in X-Tenant-Id is refused outright
    refused = await gql(
        OCCUPANCY, {"by": "HOSTEL"}, headers={**admin, **tenant_header(other["gid"])}, expect_errors=True
    )
    assert refused.get("data") is None


# ---- the room board ---------------------------------------------------------------------------------

BOARD = """
query { rooms(first: 100) { nodes { roomNumber floor beds { nodes { bedNumber currentStudent { fullName } } } } } }"""


async def test_room_board_takes_the_same_statements_for_any_number_of_rooms(gql, db, client):
    counts = []
    for rooms in (2, 15):
        h = await build_hostel(db, rooms=rooms, beds_per_room=3)
        names = [await add_resident(db, h, bed, day(-5), name=f"Resident {i}") for i, bed in enumerate(h["beds"][::2])]
        admin, _ = await hostel_user(client, db, h, "SUPERVISOR")
        body = await gql(BOARD, headers=admin)
        board = body["data"]["rooms"]["nodes"]
        assert len(board) == rooms and all(len(r["beds"]["nodes"]) == 3 for r in board)
        shown = [b["currentStudent"]["fullName"] for r in board for b in r["beds"]["nodes"] if b["currentStudent"]]
        assert sorted(shown) == sorted(f"Resident {i}" for i in range(len(names)))
        counts.append(gql.statements(body))
    assert counts[0] == counts[1] <= 3, counts


# ---- myResidence --------------------------------------------------------------------------------------

RESIDENCE = """
query { myResidence {
  student { fullName phone monthlyRent }
  bed { bedNumber } room { roomNumber floor }
  roommates { fullName }
  bookings { reference status }
  documents { fileName }
} }"""


async def resident_setup(client: Any, db: Any) -> dict[str, Any]:
    h = await build_hostel(db, rooms=2, beds_per_room=3)
    headers, user_id = await hostel_user(client, db, h, "HOSTEL_STUDENT")
    me = await add_resident(db, h, h["beds"][0], day(-20), name="Me Myself", user_id=user_id, phone="+91 1111")
    await add_resident(db, h, h["beds"][1], day(-5), name="Ravi Roommate", phone="+91 2222")
    await add_resident(db, h, h["beds"][3], day(-5), name="Other Room")  # room 2: not a roommate
    await add_resident(db, h, h["beds"][2], day(-60), day(-30), status="ENDED", name="Moved Out")
    booking = await add_booking(db, h, day(-20), day(70), status="CHECKED_IN", booker=user_id)
    async with db.acquire() as conn:
        ref = await conn.fetchval("SELECT reference FROM bookings WHERE id = $1", booking)
        await conn.execute(
            "INSERT INTO hostel_student_documents (hostel_id, student_id, document_type, file_name, legacy_file_url) "
            "VALUES ($1, $2, 'ID_PROOF', 'aadhaar.pdf', '/files/aadhaar.pdf')",
            h["id"],
            me,
        )
    return {"h": h, "headers": headers, "reference": ref}


async def test_resident_sees_their_bed_room_roommates_bookings_and_documents(gql, db, client):
    s = await resident_setup(client, db)
    body = await gql(RESIDENCE, headers=s["headers"])
    mine = body["data"]["myResidence"]
    assert mine["student"] == {"fullName": "Me Myself", "phone": "+91 1111", "monthlyRent": "5000.00"}
    assert mine["bed"] == {"bedNumber": "A"}
    assert mine["room"] == {"roomNumber": s["h"]["rooms"][0]["number"], "floor": 1}
    assert mine["roommates"] == [{"fullName": "Ravi Roommate"}]
    assert mine["bookings"] == [{"reference": s["reference"], "status": "CHECKED_IN"}]
    assert mine["documents"] == [{"fileName": "aadhaar.pdf"}]
    assert gql.statements(body) <= 8


async def test_a_roommates_phone_is_not_readable(gql, db, client):
    s = await resident_setup(client, db)
    body = await gql(
        "query { myResidence { roommates { fullName phone email } } }", headers=s["headers"], expect_errors=True
    )
    assert body["data"]["myResidence"]["roommates"] == [{"fullName": "Ravi Roommate", "phone": None, "email": None}]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert "+91 2222" not in str(body)


async def test_my_residence_is_null_for_anyone_not_living_there(gql, db, client):
    s = await resident_setup(client, db)
    staff, _ = await hostel_user(client, db, s["h"], "SUPERVISOR")
    for headers in (staff, await bearer(client, "visitor@demo.campus"), await bearer(client, "warden@lotus.demo")):
        assert (await gql(RESIDENCE, headers=headers))["data"]["myResidence"] is None
    body = await anonymous(gql, RESIDENCE, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# ---- hostelPortfolio ------------------------------------------------------------------------------------

PORTFOLIO = """
query { hostelPortfolio { hostel { slug } beds occupied reserved blocked free occupancyRate pendingBookings
                          arrivalsToday } }"""


async def test_portfolio_lists_exactly_the_hostels_the_admin_holds(gql, client):
    both = await gql(PORTFOLIO, headers=await bearer(client, "warden@sunrise.demo"))
    assert sorted(p["hostel"]["slug"] for p in both["data"]["hostelPortfolio"]) == ["demo-lotus", "demo-sunrise"]
    one = await gql(PORTFOLIO, headers=await bearer(client, "warden@lotus.demo"))
    assert [p["hostel"]["slug"] for p in one["data"]["hostelPortfolio"]] == ["demo-lotus"]
    for email in ("supervisor@sunrise.demo", "resident@sunrise.demo", "visitor@demo.campus"):
        body = await gql(PORTFOLIO, headers=await bearer(client, email), expect_errors=True)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_portfolio_figures_come_from_each_hostels_rows(gql, db, client):
    a = await availability_hostel(db)
    b = await build_hostel(db, rooms=3, beds_per_room=1, public=False)
    await add_resident(db, b, b["beds"][0], day(-3))
    await add_booking(db, a, day(0), day(30), status="CONFIRMED")  # arrives today
    await add_booking(db, a, day(9), day(40), status="PENDING")
    await add_booking(db, b, day(0), day(30), status="PENDING")  # pending, and not an arrival
    headers, user_id = await hostel_user(client, db, a, "HOSTEL_ADMIN")
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, hostel_id) VALUES ($1, 'HOSTEL_ADMIN', $2)", user_id, b["id"]
        )
    body = await gql(PORTFOLIO, headers={**headers, **tenant_header(a["gid"])})
    found = {p["hostel"]["slug"] if p["hostel"] else None: p for p in body["data"]["hostelPortfolio"]}
    assert set(found) == {a["slug"], b["slug"]}
    assert found[a["slug"]] == {
        "hostel": {"slug": a["slug"]},
        "beds": 4,
        "occupied": 1,
        "reserved": 0,
        "blocked": 0,
        "free": 3,
        "occupancyRate": "25.00",
        "pendingBookings": 1,
        "arrivalsToday": 1,
    }
    assert {
        k: found[b["slug"]][k] for k in ("beds", "occupied", "occupancyRate", "pendingBookings", "arrivalsToday")
    } == {"beds": 3, "occupied": 1, "occupancyRate": "33.33", "pendingBookings": 1, "arrivalsToday": 0}


async def test_free_beds_follow_the_rule_as_stated(db):
    """The snapshot's indexed `free_on` against the rule written out plainly: beds of the type
    that suit the guest, neither held nor blocked that day, at most the room's occupancy limit
    minus its taken beds, less committed bookings without a bed and (public) held-back beds."""
    from resolvers.hostel.availability import days, snapshot

    h = await availability_hostel(db, types=2, rooms=4, beds_per_room=3)
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO room_occupancy_limits (hostel_id, room_id, max_occupants, gender_rule) "
            "VALUES ($1, $2, 2, 'FEMALE_ONLY')",
            h["id"],
            h["rooms"][2]["id"],
        )
        await conn.execute(
            "INSERT INTO calendar_blocks (hostel_id, scope, starts_on, ends_on, reason) "
            "VALUES ($1, 'HOSTEL', $2, $3, 'festival')",
            h["id"],
            day(10),
            day(12),
        )
        sunrise = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")

        async def run(sql: str, params: list[Any]) -> list[Any]:
            return await conn.fetch(sql, *params)

        def expected(snap: Any, d: Any, t: int, gender: str | None, public: bool) -> int:
            def taken(b: Any) -> bool:
                return any(s <= d < e for s, e, _ in snap.bed_holds.get(b.id, ()))

            def blocked(b: Any) -> bool:
                return any(s <= d < e for s, e in snap.hostel_blocks + snap.room_blocks.get(b.room_id, []))

            def suits(b: Any) -> bool:
                if gender is None:
                    return True
                if (
                    snap.hostel_type == "BOYS"
                    and gender != "MALE"
                    or snap.hostel_type == "GIRLS"
                    and gender != "FEMALE"
                ):
                    return False
                return b.gender_rule in ("ANY", "MALE_ONLY" if gender == "MALE" else "FEMALE_ONLY")

            free = 0
            for room in {b.room_id for b in snap.beds.values() if b.room_type_id == t}:
                beds = [b for b in snap.beds.values() if b.room_id == room]
                open_beds = [b for b in beds if suits(b) and not taken(b) and not blocked(b)]
                room_cap = beds[0].max_occupants - sum(1 for b in beds if taken(b))
                free += min(len(open_beds), max(0, room_cap))
            free -= sum(1 for rt, s, e in snap.unassigned if rt == t and s <= d < e)
            return max(0, free - (snap.hold_back.get(t, 0) if public else 0))

        for hostel_id in (h["id"], sunrise):
            snap = await snapshot(run, hostel_id, day(-3), day(40))
            for t in {b.room_type_id for b in snap.beds.values()}:
                for gender in (None, "MALE", "FEMALE"):
                    for public in (True, False):
                        assert [snap.free_on(d, t, gender, public) for d in days(day(-3), day(40))] == [
                            expected(snap, d, t, gender, public) for d in days(day(-3), day(40))
                        ]


async def test_hostel_read_sees_one_hostel_and_can_write_nothing(app, db):
    """kit/db.py `hostel_read`: scoped to the one hostel (RLS), read only, public ones only
    unless the caller vouches for a role there; the connection goes back clean."""
    import asyncpg

    from kit.db import HostelNotReadable, hostel_read

    engine = app.state.engine
    public = await availability_hostel(db)
    private = await availability_hostel(db, public=False)
    async with hostel_read(engine, public["id"]) as run:
        assert [r[0] for r in await run("SELECT DISTINCT hostel_id FROM beds", [])] == [public["id"]]
        assert [r[0] for r in await run("SELECT DISTINCT hostel_id FROM bookings", [])] == [public["id"]]
        assert await run("SELECT id FROM beds WHERE hostel_id = $1", [private["id"]]) == []
    with pytest.raises(HostelNotReadable):
        async with hostel_read(engine, private["id"]):
            pass
    with pytest.raises(HostelNotReadable):
        async with hostel_read(engine, 10**12, public_only=False):
            pass
    async with hostel_read(engine, private["id"], public_only=False) as run:
        assert len(await run("SELECT id FROM beds", [])) == 4
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        async with hostel_read(engine, public["id"]) as run:
            await run("UPDATE beds SET bed_number = bed_number || 'x' WHERE hostel_id = $1", [public["id"]])
    async with db.acquire() as conn:
        assert sorted(await conn.fetch("SELECT bed_number FROM beds WHERE hostel_id = $1", public["id"])) == sorted(
            await conn.fetch("SELECT unnest(ARRAY['A', 'B', 'A', 'B']) AS bed_number")
        )
    async with engine.connect() as conn:  # pooled connections come back without a scope
        raw = (await conn.get_raw_connection()).driver_connection
        assert await raw.fetchval("SELECT coalesce(current_setting('app.hostel_id', true), '')") == ""
