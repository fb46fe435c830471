"""Test worlds for the booking lifecycle: a hostel of the tests' own (so settings, policies and
availability of one test never meet another's), its room types, rooms and beds (direct SQL,
as the owner: arranging only), and callers: a hostel admin, a supervisor of it and a visitor
(users of the tests, with the demo password), and the Lotus warden (another hostel)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from resolvers.booking.lifecycle import add_months
from kit.ids import encode_gid
from tests.conftest import GQL, bearer, hostel_today, unique

ADMIN_EMAIL = "booking-admin@tests.campus"
SUPERVISOR_EMAIL = "booking-supervisor@tests.campus"
VISITOR_EMAIL = "booking-visitor@tests.campus"  # not the demo visitor: its bookings stay the demo's
_users: dict[str, int] = {}

BOOKING_FIELDS = """id reference status source checkInDate checkOutDate durationMonths monthlyRent totalAmount
  advanceAmount amountPaid securityDeposit
  statusHistory(first: 20) { edges { node { fromStatus toStatus reason } } }
  assignments(first: 10) { edges { node { active startsOn endsOn bed { id } } } }"""

CREATE = (
    """mutation($i: BookingCreateInput!) { bookingCreate(input: $i) {
  booking { %s } errors { field code message } } }"""
    % BOOKING_FIELDS
)


def mutation(name: str, entity: str = "booking", fields: str = BOOKING_FIELDS) -> str:
    cap = name[0].upper() + name[1:]
    return (
        f"mutation($i: {cap}Input!) {{ {name}(input: $i) {{ {entity} {{ {fields} }} "
        f"errors {{ field code message }} }} }}"
    )


def today() -> dt.date:
    return hostel_today()


async def _user(db: Any, email: str, role: str) -> int:
    if email not in _users:
        async with db.acquire() as conn:
            uid = await conn.fetchval("SELECT id FROM users WHERE email = $1", email)
            if uid is None:
                uid = await conn.fetchval(
                    "INSERT INTO users (email, full_name, role, password_hash) SELECT $1, $2, $3, password_hash "
                    "FROM users WHERE email = 'warden@sunrise.demo' RETURNING id",
                    email,
                    f"Test {role.title()}",
                    role,
                )
        _users[email] = uid
    return _users[email]


@dataclass
class World:
    hostel: int
    gid: str
    admin: GQL
    supervisor: GQL
    visitor: GQL
    other: GQL  # the Lotus warden: staff of another hostel
    room_types: dict[str, int] = field(default_factory=dict)
    beds: dict[str, list[int]] = field(default_factory=dict)

    def rt(self, code: str) -> str:
        return encode_gid("RoomTypeDefinition", self.room_types[code])

    def bed(self, code: str, i: int = 0) -> str:
        return encode_gid("Bed", self.beds[code][i])


async def make_world(db: Any, client: Any, kind: str = "BOYS", public: bool = True) -> World:
    slug = unique("tst").lower()
    admin_id = await _user(db, ADMIN_EMAIL, "HOSTEL_ADMIN")
    sup_id = await _user(db, SUPERVISOR_EMAIL, "SUPERVISOR")
    await _user(db, VISITOR_EMAIL, "VISITOR")
    async with db.acquire() as conn, conn.transaction():
        hostel = await conn.fetchval(
            "INSERT INTO hostels (name, slug, hostel_type, is_public) VALUES ($1, $2, $3, $4) RETURNING id",
            f"Test hostel {slug}",
            slug,
            kind,
            public,
        )
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, hostel_id) VALUES ($1, 'HOSTEL_ADMIN', $3), "
            "($2, 'SUPERVISOR', $3)",
            admin_id,
            sup_id,
            hostel,
        )
    gid = encode_gid("Hostel", hostel)

    async def caller(email: str, tenant: str | None) -> GQL:
        g = GQL(client)
        g.headers = {**await bearer(client, email), **({"X-Tenant-Id": tenant} if tenant else {})}
        return g

    lotus = None
    async with db.acquire() as conn:
        lotus = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-lotus'")
    return World(
        hostel,
        gid,
        await caller(ADMIN_EMAIL, gid),
        await caller(SUPERVISOR_EMAIL, gid),
        await caller(VISITOR_EMAIL, None),
        await caller("warden@lotus.demo", encode_gid("Hostel", lotus)),
    )


async def add_room_type(
    db: Any,
    world: World,
    code: str,
    beds: int = 1,
    rooms: int = 1,
    price: str = "9000.00",
    deposit: str = "5000.00",
    gender_rule: str | None = None,
) -> str:
    """A room type with `rooms` rooms of `beds` beds each; returns its global ID."""
    async with db.acquire() as conn, conn.transaction():
        rt = await conn.fetchval(
            "INSERT INTO room_type_definitions (hostel_id, code, name, category, beds_per_room, base_price_monthly, "
            "security_deposit) VALUES ($1, $2, $3, 'DOUBLE', $4, $5::numeric, $6::numeric) RETURNING id",
            world.hostel,
            code,
            f"Type {code}",
            beds,
            price,
            deposit,
        )
        world.room_types[code] = rt
        world.beds[code] = []
        for r in range(rooms):
            room = await conn.fetchval(
                "INSERT INTO rooms (hostel_id, room_type_id, room_number, floor, capacity, monthly_rent) "
                "VALUES ($1, $2, $3, $4, $5, $6::numeric) RETURNING id",
                world.hostel,
                rt,
                f"{code}-{r}",
                r,
                beds,
                price,
            )
            if gender_rule:
                await conn.execute(
                    "INSERT INTO room_occupancy_limits (hostel_id, room_id, max_occupants, gender_rule) "
                    "VALUES ($1, $2, $3, $4)",
                    world.hostel,
                    room,
                    beds,
                    gender_rule,
                )
            for b in range(beds):
                world.beds[code].append(
                    await conn.fetchval(
                        "INSERT INTO beds (hostel_id, room_id, bed_number) VALUES ($1, $2, $3) RETURNING id",
                        world.hostel,
                        room,
                        f"B{b}",
                    )
                )
    return world.rt(code)


def guest(gender: str = "MALE", **extra: Any) -> dict[str, Any]:
    return {
        "fullName": "Arjun Guest",
        "phone": "+91 90000 00001",
        "gender": gender,
        "email": "arjun@example.com",
        "institution": "Pune University",
        "guardianName": "Ravi Guest",
        "guardianPhone": "+91 90000 00002",
        "consentTerms": True,
        **extra,
    }


def booking_input(
    world: World, code: str, start: dt.date | None = None, months: int = 2, visitor: bool = False, **extra: Any
) -> dict[str, Any]:
    body = {
        "roomTypeId": world.rt(code),
        "checkInDate": str(start or today() + dt.timedelta(days=10)),
        "durationMonths": months,
        "guest": guest(),
        **extra,
    }
    if visitor:
        body["hostelId"] = world.gid
    return body


async def create(g: GQL, inp: dict[str, Any]) -> dict[str, Any]:
    payload = (await g(CREATE, {"i": inp}))["data"]["bookingCreate"]
    assert payload["errors"] == [], payload
    return payload["booking"]


async def call(
    g: GQL, name: str, inp: dict[str, Any], entity: str = "booking", fields: str = BOOKING_FIELDS
) -> dict[str, Any]:
    return (await g(mutation(name, entity, fields), {"i": inp}))["data"][name]


async def booking(g: GQL, gid: str) -> dict[str, Any] | None:
    body = await g("query($id: ID!) { node(id: $id) { ... on Booking { %s } } }" % BOOKING_FIELDS, {"id": gid})
    return body["data"]["node"]


def statuses(b: dict[str, Any]) -> list[str]:
    return [e["node"]["toStatus"] for e in b["statusHistory"]["edges"]]


def active_beds(b: dict[str, Any]) -> list[str]:
    return [e["node"]["bed"]["id"] for e in b["assignments"]["edges"] if e["node"]["active"]]


__all__ = [
    "World",
    "add_months",
    "add_room_type",
    "booking",
    "booking_input",
    "call",
    "create",
    "guest",
    "make_world",
    "mutation",
    "statuses",
    "today",
]
