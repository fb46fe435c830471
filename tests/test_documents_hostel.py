"""Hostel documents (issue 15, slice "documents"): document types, a stored file handed in as a
document of a type for a resident or a booking's guest, its checks, staff verification with its
history, OCR through the development engine on the queue, expiry alerts and expiry by the job
(once each), file analytics computed, and who reads which document.

Each test makes its own residents, types and documents in the demo hostels; the demo rows are
only read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kit.ids import encode_gid
from resolvers.file_management import expiry
from resolvers.file_management.ocr import DevelopmentOcrEngine
from resolvers.jobs import tasks
from tests.conftest import as_user, hostel_today, unique
from tests.hostel_setup import ERR, hostel, ok, refused
from tests.test_files import PDF, pdf, upload
from tests.test_notifications import resident

SUNRISE, LOTUS = "demo-sunrise", "demo-lotus"
TYPE = f"""mutation($i: DocumentTypeCreateInput!) {{ documentTypeCreate(input: $i) {{
  documentType {{ id code requiredFields alertDays validityDays }} {ERR} }} }}"""
DOC = """id status expiresOn fieldValues guestName rejectionReason submittedBy verifiedBy
  documentType { code } file { fileName }
  validations(orderBy: {field: CREATED_AT, direction: ASC}) { nodes { checkName passed message } }
  verifications(orderBy: {field: CREATED_AT, direction: ASC}) { nodes { fromStatus toStatus decidedBy reason } }
  expiries { nodes { expiresOn status alertDays lastAlertDays alerts { nodes { daysBefore recipients } } } }
  ocr { nodes { status engine text confidencePercent } }"""
SUBMIT = (
    f"""mutation($i: DocumentSubmitInput!) {{ documentSubmit(input: $i) {{ documentUpload {{ {DOC} }} {ERR} }} }}"""
)
VERIFY = (
    f"""mutation($i: DocumentVerifyInput!) {{ documentVerify(input: $i) {{ documentUpload {{ {DOC} }} {ERR} }} }}"""
)
REJECT = (
    f"""mutation($i: DocumentRejectInput!) {{ documentReject(input: $i) {{ documentUpload {{ {DOC} }} {ERR} }} }}"""
)
NODE = f"""query($id: ID!) {{ node(id: $id) {{ ... on DocumentUpload {{ {DOC} }} }} }}"""
FIELDS = [{"name": "number", "value": "X1234567"}, {"name": "full_name", "value": "Asha Rao"}]


def hostel_day(offset: int = 0) -> dt.date:
    """A day of the Sunrise hostel's calendar (demo hostels keep one time zone: tests.conftest)."""
    return hostel_today() + dt.timedelta(days=offset)


async def doc_type(warden: Any, **kw: Any) -> str:
    values = {
        "code": unique("ID").upper().replace("-", "_"),
        "name": "Identity proof",
        "requiredFields": ["number", "full_name"],
        "allowedContentTypes": ["application/pdf"],
        "validityDays": 365,
        "alertDays": [30, 7],
        **kw,
    }
    return (await ok(warden, TYPE, {"i": values}, "documentTypeCreate"))["documentType"]["id"]


async def stored(g: Any, content: bytes = PDF, name: str = "id.pdf") -> str:
    body = await upload(g, content, name)
    assert body["errors"] == [], body
    return body["fileUpload"]["id"]


async def submitted(r: dict[str, Any], type_id: str, **kw: Any) -> dict[str, Any]:
    values = {"documentTypeId": type_id, "fileId": await stored(r["gql"]), "studentId": r["gid"], **kw}
    values.setdefault("fieldValues", FIELDS)
    return (await ok(r["gql"], SUBMIT, {"i": values}, "documentSubmit"))["documentUpload"]


async def history(g: Any, doc_id: str) -> list[tuple[str | None, str]]:
    node = (await g(NODE, {"id": doc_id}))["data"]["node"]
    return [(v["fromStatus"], v["toStatus"]) for v in node["verifications"]["nodes"]]


async def test_a_resident_hands_in_a_document_that_staff_verify_with_its_history(client, db):
    h = await hostel(db, SUNRISE)
    warden, supervisor = await as_user(client, "warden@sunrise.demo"), await as_user(client, "supervisor@sunrise.demo")
    r = await resident(client, db, h)
    kind = await doc_type(warden)
    doc = await submitted(r, kind)
    assert doc["status"] == "PENDING" and doc["submittedBy"] == r["user_id"]
    assert doc["fieldValues"] == {"number": "X1234567", "full_name": "Asha Rao"}
    assert [(v["checkName"], v["passed"]) for v in doc["validations"]["nodes"]] == [
        ("CONTENT_TYPE", True),
        ("SIZE", True),
        ("REQUIRED_FIELDS", True),
        ("EXPIRY", True),
    ]
    # the expiry comes from the type's validity, its alert days with it
    (exp,) = doc["expiries"]["nodes"]
    assert (doc["expiresOn"], exp["expiresOn"], exp["alertDays"]) == ((hostel_day(365)).isoformat(),) * 2 + ([30, 7],)

    # the reason is required to reject; a resident may not decide at all; nothing changes
    blank = await refused(
        supervisor, REJECT, {"i": {"documentId": doc["id"], "reason": " "}}, "documentReject", "INVALID"
    )
    assert blank["documentUpload"] is None
    mine = await r["gql"](VERIFY, {"i": {"documentId": doc["id"]}}, expect_errors=True)
    assert mine["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    done = (await ok(supervisor, VERIFY, {"i": {"documentId": doc["id"], "note": "seen"}}, "documentVerify"))[
        "documentUpload"
    ]
    assert done["status"] == "VERIFIED" and done["verifiedBy"] is not None
    # verifying twice is an invalid move: CONFLICT, and the history stays as it was
    again = await refused(warden, VERIFY, {"i": {"documentId": doc["id"]}}, "documentVerify", "CONFLICT")
    assert "VERIFIED" in again["errors"][0]["message"]
    assert await history(r["gql"], doc["id"]) == [(None, "PENDING"), ("PENDING", "VERIFIED")]
    # a verification found wrong later is rejected, with the reason the owner reads
    later = await ok(warden, REJECT, {"i": {"documentId": doc["id"], "reason": "Forged stamp."}}, "documentReject")
    assert later["documentUpload"]["status"] == "REJECTED"
    assert later["documentUpload"]["verifications"]["nodes"][-1] == {
        "fromStatus": "VERIFIED",
        "toStatus": "REJECTED",
        "decidedBy": later["documentUpload"]["verifiedBy"],
        "reason": "Forged stamp.",
    }
    node = (await r["gql"](NODE, {"id": doc["id"]}))["data"]["node"]
    assert (node["status"], node["rejectionReason"]) == ("REJECTED", "Forged stamp.")
    # the resident heard of each decision, through the notification pipeline
    told = await r["gql"]("{ myNotifications(first: 10) { nodes { notificationType body } } }")
    assert sorted((n["notificationType"], n["body"]) for n in told["data"]["myNotifications"]["nodes"]) == [
        ("document.rejected", "Your Identity proof was rejected: Forged stamp. Hand in a new one."),
        ("document.verified", "Your Identity proof has been verified."),
    ]
    await refused(warden, VERIFY, {"i": {"documentId": doc["id"]}}, "documentVerify", "CONFLICT")


async def test_a_document_failing_its_checks_is_invalid_and_cannot_be_verified(client, db):
    h = await hostel(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    kind = await doc_type(warden, allowedContentTypes=["image/png", "image/jpeg"], maxSizeBytes=10)
    doc = await submitted(
        r, kind, fieldValues=[{"name": "number", "value": "X1"}], expiresOn=hostel_day(-1).isoformat()
    )
    assert doc["status"] == "INVALID" and doc["expiries"]["nodes"] == []
    checks = {v["checkName"]: (v["passed"], v["message"]) for v in doc["validations"]["nodes"]}
    assert checks["CONTENT_TYPE"] == (False, "application/pdf is not accepted; send image/png, image/jpeg.")
    assert checks["SIZE"][0] is False and checks["REQUIRED_FIELDS"] == (False, "Missing: full_name.")
    assert checks["EXPIRY"][0] is False
    assert doc["verifications"]["nodes"][0]["toStatus"] == "INVALID"
    await refused(warden, VERIFY, {"i": {"documentId": doc["id"]}}, "documentVerify", "CONFLICT")
    assert await history(warden, doc["id"]) == [(None, "INVALID")]


async def test_bad_submissions_and_types_are_refused_and_write_nothing(client, db):
    h = await hostel(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r, other = await resident(client, db, h), await resident(client, db, h)
    kind = await doc_type(warden)
    before = await db.fetchval("SELECT count(*) FROM document_uploads")
    file_id = await stored(r["gql"])
    base = {"documentTypeId": kind, "fileId": file_id, "fieldValues": FIELDS}
    # another resident's record, another's file, no owner, two owners, a bad field name
    await refused(r["gql"], SUBMIT, {"i": {**base, "studentId": other["gid"]}}, "documentSubmit", "NOT_FOUND")
    theirs = {**base, "fileId": await stored(other["gql"]), "studentId": r["gid"]}
    await refused(r["gql"], SUBMIT, {"i": theirs}, "documentSubmit", "NOT_FOUND")
    await refused(r["gql"], SUBMIT, {"i": base}, "documentSubmit", "INVALID")
    bad = {**base, "studentId": r["gid"], "fieldValues": [{"name": "Number!", "value": "1"}]}
    await refused(r["gql"], SUBMIT, {"i": bad}, "documentSubmit", "INVALID")
    assert await db.fetchval("SELECT count(*) FROM document_uploads") == before
    # types: field names, media types the storage does not keep, alert days; residents may not make one
    for wrong, field in (
        ({"requiredFields": ["Full Name"]}, "requiredFields"),
        ({"allowedContentTypes": ["text/html"]}, "allowedContentTypes"),
        ({"alertDays": [0]}, "alertDays"),
    ):
        values = {"code": unique("T").upper().replace("-", "_"), "name": "x", **wrong}
        payload = await refused(warden, TYPE, {"i": values}, "documentTypeCreate", "INVALID")
        assert payload["errors"][0]["field"] == ["input", field]
    denied = await r["gql"](TYPE, {"i": {"code": "MINE", "name": "x"}}, expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_who_reads_and_decides_on_which_document(client, db):
    h = await hostel(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r, other = await resident(client, db, h), await resident(client, db, h)
    kind = await doc_type(warden)
    doc = await submitted(r, kind)
    # a resident reads their own only: not another's, by list or by node, nor its history
    assert (await other["gql"](NODE, {"id": doc["id"]}))["data"]["node"] is None
    theirs = await other["gql"](
        """query($s: ID!) { documentUploads(filter: {studentId: {eq: $s}}) { totalCount }
        documentVerifications(first: 100) { nodes { document { id } } } }""",
        {"s": r["gid"]},
    )
    assert theirs["data"]["documentUploads"]["totalCount"] == 0
    assert doc["id"] not in {n["document"]["id"] for n in theirs["data"]["documentVerifications"]["nodes"]}
    own = await r["gql"]("{ documentUploads { nodes { id } } }")
    assert [n["id"] for n in own["data"]["documentUploads"]["nodes"]] == [doc["id"]]
    # staff of another hostel: not found; staff who handed a document in do not verify it themselves
    lotus = await as_user(client, "warden@lotus.demo")
    await refused(lotus, VERIFY, {"i": {"documentId": doc["id"]}}, "documentVerify", "NOT_FOUND")
    assert (await lotus(NODE, {"id": doc["id"]}))["data"]["node"] is None
    by_warden = {"documentTypeId": kind, "fileId": await stored(warden), "studentId": r["gid"], "fieldValues": FIELDS}
    handed = (await ok(warden, SUBMIT, {"i": by_warden}, "documentSubmit"))["documentUpload"]
    own_call = await refused(warden, VERIFY, {"i": {"documentId": handed["id"]}}, "documentVerify", "FORBIDDEN")
    assert "Someone else" in own_call["errors"][0]["message"]
    assert (await r["gql"](NODE, {"id": handed["id"]}))["data"]["node"]["status"] == "PENDING"


async def test_a_booking_guests_document_is_read_by_its_booker_and_staff(client, db):
    h = await hostel(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    booker, stranger = await resident(client, db, h), await resident(client, db, h)
    room_type = await db.fetchval(
        "SELECT id FROM room_type_definitions WHERE hostel_id = $1 ORDER BY id LIMIT 1", h["id"]
    )
    booking = await db.fetchval(
        "INSERT INTO bookings (hostel_id, reference, booker_user_id, room_type_id, status, check_in_date, "
        "duration_months, check_out_date, monthly_rent, security_deposit, total_amount) "
        "VALUES ($1, $2, $3, $4, 'PENDING', $5, 1, $6, 8000, 5000, 8000) RETURNING id",
        h["id"],
        unique("BK"),
        booker["user_id"],
        room_type,
        hostel_day(20),
        hostel_day(50),
    )
    values = {
        "documentTypeId": await doc_type(warden),
        "fileId": await stored(warden),
        "bookingId": encode_gid("Booking", booking),
        "guestName": "Ravi Kumar",
        "fieldValues": FIELDS,
    }
    doc = (await ok(warden, SUBMIT, {"i": values}, "documentSubmit"))["documentUpload"]
    assert (doc["status"], doc["guestName"]) == ("PENDING", "Ravi Kumar")
    assert (await booker["gql"](NODE, {"id": doc["id"]}))["data"]["node"]["guestName"] == "Ravi Kumar"
    assert (await stranger["gql"](NODE, {"id": doc["id"]}))["data"]["node"] is None


async def test_ocr_reads_a_document_on_the_queue_through_the_development_engine(client, db, app_url):
    h = await hostel(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    doc = await submitted(r, await doc_type(warden, ocrEnabled=True))
    assert doc["ocr"]["nodes"] == [{"status": "PENDING", "engine": None, "text": None, "confidencePercent": None}]
    await tasks.run_worker(
        app_url, queues=["files"], wait=False, concurrency=1, install_signal_handlers=False, stalled_seconds=3600
    )
    node = (await r["gql"](NODE, {"id": doc["id"]}))["data"]["node"]
    # a PDF: the development engine reads nothing (no OCR on this machine), and says so
    assert node["ocr"]["nodes"] == [{"status": "DONE", "engine": "development", "text": "", "confidencePercent": 0}]
    # what it does read: plain text, with `name: value` lines as fields
    read = DevelopmentOcrEngine().read(b"Name: Asha Rao\nID Number: X1\nissued in Pune", "text/plain")
    assert (read.fields, read.confidence_percent) == ({"name": "Asha Rao", "id_number": "X1"}, 100)


async def test_expiry_alerts_reach_owner_and_staff_once_then_the_document_expires(client, db, app_url):
    h = await hostel(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    kind = await doc_type(warden, alertDays=[7, 3])
    doc = await submitted(r, kind, expiresOn=hostel_day(5).isoformat())
    expiring = """query($t: String!) { myNotifications(first: 20, filter: {notificationType: {eq: $t}}) {
      nodes { title body } } }"""

    async def told(g: Any, kind: str) -> list[str]:
        body = await g(expiring, {"t": kind})
        return [n["body"] for n in body["data"]["myNotifications"]["nodes"]]

    before = len(await told(warden, expiry.EXPIRING))
    async with tasks.opened(app_url):
        assert (await expiry.run(h["id"], hostel_day()))["alerts"] >= 1  # 5 days left: the 7-day alert
        assert await expiry.run(h["id"], hostel_day()) == {"alerts": 0, "expired": 0}  # once
        await expiry.run(h["id"], hostel_day(3))  # 2 days left: the 3-day alert
        await expiry.run(h["id"], hostel_day(3))
    node = (await r["gql"](NODE, {"id": doc["id"]}))["data"]["node"]
    (exp,) = node["expiries"]["nodes"]
    assert sorted(a["daysBefore"] for a in exp["alerts"]["nodes"]) == [3, 7]
    assert exp["lastAlertDays"] == 3 and node["status"] == "PENDING"
    mine = await told(r["gql"], expiry.EXPIRING)
    assert len(mine) == 2 and all(hostel_day(5).isoformat() in b for b in mine)
    assert len(await told(warden, expiry.EXPIRING)) >= before + 2

    async with tasks.opened(app_url):
        assert (await expiry.run(h["id"], hostel_day(5)))["expired"] >= 1
        assert await expiry.run(h["id"], hostel_day(6)) == {"alerts": 0, "expired": 0}
    node = (await r["gql"](NODE, {"id": doc["id"]}))["data"]["node"]
    assert node["status"] == "EXPIRED" and node["expiries"]["nodes"][0]["status"] == "EXPIRED"
    assert node["verifications"]["nodes"][-1] == {
        "fromStatus": "PENDING",
        "toStatus": "EXPIRED",
        "decidedBy": None,
        "reason": f"Expired on {hostel_day(5).isoformat()}.",
    }
    assert len(await told(r["gql"], expiry.EXPIRED)) == 1
    await refused(warden, VERIFY, {"i": {"documentId": doc["id"]}}, "documentVerify", "CONFLICT")


async def test_file_analytics_are_computed_on_demand_never_typed(client, db):
    h = await hostel(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    body = await upload(r["gql"], pdf(300), "notes.pdf")
    file_id, url = body["fileUpload"]["id"], body["fileUpload"]["downloadUrl"]
    for _ in range(2):
        assert (await client.get(url.removeprefix("http://127.0.0.1:8000"))).status_code == 200
    refresh = f"""mutation($f: ID!) {{ fileAnalyticsRefresh(input: {{fileId: $f}}) {{
      fileAnalytics {{ downloadsTotal downloads30Days uniqueDownloaders versions bytesStored computedAt file {{ id }} }}
      {ERR} }} }}"""
    got = (await ok(warden, refresh, {"f": file_id}, "fileAnalyticsRefresh"))["fileAnalytics"]
    assert (got["downloadsTotal"], got["downloads30Days"], got["uniqueDownloaders"]) == (2, 2, 1)
    assert (got["versions"], got["bytesStored"], got["file"]["id"]) == (1, 300, file_id)
    assert got["computedAt"] is not None
    denied = await r["gql"](refresh, {"f": file_id}, expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await r["gql"]("{ fileAnalytics { totalCount } }", expect_errors=True))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    # nothing writes them by hand: no create or update mutation exists
    fields = (await warden("{ __schema { mutationType { fields { name } } } }"))["data"]["__schema"]["mutationType"]
    names = {f["name"] for f in fields["fields"]}
    assert "fileAnalyticsRefresh" in names and not {"fileAnalyticsCreate", "fileAnalyticsUpdate"} & names


async def test_the_document_lists_cost_the_same_statements_for_few_or_many(client, db):
    h = await hostel(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    kind = await doc_type(warden)
    # what a phone shows: the documents with their type, file, last moves and expiry
    query = """{ documentUploads(first: 20) { totalCount nodes { id status expiresOn guestName
      documentType { code name } file { fileName downloadUrl }
      verifications(first: 5) { nodes { toStatus reason } } expiries(first: 1) { nodes { expiresOn status } }
      ocr(first: 1) { nodes { status } } } } }"""
    # what a warden's dashboard shows: the expiries due soonest, with whose document it is
    dashboard = """{ documentExpiries(first: 20, orderBy: {field: EXPIRES_ON, direction: ASC}) { totalCount
      nodes { expiresOn status lastAlertDays document { status guestName documentType { name }
        student { fullName } file { fileName } } } } }"""
    await submitted(r, kind)
    few, staff_few = await r["gql"](query), await warden(dashboard)
    for _ in range(3):
        await submitted(r, kind)
    many, staff_many = await r["gql"](query), await warden(dashboard)
    assert (few["data"]["documentUploads"]["totalCount"], many["data"]["documentUploads"]["totalCount"]) == (1, 4)
    assert r["gql"].statements(many) == r["gql"].statements(few) <= 10
    counted = (
        staff_few["data"]["documentExpiries"]["totalCount"],
        staff_many["data"]["documentExpiries"]["totalCount"],
    )
    assert counted[1] == counted[0] + 3
    assert warden.statements(staff_many) == warden.statements(staff_few) <= 10


async def test_the_demo_hostels_show_documents_in_every_state(client):
    for email in ("warden@sunrise.demo", "warden@lotus.demo"):
        staff = await as_user(client, email)
        body = await staff(
            """{ documentTypes { nodes { code } } documentUploads(first: 50) { nodes { status guestName
              validations { totalCount } ocr { nodes { status } } expiries { nodes { alerts { totalCount } } } } }
              fileAnalytics(first: 50) { totalCount nodes { computedAt } } }"""
        )
        data = body["data"]
        assert {"ID_PROOF", "POLICE_VERIFICATION", "MEDICAL_CERTIFICATE"} <= {
            n["code"] for n in data["documentTypes"]["nodes"]
        }
        docs = data["documentUploads"]["nodes"]
        assert {"VERIFIED", "PENDING", "REJECTED", "ACCEPTED", "INVALID"} <= {d["status"] for d in docs}
        assert any(d["guestName"] for d in docs) and all(d["validations"]["totalCount"] == 4 for d in docs)
        assert any(d["ocr"]["nodes"] == [{"status": "DONE"}] for d in docs)
        assert any(e["alerts"]["totalCount"] for d in docs for e in d["expiries"]["nodes"])
        assert data["fileAnalytics"]["totalCount"] > 0
        assert all(n["computedAt"] for n in data["fileAnalytics"]["nodes"])
    mine = await (await as_user(client, "resident@sunrise.demo"))("{ documentUploads { totalCount } }")
    assert mine["data"]["documentUploads"]["totalCount"] >= 4


def test_the_alert_due_is_the_nearest_alert_day_not_yet_passed():
    on = dt.date(2026, 3, 1)
    assert [expiry.alert_due(on + dt.timedelta(days=n), [30, 7], on) for n in (40, 30, 20, 7, 1, 0, -3)] == [
        None,
        30,
        30,
        7,
        7,
        0,
        0,
    ]
