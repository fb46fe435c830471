"""Residents' documents (`HostelStudentDocument`) and booking guests' (`GuestDocument`) are stored
files of the file storage (issue 15): added with the file itself or a file the caller uploaded,
read with the file's name, size, type and signed download URL by exactly the people concerned
(the resident and their hostel's staff; the booker, a visitor without a tenant, and the hostel's
staff), refused to everyone else through GraphQL and on the file route.

Each test makes its own hostel world (tests/booking_world.py) or its own resident in a demo
hostel, adding rows and never changing demo rows."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from kit.ids import decode_gid, encode_gid
from tests.booking_world import World, add_room_type, booking_input, create, make_world
from tests.conftest import as_user
from tests.hostel_setup import hostel, new_user, ok, refused, resident, room, room_type, user_client
from tests.test_files import PDF, multipart, pdf, upload

ERR = "errors { field code message }"
FILE = "file { id fileName sizeBytes contentType downloadUrl }"
RESIDENT_ADD = f"""mutation($i: HostelStudentDocumentAddInput!) {{ hostelStudentDocumentAdd(input: $i) {{
  hostelStudentDocument {{ id fileName legacyFileUrl {FILE} }} {ERR} }} }}"""
GUEST_ADD = f"""mutation($i: GuestDocumentAddInput!) {{ guestDocumentAdd(input: $i) {{
  guestDocument {{ id fileName {FILE} }} {ERR} }} }}"""
NODE = f"""query($id: ID!) {{ node(id: $id) {{ id ... on HostelStudentDocument {{ {FILE} }}
  ... on GuestDocument {{ {FILE} }} ... on FileUpload {{ fileName }} ... on DocumentUpload {{ stored: {FILE} }} }} }}"""
GUEST_LIST = f"""query($b: ID!) {{ guestDocuments(filter: {{bookingId: {{eq: $b}}}}) {{ nodes {{ id {FILE} }} }} }}"""
PREFIX = "http://127.0.0.1:8000"


async def download(client: Any, url: str) -> Any:
    return await client.get(url.removeprefix(PREFIX))


def altered(url: str, file_pk: int) -> str:
    """`url`'s token with another file's id in its claims (its signature kept): a forgery."""
    head, body, signature = url.removeprefix(PREFIX).removeprefix("/files/").split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged = base64.urlsafe_b64encode(json.dumps(dict(claims, f=file_pk)).encode()).decode().rstrip("=")
    return f"/files/{head}.{forged}.{signature}"


# ---- residents' documents ------------------------------------------------------------------------


@pytest.fixture
async def sunrise(db):
    return await hostel(db, "demo-sunrise")


@pytest.fixture
async def warden(client, sunrise):
    return await as_user(client, "warden@sunrise.demo", sunrise["gid"])


async def test_a_residents_document_is_a_stored_file_read_by_them_and_staff_only(client, db, warden, sunrise):
    email, user_id = await new_user(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=2)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0], booker_user_id=user_id)
    mate_email, mate_id = await new_user(db)
    await resident(warden, db, sunrise["id"], rt, r["beds"][1], booker_user_id=mate_id)
    me = await user_client(client, email, sunrise["gid"])
    roommate = await user_client(client, mate_email, sunrise["gid"])
    scan = pdf(3000)
    inp = {"studentId": res["student"], "documentType": "ID_PROOF", "file": None}
    added = await multipart(me, RESIDENT_ADD, {"i": inp}, "variables.i.file", "aadhaar scan.pdf", scan)
    assert added["errors"] == [], added
    doc = added["hostelStudentDocument"]
    assert doc["fileName"] == "aadhaar scan.pdf" and doc["legacyFileUrl"] is None
    assert (doc["file"]["fileName"], doc["file"]["sizeBytes"], doc["file"]["contentType"]) == (
        "aadhaar scan.pdf",
        3000,
        "application/pdf",
    )
    got = await download(client, doc["file"]["downloadUrl"])
    assert got.status_code == 200 and got.content == scan

    # the hostel's staff read it and download its file
    seen = (await warden(NODE, {"id": doc["id"]}))["data"]["node"]
    assert seen["file"]["id"] == doc["file"]["id"]
    assert (await download(client, seen["file"]["downloadUrl"])).content == scan
    # a roommate, another hostel's warden, a visitor: neither the document nor its file
    lotus = await as_user(client, "warden@lotus.demo")
    visitor = await as_user(client, "visitor@demo.campus")
    for stranger in (roommate, lotus, visitor):
        assert (await stranger(NODE, {"id": doc["id"]}))["data"]["node"] is None
        assert (await stranger(NODE, {"id": doc["file"]["id"]}))["data"]["node"] is None
    listed = await roommate("{ hostelStudentDocuments(first: 50) { nodes { id } } }")
    assert doc["id"] not in {n["id"] for n in listed["data"]["hostelStudentDocuments"]["nodes"]}
    # nor its bytes: a download link of the roommate's own file, altered to name this one, is refused
    own = (await upload(roommate, PDF))["fileUpload"]
    _, file_pk = decode_gid(doc["file"]["id"])
    forged = await client.get(altered(own["downloadUrl"], file_pk))
    assert forged.status_code == 403 and forged.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_staff_file_a_residents_document_from_an_upload_and_the_resident_reads_it(client, db, warden, sunrise):
    email, user_id = await new_user(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0], booker_user_id=user_id, documents=0)
    me = await user_client(client, email, sunrise["gid"])
    letter = (await upload(warden, PDF, "admission letter.pdf"))["fileUpload"]
    # before it is the resident's document, the staff's private upload is not theirs to read
    assert (await me(NODE, {"id": letter["id"]}))["data"]["node"] is None
    inp = {"studentId": res["student"], "documentType": "ADMISSION_LETTER", "fileId": letter["id"]}
    doc = (await ok(warden, RESIDENT_ADD, {"i": inp}, "hostelStudentDocumentAdd"))["hostelStudentDocument"]
    assert doc["file"]["id"] == letter["id"] and doc["fileName"] == "admission letter.pdf"
    mine = (await me(NODE, {"id": doc["id"]}))["data"]["node"]
    assert mine["file"]["fileName"] == "admission letter.pdf"
    assert (await download(client, mine["file"]["downloadUrl"])).content == PDF
    # the resident cannot hand in a file they did not upload, nor both a file and an ID, nor neither
    other = (await upload(warden, PDF, "someone else.pdf"))["fileUpload"]
    await refused(me, RESIDENT_ADD, {"i": {**inp, "fileId": other["id"]}}, "hostelStudentDocumentAdd", "NOT_FOUND")
    both = await multipart(me, RESIDENT_ADD, {"i": {**inp, "file": None}}, "variables.i.file", "x.pdf", PDF)
    assert [e["code"] for e in both["errors"]] == ["INVALID"]
    await refused(me, RESIDENT_ADD, {"i": {**inp, "fileId": None}}, "hostelStudentDocumentAdd", "INVALID")
    count = await warden(
        "query($s: ID!) { hostelStudentDocuments(filter: {studentId: {eq: $s}}) { totalCount } }",
        {"s": res["student"]},
    )
    assert count["data"]["hostelStudentDocuments"]["totalCount"] == 1  # the refusals added nothing


async def test_documents_recorded_before_files_keep_their_address_read_only(client, db, warden, sunrise):
    """A booking's guest documents from before the storage (tests/hostel_setup.py writes them as
    the migration leaves them) become the resident's on conversion: no file, the old address."""
    email, user_id = await new_user(db)
    rt = await room_type(warden)
    r = await room(warden, rt, beds=1)
    res = await resident(warden, db, sunrise["id"], rt, r["beds"][0], booker_user_id=user_id, documents=1)
    me = await user_client(client, email, sunrise["gid"])
    docs = await me(
        "query($s: ID!) { hostelStudentDocuments(filter: {studentId: {eq: $s}}) { nodes { fileName legacyFileUrl "
        "file { id } } } }",
        {"s": res["student"]},
    )
    [doc] = docs["data"]["hostelStudentDocuments"]["nodes"]
    assert doc["file"] is None and doc["legacyFileUrl"].endswith("/doc0.pdf")
    async with db.acquire() as conn:  # the database holds every document to a file or an address
        with pytest.raises(Exception, match="has_file"):
            await conn.execute("UPDATE hostel_student_documents SET legacy_file_url = NULL WHERE file_id IS NULL")


# ---- booking guests' documents -------------------------------------------------------------------


@pytest.fixture
async def world(db, client) -> World:
    w = await make_world(db, client)
    await add_room_type(db, w, "SGL", beds=1, price="12000.00")
    return w


async def test_the_booker_reads_their_guests_documents_and_nobody_else(world: World, client, db) -> None:
    b = await create(world.visitor, booking_input(world, "SGL", visitor=True))
    scan = pdf(2048)
    inp = {"bookingId": b["id"], "documentType": "ID_PROOF", "file": None}
    added = await multipart(world.visitor, GUEST_ADD, {"i": inp}, "variables.i.file", "passport.pdf", scan)
    assert added["errors"] == [], added
    doc = added["guestDocument"]
    assert (doc["fileName"], doc["file"]["sizeBytes"], doc["file"]["contentType"]) == (
        "passport.pdf",
        2048,
        "application/pdf",
    )
    # the visitor (no tenant) reads the document and its file, and downloads it
    listed = (await world.visitor(GUEST_LIST, {"b": b["id"]}))["data"]["guestDocuments"]["nodes"]
    assert [n["id"] for n in listed] == [doc["id"]] and listed[0]["file"]["id"] == doc["file"]["id"]
    assert (await download(client, listed[0]["file"]["downloadUrl"])).content == scan
    # the hostel's staff add one from their own upload; the booker reads that file too
    desk = (await upload(world.admin, PDF, "photo at the desk.pdf"))["fileUpload"]
    staff = await world.admin(GUEST_ADD, {"i": {**inp, "file": None, "documentType": "PHOTO", "fileId": desk["id"]}})
    assert staff["data"]["guestDocumentAdd"]["errors"] == []
    listed = (await world.visitor(GUEST_LIST, {"b": b["id"]}))["data"]["guestDocuments"]["nodes"]
    assert {n["file"]["fileName"] for n in listed} == {"passport.pdf", "photo at the desk.pdf"}
    admin = (await world.admin(GUEST_LIST, {"b": b["id"]}))["data"]["guestDocuments"]["nodes"]
    assert {n["file"]["id"] for n in admin} == {n["file"]["id"] for n in listed}

    # another visitor, another hostel's warden: neither the documents nor their files
    stranger = await as_user(client, "visitor@demo.campus")
    for other in (stranger, world.other):
        assert (await other(GUEST_LIST, {"b": b["id"]}))["data"]["guestDocuments"]["nodes"] == []
        assert (await other(NODE, {"id": doc["id"]}))["data"]["node"] is None
        assert (await other(NODE, {"id": doc["file"]["id"]}))["data"]["node"] is None
    # nor the bytes: a link of the Lotus warden's own file, altered to name the guest's file
    lotus_file = (await upload(world.other, PDF))["fileUpload"]
    _, file_pk = decode_gid(doc["file"]["id"])
    assert (await client.get(altered(lotus_file["downloadUrl"], file_pk))).status_code == 403
    # a file already handed in for this booking cannot be handed in for another booking
    other_booking = await create(world.admin, booking_input(world, "SGL"))
    again = await world.admin(GUEST_ADD, {"i": {**inp, "bookingId": other_booking["id"], "fileId": desk["id"]}})
    assert [e["code"] for e in again["data"]["guestDocumentAdd"]["errors"]] == ["CONFLICT"]
    # the Lotus warden booking here is a booker like any other: this hostel's files are not theirs to hand in
    unclaimed = (await upload(world.admin, PDF, "staff only.pdf"))["fileUpload"]
    made = await world.other(
        "mutation($i: BookingCreateInput!) { bookingCreate(input: $i) { errors { code } } }",
        {"i": booking_input(world, "SGL", visitor=True)},
    )
    assert made["data"]["bookingCreate"]["errors"] == []
    async with db.acquire() as conn:  # theirs, though their tenant (Lotus) does not show it to them
        theirs = await conn.fetchval(
            "SELECT b.id FROM bookings b JOIN users u ON u.id = b.booker_user_id WHERE b.hostel_id = $1 "
            "AND u.email = 'warden@lotus.demo' ORDER BY b.id DESC LIMIT 1",
            world.hostel,
        )
    their_booking = encode_gid("Booking", theirs)
    leak = await world.other(GUEST_ADD, {"i": {**inp, "bookingId": their_booking, "fileId": unclaimed["id"]}})
    assert [e["code"] for e in leak["data"]["guestDocumentAdd"]["errors"]] == ["NOT_FOUND"]


async def test_rls_alone_shows_a_booking_file_to_its_booker_only(world: World, db) -> None:
    """Isolation layer 2: as the application role, with no tenant set, the booker's user id sees
    the file handed in for their booking; another user's sees nothing."""
    b = await create(world.visitor, booking_input(world, "SGL", visitor=True))
    inp = {"bookingId": b["id"], "documentType": "ID_PROOF", "file": None}
    added = await multipart(world.visitor, GUEST_ADD, {"i": inp}, "variables.i.file", "id.pdf", PDF)
    _, file_pk = decode_gid(added["guestDocument"]["file"]["id"])
    async with db.acquire() as conn:
        booker = await conn.fetchval("SELECT booker_user_id FROM bookings WHERE reference = $1", b["reference"])
        stranger = await conn.fetchval("SELECT id FROM users WHERE email = 'visitor@demo.campus'")

    async def visible(user_id: int) -> list[str]:
        async with db.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL ROLE campus_app")
            await conn.execute("SELECT set_config('app.user_id', $1, true)", str(user_id))
            files = await conn.fetch("SELECT id FROM file_uploads WHERE id = $1", file_pk)
            docs = await conn.fetch("SELECT id FROM guest_documents WHERE file_id = $1", file_pk)
            return [f"file {r['id']}" for r in files] + [f"document {r['id']}" for r in docs]

    assert len(await visible(booker)) == 2
    assert await visible(stranger) == []


async def test_the_document_lists_cost_the_same_statements_for_few_or_many(world: World, client, sunrise) -> None:
    """What a phone (the booker's guest documents) and a dashboard (a hostel's resident documents,
    with their files and links) call: the statements depend on the selection, not on the rows."""
    b = await create(world.visitor, booking_input(world, "SGL", visitor=True))
    inp = {"bookingId": b["id"], "documentType": "ID_PROOF", "file": None}
    await multipart(world.visitor, GUEST_ADD, {"i": inp}, "variables.i.file", "one.pdf", PDF)
    few = await world.visitor(GUEST_LIST, {"b": b["id"]})
    for n in range(3):
        await multipart(world.visitor, GUEST_ADD, {"i": inp}, "variables.i.file", f"more-{n}.pdf", pdf(200 + n))
    many = await world.visitor(GUEST_LIST, {"b": b["id"]})
    assert len(many["data"]["guestDocuments"]["nodes"]) == 4
    assert world.visitor.statements(many) == world.visitor.statements(few) <= 6
    warden = await as_user(client, "warden@sunrise.demo", sunrise["gid"])
    query = f"query($n: Int!) {{ hostelStudentDocuments(first: $n) {{ nodes {{ fileName student {{ fullName }} {FILE} }} }} }}"
    two, fifty = await warden(query, {"n": 2}), await warden(query, {"n": 50})
    assert len(fifty["data"]["hostelStudentDocuments"]["nodes"]) == 50  # the demo hostel's residents' documents
    assert warden.statements(fifty) == warden.statements(two) <= 6
