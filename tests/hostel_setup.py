"""Arranging hostel rows for the room and resident tests: room types, rooms and beds through
the API (as the demo wardens), checked-in bookings through SQL (the booking workflows are
another domain's), residents through `bookingConvert`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import demo
from kit.ids import decode_gid, encode_gid
from tests.conftest import GQL, hostel_today, login, unique

ERR = "errors { field code message }"


def pk(gid: str) -> int:
    return decode_gid(gid)[1]


def today() -> dt.date:
    return hostel_today()


async def hostel(db: Any, slug: str) -> dict[str, Any]:
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT id, total_rooms, total_beds FROM hostels WHERE slug = $1", slug)
    return {
        "id": row["id"],
        "gid": encode_gid("Hostel", row["id"]),
        "rooms": row["total_rooms"],
        "beds": row["total_beds"],
    }


async def ok(g: GQL, query: str, variables: dict[str, Any], name: str) -> dict[str, Any]:
    payload = (await g(query, variables))["data"][name]
    assert payload["errors"] == [], payload
    return payload


async def refused(g: GQL, query: str, variables: dict[str, Any], name: str, code: str) -> dict[str, Any]:
    payload = (await g(query, variables))["data"][name]
    assert [e["code"] for e in payload["errors"]] == [code], payload
    return payload


ROOM_TYPE = f"""mutation($i: RoomTypeDefinitionCreateInput!) {{ roomTypeDefinitionCreate(input: $i) {{
  roomTypeDefinition {{ id }} {ERR} }} }}"""
ROOM = f"""mutation($i: RoomCreateInput!) {{ roomCreate(input: $i) {{
  room {{ id roomNumber monthlyRent capacity active }} {ERR} }} }}"""
BED = f"""mutation($i: BedCreateInput!) {{ bedCreate(input: $i) {{ bed {{ id bedNumber active }} {ERR} }} }}"""
LIMIT = f"""mutation($i: RoomOccupancyLimitCreateInput!) {{ roomOccupancyLimitCreate(input: $i) {{
  roomOccupancyLimit {{ id maxOccupants genderRule }} {ERR} }} }}"""


async def room_type(admin: GQL, beds: int = 2, price: str = "8000.00") -> str:
    code = unique("RT")
    payload = await ok(
        admin,
        ROOM_TYPE,
        {
            "i": {
                "code": code,
                "name": f"Type {code}",
                "category": "DOUBLE",
                "bedsPerRoom": beds,
                "basePriceMonthly": price,
            }
        },
        "roomTypeDefinitionCreate",
    )
    return payload["roomTypeDefinition"]["id"]


async def room(
    admin: GQL,
    type_id: str,
    beds: int = 2,
    capacity: int | None = None,
    rent: str = "8000.00",
    gender_rule: str | None = None,
    max_occupants: int | None = None,
) -> dict[str, Any]:
    """A room with `beds` beds (ids in order) and, when asked, an occupancy limit."""
    payload = await ok(
        admin,
        ROOM,
        {
            "i": {
                "roomTypeId": type_id,
                "roomNumber": unique("R"),
                "floor": 1,
                "capacity": capacity or beds,
                "monthlyRent": rent,
            }
        },
        "roomCreate",
    )
    rid = payload["room"]["id"]
    bed_ids = []
    for n in range(beds):
        bed = await ok(admin, BED, {"i": {"roomId": rid, "bedNumber": f"B{n + 1}"}}, "bedCreate")
        bed_ids.append(bed["bed"]["id"])
    if gender_rule or max_occupants:
        await ok(
            admin,
            LIMIT,
            {
                "i": {
                    "roomId": rid,
                    "maxOccupants": max_occupants or capacity or beds,
                    "genderRule": gender_rule or "ANY",
                }
            },
            "roomOccupancyLimitCreate",
        )
    return {"id": rid, "beds": bed_ids, "type": type_id}


async def new_user(db: Any, role: str = "VISITOR") -> tuple[str, int]:
    from auth.passwords import hash_password

    email = f"{unique('guest').lower()}@hostel.test"
    async with db.acquire() as conn:
        user_id = await conn.fetchval(
            "INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3) RETURNING id",
            email,
            hash_password(demo.DEMO_PASSWORD),
            role,
        )
    return email, user_id


async def user_client(client: Any, email: str, hostel_gid: str | None = None) -> GQL:
    tokens = await login(client, email)
    assert tokens["errors"] == [], tokens
    g = GQL(client)
    g.headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    if hostel_gid:
        g.headers["X-Tenant-Id"] = hostel_gid
    return g


async def checked_in_booking(
    db: Any,
    hostel_id: int,
    type_gid: str,
    bed_gid: str,
    *,
    gender: str = "MALE",
    booker_user_id: int | None = None,
    check_in: dt.date | None = None,
    months: int = 6,
    rent: str = "8000.00",
    documents: int = 2,
    status: str = "CHECKED_IN",
    guardian: bool = True,
    emergency: bool = True,
) -> dict[str, Any]:
    """A booking in `status` holding the bed, with its guest and guest documents (owner SQL)."""
    check_in = check_in or today() - dt.timedelta(days=10)
    check_out = check_in + dt.timedelta(days=30 * months)
    bed_id = pk(bed_gid)
    name = unique("Guest")
    async with db.acquire() as conn, conn.transaction():
        room_id = await conn.fetchval("SELECT room_id FROM beds WHERE id = $1", bed_id)
        booking_id = await conn.fetchval(
            "INSERT INTO bookings (hostel_id, reference, booker_user_id, room_type_id, status, check_in_date, "
            "duration_months, check_out_date, monthly_rent, security_deposit, total_amount) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7::int, $8, $9::numeric, 5000, $9::numeric * $7::int) RETURNING id",
            hostel_id,
            unique("BK"),
            booker_user_id,
            pk(type_gid),
            status,
            check_in,
            months,
            check_out,
            __import__("decimal").Decimal(rent),
        )
        await conn.execute(
            "INSERT INTO booking_guests (hostel_id, booking_id, full_name, email, phone, gender, institution, "
            "guardian_name, guardian_phone, guardian_relation, emergency_contact_name, emergency_contact_phone) "
            "VALUES ($1, $2, $3, $4, '+91 90000 00001', $5, 'City College', $6, $7, $8, $9, $10)",
            hostel_id,
            booking_id,
            name,
            f"{name.lower()}@mail.test",
            gender,
            "Parent One" if guardian else None,
            "+91 90000 00002" if guardian else None,
            "Father" if guardian else None,
            "Uncle Two" if emergency else None,
            "+91 90000 00003" if emergency else None,
        )
        for n in range(documents):
            await conn.execute(
                "INSERT INTO guest_documents (hostel_id, booking_id, document_type, file_name, legacy_file_url, verified) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                hostel_id,
                booking_id,
                ["ID_PROOF", "PHOTO"][n % 2],
                f"doc{n}.pdf",
                f"/files/{booking_id}/doc{n}.pdf",
                n == 0,
            )
        await conn.execute(
            "INSERT INTO booking_assignments (hostel_id, booking_id, bed_id, room_id, starts_on, ends_on) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            hostel_id,
            booking_id,
            bed_id,
            room_id,
            check_in,
            check_out,
        )
    return {
        "id": booking_id,
        "gid": encode_gid("Booking", booking_id),
        "name": name,
        "check_in": check_in,
        "check_out": check_out,
    }


CHECKLIST_START = f"""mutation($i: ConversionChecklistStartInput!) {{ conversionChecklistStart(input: $i) {{
  conversionChecklist {{ id itemsTotal itemsDone completed items {{ nodes {{ id code done }} }} }} {ERR} }} }}"""
ITEM_COMPLETE = f"""mutation($i: ChecklistItemCompleteInput!) {{ checklistItemComplete(input: $i) {{
  checklistItem {{ id done doneAt checklist {{ itemsDone completed }} }} {ERR} }} }}"""
CONVERT = f"""mutation($i: BookingConvertInput!) {{ bookingConvert(input: $i) {{
  hostelStudent {{ id fullName status monthlyRent securityDeposit checkInDate userId gender }} {ERR} }} }}"""


async def complete_checklist(staff: GQL, booking_gid: str) -> None:
    """Start the booking's conversion checklist and tick every item."""
    checklist = (await ok(staff, CHECKLIST_START, {"i": {"bookingId": booking_gid}}, "conversionChecklistStart"))[
        "conversionChecklist"
    ]
    for item in checklist["items"]["nodes"]:
        await ok(staff, ITEM_COMPLETE, {"i": {"itemId": item["id"]}}, "checklistItemComplete")


async def resident(staff: GQL, db: Any, hostel_id: int, type_gid: str, bed_gid: str, **kw: Any) -> dict[str, Any]:
    """A resident in the bed: a checked-in booking, its checklist done, converted."""
    booking = await checked_in_booking(db, hostel_id, type_gid, bed_gid, **kw)
    await complete_checklist(staff, booking["gid"])
    student = (
        await ok(
            staff,
            CONVERT,
            {
                "i": {
                    "bookingId": booking["gid"],
                    "depositCollected": "5000.00",
                    "firstRentDueOn": (today() + dt.timedelta(days=5)).isoformat(),
                }
            },
            "bookingConvert",
        )
    )["hostelStudent"]
    return {**booking, "student": student["id"], "bed": bed_gid}
