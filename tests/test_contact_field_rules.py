"""Contact data of a booking's guest, of a resident's guardians and of a waitlist entry carry
field rules (models/booking, models/hostel_student: `protect=`): staff and the booker or
resident themselves read them; nobody else does, and no caller without a staff role may ask
about them through `filter` or `orderBy` (before these rules a booker or a resident could
filter `bookingGuests` or `bookingWaitlist` by phone or email)."""

from __future__ import annotations

from tests.conftest import as_user
from tests.hostel_setup import hostel, new_user, user_client

GUESTS = "{ bookingGuests(first: 50) { nodes { fullName phone email guardianPhone emergencyContactPhone } } }"
GUARDIANS = "{ guardianContacts(first: 50) { nodes { name phone email } } }"


def _codes(body) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors", [])}


async def test_the_booker_reads_their_guests_contact_data_but_cannot_filter_by_it(client, db):
    visitor = await as_user(client, "visitor@demo.campus")
    body = await visitor(GUESTS)
    guests = body["data"]["bookingGuests"]["nodes"]
    assert guests and "errors" not in body
    assert all(g["phone"] for g in guests)
    for argument in ('filter: {phone: {startsWith: "+91"}}', "filter: {email: {isNull: false}}"):
        refused = await visitor(f"{{ bookingGuests({argument}) {{ totalCount }} }}", expect_errors=True)
        assert _codes(refused) == {"FORBIDDEN"}, refused


async def test_staff_filter_by_contact_data(client, db):
    sunrise = await hostel(db, "demo-sunrise")
    warden = await as_user(client, "warden@sunrise.demo", sunrise["gid"])
    body = await warden('{ bookingGuests(filter: {phone: {startsWith: "+"}}) { totalCount nodes { phone } } }')
    assert "errors" not in body and body["data"]["bookingGuests"]["totalCount"] > 0
    body = await warden("{ bookingWaitlist(orderBy: [{field: CREATED_AT}]) { nodes { contactName contactPhone } } }")
    assert "errors" not in body


async def test_a_resident_reads_their_guardians_but_not_anyone_elses(client, db):
    sunrise = await hostel(db, "demo-sunrise")
    resident = await as_user(client, "resident@sunrise.demo", sunrise["gid"])
    mine = await resident(GUARDIANS)
    assert "errors" not in mine
    assert mine["data"]["guardianContacts"]["nodes"] and all(
        g["phone"] for g in mine["data"]["guardianContacts"]["nodes"]
    )
    # guardianContacts offers no filter on contact fields; ordering by them is not offered either
    # another member of the hostel without a resident record of their own reaches no contact at all
    email, _ = await new_user(db, "HOSTEL_STUDENT")
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, hostel_id) SELECT id, 'HOSTEL_STUDENT', $2 "
            "FROM users WHERE email = $1",
            email,
            sunrise["id"],
        )
    stranger = await user_client(client, email, sunrise["gid"])
    assert (await stranger(GUARDIANS))["data"]["guardianContacts"]["nodes"] == []
    assert (await stranger(GUESTS))["data"]["bookingGuests"]["nodes"] == []


async def test_a_visitor_reads_nothing_of_another_visitors_guests_or_waitlist_entries(client, db):
    email, _ = await new_user(db)
    other = await user_client(client, email)
    body = await other(GUESTS + " ")
    assert body["data"]["bookingGuests"]["nodes"] == []
    waiting = await other("{ bookingWaitlist(first: 50) { nodes { contactEmail contactPhone } } }")
    assert waiting["data"]["bookingWaitlist"]["nodes"] == []
