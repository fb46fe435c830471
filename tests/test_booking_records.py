"""Records around a booking that people act on after the fact: refunds paid out, guest
documents attached and checked, resolving a recorded bed conflict, residents' bed wishes."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.booking_world import World, add_room_type, booking_input, call, create, make_world, today
from tests.conftest import as_user
from tests.test_files import PDF, multipart
from tests.test_booking_changes import _policy


@pytest.fixture
async def world(db, client) -> World:
    w = await make_world(db, client)
    await add_room_type(db, w, "SGL", beds=1, price="12000.00")
    return w


REFUND = """mutation($i: RefundTransactionProcessInput!) { refundTransactionProcess(input: $i) {
  refundTransaction { id status method reference processedAt cancellation { refundStatus } } errors { field code } } }"""


async def test_a_refund_is_paid_out_once_and_the_cancellation_follows(world: World, db) -> None:
    await _policy(world, [{"minDaysBefore": 7, "refundPercent": "100"}])
    b = await create(world.visitor, booking_input(world, "SGL", start=today() + dt.timedelta(days=20), visitor=True))
    assert (await call(world.admin, "bookingApprove", {"id": b["id"]}))["errors"] == []
    assert (await call(world.admin, "bookingConfirm", {"id": b["id"], "advancePaid": "6000.00"}))["errors"] == []
    assert (await call(world.visitor, "bookingCancel", {"id": b["id"]}))["errors"] == []
    found = await world.admin(
        """query($b: ID!) { refundTransactions(filter: {bookingId: {eq: $b}}) { nodes { id amount
      status } } }""",
        {"b": b["id"]},
    )
    [refund] = found["data"]["refundTransactions"]["nodes"]
    assert refund["amount"] == "6000.00" and refund["status"] == "PENDING"
    # supervisors and other hostels cannot; a blank reference is refused; nothing changes
    denied = await world.supervisor(
        REFUND, {"i": {"id": refund["id"], "method": "BANK_TRANSFER", "reference": "UTR1"}}, expect_errors=True
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = await world.other(REFUND, {"i": {"id": refund["id"], "method": "BANK_TRANSFER", "reference": "UTR1"}})
    assert other["data"]["refundTransactionProcess"]["errors"][0]["code"] == "NOT_FOUND"
    blank = await world.admin(REFUND, {"i": {"id": refund["id"], "method": "BANK_TRANSFER", "reference": "  "}})
    assert blank["data"]["refundTransactionProcess"]["errors"][0]["field"][-1] == "reference"
    paid = await world.admin(REFUND, {"i": {"id": refund["id"], "method": "BANK_TRANSFER", "reference": "UTR1"}})
    done = paid["data"]["refundTransactionProcess"]["refundTransaction"]
    assert (done["status"], done["method"], done["reference"]) == ("PROCESSED", "BANK_TRANSFER", "UTR1")
    assert done["processedAt"] and done["cancellation"]["refundStatus"] == "PROCESSED"
    again = await world.admin(REFUND, {"i": {"id": refund["id"], "method": "CASH", "reference": "R2"}})
    assert again["data"]["refundTransactionProcess"]["errors"][0]["code"] == "CONFLICT"
    async with db.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT method FROM refund_transactions WHERE booking_id = (SELECT id FROM bookings "
                "WHERE reference = $1)",
                b["reference"],
            )
            == "BANK_TRANSFER"
        )


DOC = """mutation($i: GuestDocumentAddInput!) { guestDocumentAdd(input: $i) {
  guestDocument { id documentType verified booking { reference } } errors { field code } } }"""


async def test_the_guest_attaches_documents_and_staff_verify_them(world: World, client) -> None:
    b = await create(world.visitor, booking_input(world, "SGL", visitor=True))
    doc = {"bookingId": b["id"], "documentType": "ID_PROOF", "fileName": "aadhaar.pdf", "file": None}
    added = await multipart(world.visitor, DOC, {"i": doc}, "variables.i.file", "scan.pdf", PDF)
    assert added["errors"] == [] and added["guestDocument"]["verified"] is False
    bad = (await world.visitor(DOC, {"i": doc}))["data"]["guestDocumentAdd"]  # no file, no fileId
    assert bad["errors"][0]["field"][-1] == "file" and bad["errors"][0]["code"] == "INVALID"
    stranger = await as_user(client, "visitor@demo.campus")
    theirs = await multipart(stranger, DOC, {"i": doc}, "variables.i.file", "scan.pdf", PDF)
    assert theirs["errors"][0]["code"] == "NOT_FOUND"
    verify = """mutation($i: GuestDocumentVerifyInput!) { guestDocumentVerify(input: $i) {
      guestDocument { verified } errors { code } } }"""
    denied = await world.visitor(verify, {"i": {"id": added["guestDocument"]["id"]}}, expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    ok = await world.admin(verify, {"i": {"id": added["guestDocument"]["id"]}})
    assert ok["data"]["guestDocumentVerify"]["guestDocument"]["verified"] is True
    mine = await world.visitor(
        """query($b: ID!) { guestDocuments(filter: {bookingId: {eq: $b}}) { nodes { verified } } }""", {"b": b["id"]}
    )
    assert mine["data"]["guestDocuments"]["nodes"] == [{"verified": True}]
    assert (await call(world.visitor, "bookingCancel", {"id": b["id"]}))["errors"] == []
    closed = await multipart(world.visitor, DOC, {"i": doc}, "variables.i.file", "scan.pdf", PDF)
    assert closed["errors"][0]["code"] == "CONFLICT"


async def test_a_resident_ranks_beds_for_themself_only(client, db) -> None:
    resident = await as_user(client, "resident@sunrise.demo")
    async with db.acquire() as conn:
        bed = await conn.fetchval(
            "SELECT b.id FROM beds b JOIN hostels h ON h.id = b.hostel_id WHERE h.slug = 'demo-sunrise' "
            "AND NOT EXISTS (SELECT 1 FROM bed_preferences p WHERE p.bed_id = b.id) ORDER BY b.id DESC LIMIT 1"
        )
    from kit.ids import encode_gid

    create_pref = """mutation($i: BedPreferenceCreateInput!) { bedPreferenceCreate(input: $i) {
      bedPreference { id rank student { fullName } } errors { field code } } }"""
    made = await resident(create_pref, {"i": {"bedId": encode_gid("Bed", bed), "rank": 2, "reason": "Window"}})
    pref = made["data"]["bedPreferenceCreate"]["bedPreference"]
    assert pref["student"]["fullName"] == "Kiran Resident" and pref["rank"] == 2
    zero = await resident(create_pref, {"i": {"bedId": encode_gid("Bed", bed), "rank": 0}})
    assert zero["data"]["bedPreferenceCreate"]["errors"][0]["field"][-1] == "rank"
    warden = await as_user(client, "warden@sunrise.demo")
    staff = await warden(create_pref, {"i": {"bedId": encode_gid("Bed", bed)}}, expect_errors=True)
    assert staff["errors"][0]["extensions"]["code"] == "FORBIDDEN"
