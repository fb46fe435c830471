"""Guardians and students on their phones (issue 18), through HTTP.

The demo's parent@greenwood.demo is the guardian of two Greenwood students (demo/school.py
FAMILIES), multi@demo.campus of one Riverside student. What a family reads is declared as row
filters (models/school/access.py); these tests read as the family would, and as an intruder.
"""

from __future__ import annotations

from typing import Any

import pytest

from kit.ids import encode_gid
from tests.conftest import GQL, as_user, bearer, login, school_today, unique
from tests.mail import Mailbox, link_token, mailbox_fixture  # noqa: F401 - provides the `mailbox` fixture

PARENT = "parent@greenwood.demo"


async def _children_of(db: Any, email: str) -> set[int]:
    """The students a guardian account is linked to, read from the tables (owner's connection)."""
    async with db.acquire() as conn:
        rows = await conn.fetch(
            """SELECT sg.student_id FROM family_invitations fi
                 JOIN users u ON u.id = fi.user_id
                 JOIN student_guardians sg ON sg.guardian_id = fi.guardian_id
                WHERE u.email = $1 AND fi.accepted_at IS NOT NULL AND fi.revoked_at IS NULL""",
            email,
        )
    return {r["student_id"] for r in rows}


def _gids(type_name: str, pks: set[int]) -> set[str]:
    return {encode_gid(type_name, pk) for pk in pks}


def _student_ids(value: Any) -> set[str]:
    """Every `student { id }` in an answer."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "student" and isinstance(item, dict) and "id" in item:
                found.add(item["id"])
            else:
                found |= _student_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _student_ids(item)
    return found


FAMILY_READ = """{
  students(first: 50) { totalCount nodes { id firstName currentClass { name section classTeacher { user { fullName } } } } }
  studentAttendance(first: 100) { totalCount nodes { status student { id } } }
  studentMarks(first: 100) { nodes { marksObtained exam { status } student { id } } }
  studentFeeAssignments(first: 100) { nodes { pending student { id } feeStructure { feeType { name } } } }
  feePayments(first: 100) { nodes { principalPaid student { id } allocations { nodes { principalAmount } } } }
  transportEnrollments(first: 50) { nodes { pickupPoint { name route { name } } student { id } } }
  studentDocuments(first: 50) { nodes { fileName sharedWithFamily student { id } } }
  guardians(first: 50) { nodes { name } }
  studentGuardians(first: 50) { nodes { student { id } } }
}"""


async def test_a_guardian_reads_their_children_and_no_other_student(client, db):
    children = _gids("Student", await _children_of(db, PARENT))
    assert len(children) == 2
    parent = await as_user(client, PARENT)
    data = (await parent(FAMILY_READ))["data"]
    assert {n["id"] for n in data["students"]["nodes"]} == children
    assert all(n["currentClass"]["name"].startswith("Class") for n in data["students"]["nodes"])
    # their class teachers' names (User rows a guardian reads for that alone)
    assert all(n["currentClass"]["classTeacher"]["user"]["fullName"] for n in data["students"]["nodes"])
    # each record list holds rows of their children only, and has some
    for name in ("studentAttendance", "studentMarks", "studentFeeAssignments", "transportEnrollments"):
        seen = _student_ids(data[name])
        assert seen and seen <= children, (name, seen)
    assert _student_ids(data["studentDocuments"]) <= children
    assert data["studentDocuments"]["nodes"] and all(d["sharedWithFamily"] for d in data["studentDocuments"]["nodes"])
    assert {m["exam"]["status"] for m in data["studentMarks"]["nodes"]} == {"LOCKED"}
    assert [g["name"] for g in data["guardians"]["nodes"]] == ["Gita Guardian"]
    assert _student_ids(data["studentGuardians"]) == children
    # the office reads far more of the same lists
    admin = await as_user(client, "admin@greenwood.demo")
    office = (await admin("{ students { totalCount } studentAttendance { totalCount } }"))["data"]
    assert office["students"]["totalCount"] > 2
    assert office["studentAttendance"]["totalCount"] > data["studentAttendance"]["totalCount"]


async def test_monthly_attendance_counts_the_childs_marked_days(client, db):
    children = await _children_of(db, PARENT)
    child = min(children)
    async with db.acquire() as conn:
        rows = await conn.fetch(
            """SELECT date_trunc('month', a.attendance_date)::date AS month, count(*) AS total,
                      count(*) FILTER (WHERE a.status IN ('PRESENT', 'LATE')) AS attended
                 FROM student_attendance a JOIN schools s ON s.current_session_id = a.session_id
                WHERE a.student_id = $1 GROUP BY 1 ORDER BY 1""",
            child,
        )
    assert rows
    parent = await as_user(client, PARENT)
    body = await parent(
        "query($id: ID!) { node(id: $id) { ... on Student { attendanceByMonth { month total attended percentage } } } }",
        {"id": encode_gid("Student", child)},
    )
    months = body["data"]["node"]["attendanceByMonth"]
    assert [(m["month"], m["total"], m["attended"]) for m in months] == [
        (str(r["month"]), r["total"], r["attended"]) for r in rows
    ]
    from decimal import ROUND_HALF_UP, Decimal

    first = rows[0]
    expected = (Decimal(100) * first["attended"] / first["total"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert months[0]["percentage"] == str(expected)


async def test_another_students_rows_stay_hidden_through_node_filters_and_relations(client, db):
    children = await _children_of(db, PARENT)
    async with db.acquire() as conn:
        school = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
        other = await conn.fetchrow(
            "SELECT id, admission_number, current_class_id FROM students WHERE school_id = $1 AND id <> ALL($2) "
            "AND current_class_id = (SELECT current_class_id FROM students WHERE id = $3) LIMIT 1",
            school,
            list(children),
            min(children),
        )
        marks = await conn.fetch("SELECT id FROM student_marks WHERE student_id = $1 LIMIT 3", other["id"])
        fees = await conn.fetch("SELECT id FROM student_fee_assignments WHERE student_id = $1 LIMIT 3", other["id"])
        guardian = await conn.fetchval("SELECT guardian_id FROM student_guardians WHERE student_id = $1", other["id"])
    parent = await as_user(client, PARENT)
    hidden = [
        encode_gid("Student", other["id"]),
        encode_gid("Guardian", guardian),
        *(encode_gid("StudentMark", r["id"]) for r in marks),
        *(encode_gid("StudentFeeAssignment", r["id"]) for r in fees),
    ]
    body = await parent("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": hidden})
    assert body["data"]["nodes"] == [None] * len(hidden)
    own = encode_gid("Student", min(children))
    assert (await parent("query($id: ID!) { node(id: $id) { id } }", {"id": own}))["data"]["node"] == {"id": own}
    # a filter naming the classmate finds nothing; the class's enrollments show only their child
    found = await parent(
        "query($n: String!) { students(filter: {admissionNumber: {eq: $n}}) { totalCount } }",
        {"n": other["admission_number"]},
    )
    assert found["data"]["students"]["totalCount"] == 0
    classes = await parent(
        "{ schoolClasses(first: 20) { nodes { enrollments(first: 40) { nodes { student { id } } } } } }"
    )
    assert _student_ids(classes["data"]) <= _gids("Student", children)


@pytest.mark.parametrize(
    "path",
    [
        "/exports/daily-cash.csv?date=2026-01-05",
        "/exports/session-pnl.csv",
        "/exports/monthly-pnl.csv?year=2026&month=1",
    ],
)
async def test_exports_refuse_guardians(client, path):
    answer = await client.get(path, headers=await bearer(client, PARENT))
    assert answer.status_code == 404, answer.text
    assert (await client.get(path, headers=await bearer(client, "accounts@greenwood.demo"))).status_code == 200


async def test_a_shared_document_is_not_a_file_download_for_guardians(client, db):
    children = await _children_of(db, PARENT)
    async with db.acquire() as conn:
        doc = await conn.fetchval(
            "SELECT id FROM student_documents WHERE student_id = ANY($1) AND shared_with_family", list(children)
        )
    answer = await client.get(
        f"/files/student-documents/{encode_gid('StudentDocument', doc)}", headers=await bearer(client, PARENT)
    )
    assert answer.status_code == 404


async def test_a_guardian_of_another_school_reads_their_child_there(client, db):
    children = _gids("Student", await _children_of(db, "multi@demo.campus"))
    async with db.acquire() as conn:
        riverside = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-RVP'")
    multi = await as_user(client, "multi@demo.campus", tenant=encode_gid("School", riverside))
    data = (await multi("{ me { rolesInForce children { nodes { id } } } students { nodes { id } } }"))["data"]
    assert data["me"]["rolesInForce"] == ["GUARDIAN"]
    assert (
        {n["id"] for n in data["students"]["nodes"]} == children == {n["id"] for n in data["me"]["children"]["nodes"]}
    )
    # at Greenwood the same account is a teacher, with no children there
    teacher = await as_user(client, "multi@demo.campus")
    assert (await teacher("{ me { children { totalCount } } }"))["data"]["me"]["children"]["totalCount"] == 0


PHONE = """query PhoneHome($today: Date!) {
  me { children { nodes {
    id firstName lastName
    currentClass { name section }
    attendance(filter: {attendanceDate: {eq: $today}}) { nodes { status } }
    marks(first: 3, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { marksObtained exam { name } examSubject { maxMarks subject { name } } } }
    pendingTotal
  } } }
}"""


async def _invited_guardian(client: Any, db: Any, students: list[int], mailbox: Mailbox) -> tuple[GQL, int, str]:
    """A new guardian of `students` at Greenwood, invited by the admin and accepted: (their
    client, the Guardian's id, their email)."""
    admin = await as_user(client, "admin@greenwood.demo")
    email = f"{unique('guardian')}@family.test"
    created = await admin(
        """mutation($input: GuardianCreateInput!) { guardianCreate(input: $input) { guardian { id } errors { code } } }""",
        {"input": {"name": "Test Guardian", "contactNumber": unique("+91")[:30], "email": email}},
    )
    gid = created["data"]["guardianCreate"]["guardian"]["id"]
    from kit.ids import decode_gid

    guardian = decode_gid(gid)[1]
    async with db.acquire() as conn:
        school = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
        for s in students:
            await conn.execute(
                "INSERT INTO student_guardians (school_id, student_id, guardian_id, created_at) VALUES ($1, $2, $3, now())",
                school,
                s,
                guardian,
            )
    invited = await admin(
        "mutation($id: ID!) { guardianInvite(input: {guardianId: $id}) { guardian { id } errors { code message } } }",
        {"id": gid},
    )
    assert invited["data"]["guardianInvite"]["errors"] == []
    token = await _token_sent_to(mailbox, email)
    accepted = await _accept(client, token, email=None)
    assert accepted == {"done": True, "errors": []}
    g = GQL(client)
    tokens = await login(client, email, PASSWORD)
    g.headers["Authorization"] = f"Bearer {tokens['accessToken']}"
    return g, guardian, email


PASSWORD = "Family-Phone-2026"


async def _token_sent_to(mailbox: Mailbox, recipient: str) -> str:
    """The token of the newest invitation the pipeline's development provider sent `recipient`
    (by email, or by SMS to a phone number)."""
    channel = "EMAIL" if "@" in recipient else "SMS"
    return link_token((await mailbox.read(recipient, channel))[-1], "accept-invitation")


async def _accept(client: Any, token: str, email: str | None, password: str = PASSWORD) -> dict[str, Any]:
    body = (
        await client.post(
            "/graphql",
            json={
                "query": """mutation($input: FamilyInvitationAcceptInput!) {
                  familyInvitationAccept(input: $input) { done errors { code field message } } }""",
                "variables": {"input": {"token": token, "password": password, "email": email, "fullName": "Family"}},
            },
        )
    ).json()
    return body["data"]["familyInvitationAccept"]


async def _greenwood_students(db: Any, count: int) -> list[int]:
    async with db.acquire() as conn:
        school = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
        rows = await conn.fetch(
            # active ones: other tests of the shared database deactivate students (a random pick
            # of an inactive one made the invitations refuse, "The student is not active")
            "SELECT id FROM students WHERE school_id = $1 AND active ORDER BY random() LIMIT $2",
            school,
            count,
        )
    return [r["id"] for r in rows]


async def test_the_invitation_works_once_and_links_the_guardians_children(client, db, mailbox):
    students = await _greenwood_students(db, 1)
    guardian, guardian_id, email = await _invited_guardian(client, db, students, mailbox)
    data = (await guardian("{ students { nodes { id } } me { rolesInForce } }"))["data"]
    assert {n["id"] for n in data["students"]["nodes"]} == _gids("Student", set(students))
    assert data["me"]["rolesInForce"] == ["GUARDIAN"]
    # the same link again: refused, and nothing changes
    async with db.acquire() as conn:
        token_hashes = await conn.fetchval(
            "SELECT count(*) FROM family_invitations WHERE guardian_id = $1", guardian_id
        )
    assert token_hashes == 1
    admin = await as_user(client, "admin@greenwood.demo")
    # a second invitation (by SMS) replaces the first link once accepted, with an email given then
    phone = "+91 98 7654 3210"
    await admin(
        "mutation($id: ID!, $p: String) { guardianInvite(input: {guardianId: $id, phone: $p}) { errors { code } } }",
        {"id": encode_gid("Guardian", guardian_id), "p": phone},
    )
    token = await _token_sent_to(mailbox, phone)
    assert (await _accept(client, token, email=None))["errors"][0]["field"] == ["input", "email"]
    wrong = await _accept(client, token, email=email, password="Not-Their-Password-1")
    assert wrong["errors"][0]["field"] == ["input", "password"]
    assert await _accept(client, token, email=email) == {"done": True, "errors": []}
    again = await _accept(client, token, email=email)
    assert again["done"] is False and again["errors"][0]["field"] == ["input", "token"]


async def test_an_expired_invitation_is_refused_and_creates_no_account(client, db, mailbox):
    admin = await as_user(client, "admin@greenwood.demo")
    email = f"{unique('late')}@family.test"
    created = await admin(
        """mutation($input: GuardianCreateInput!) { guardianCreate(input: $input) { guardian { id } } }""",
        {"input": {"name": "Late Guardian", "contactNumber": unique("+91")[:30], "email": email}},
    )
    gid = created["data"]["guardianCreate"]["guardian"]["id"]
    await admin("mutation($id: ID!) { guardianInvite(input: {guardianId: $id}) { errors { code } } }", {"id": gid})
    token = await _token_sent_to(mailbox, email)
    async with db.acquire() as conn:
        await conn.execute(
            "UPDATE family_invitations SET expires_at = now() - interval '1 second' WHERE email = $1", email
        )
    answer = await _accept(client, token, email=None)
    assert answer["done"] is False and answer["errors"][0]["code"] == "INVALID"
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM users WHERE email = $1", email) == 0


async def test_only_school_admins_invite(client, db):
    [student] = await _greenwood_students(db, 1)
    async with db.acquire() as conn:
        guardian = await conn.fetchval("SELECT guardian_id FROM student_guardians WHERE student_id = $1", student)
    for email in ("teacher@greenwood.demo", PARENT):
        caller = await as_user(client, email)
        body = await caller(
            'mutation($id: ID!) { guardianInvite(input: {guardianId: $id, email: "x@y.test"}) { errors { code } } }',
            {"id": encode_gid("Guardian", guardian)},
            expect_errors=True,
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM email_notifications WHERE to_address = 'x@y.test'") == 0


async def test_the_phone_first_screen_takes_as_many_statements_for_one_child_as_for_three(client, db, mailbox):
    one = await _greenwood_students(db, 1)
    three = await _greenwood_students(db, 3)
    counts, seen = [], []
    for students in (one, three):
        guardian, _, _ = await _invited_guardian(client, db, students, mailbox)
        body = await guardian(PHONE, {"today": str(school_today())})
        children = body["data"]["me"]["children"]["nodes"]
        assert {c["id"] for c in children} == _gids("Student", set(students))
        counts.append(guardian.statements(body))
        seen.append(children)
    assert counts[0] == counts[1], counts
    # the total pending is the formula's sum over the child's assignments
    async with db.acquire() as conn:
        from resolvers.fees.formula import pending_sql_text

        expected = await conn.fetchval(
            f"SELECT coalesce(sum({pending_sql_text('a')}), 0) FROM student_fee_assignments a "
            "WHERE a.student_id = $1 AND a.active",
            three[0],
        )
    child = next(c for c in seen[1] if c["id"] == encode_gid("Student", three[0]))
    assert child["pendingTotal"] == f"{expected:.2f}"
    assert len(child["marks"]["nodes"]) <= 3


async def test_teachers_read_students_but_not_their_pending_fees(client):
    teacher = await as_user(client, "teacher@greenwood.demo")
    body = await teacher("{ students(first: 1) { nodes { firstName pendingTotal } } }", expect_errors=True)
    assert body["data"]["students"]["nodes"][0]["pendingTotal"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_student_accounts_only_where_the_school_enables_them(client, db, mailbox):
    [student] = await _greenwood_students(db, 1)
    async with db.acquire() as conn:
        school = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
    admin = await as_user(client, "admin@greenwood.demo")
    email = f"{unique('pupil')}@family.test"
    invite = """mutation($id: ID!, $e: String) { studentInvite(input: {studentId: $id, email: $e}) {
      errors { code message } } }"""
    refused = await admin(invite, {"id": encode_gid("Student", student), "e": email})
    assert refused["data"]["studentInvite"]["errors"][0]["code"] == "INVALID"
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM email_notifications WHERE to_address = $1", email) == 0
    switch = (
        "mutation($id: ID!, $on: Boolean) { schoolUpdate(input: {id: $id, studentAccounts: $on}) { errors { code } } }"
    )
    await admin(switch, {"id": encode_gid("School", school), "on": True})
    try:
        assert (await admin(invite, {"id": encode_gid("Student", student), "e": email}))["data"]["studentInvite"][
            "errors"
        ] == []
        assert await _accept(client, await _token_sent_to(mailbox, email), email=None) == {"done": True, "errors": []}
        me = GQL(client)
        me.headers["Authorization"] = f"Bearer {(await login(client, email, PASSWORD))['accessToken']}"
        data = (await me("{ students { nodes { id } } me { children { nodes { id } } } }"))["data"]
        assert {n["id"] for n in data["students"]["nodes"]} == {encode_gid("Student", student)}
        assert data["me"]["children"]["nodes"] == [{"id": encode_gid("Student", student)}]
        await admin(switch, {"id": encode_gid("School", school), "on": False})
        assert (await me("{ students { totalCount } }"))["data"]["students"]["totalCount"] == 0
    finally:
        await admin(switch, {"id": encode_gid("School", school), "on": False})


HOSTELS = "query($id: ID!) { hostels(first: 100) { nodes { id } } node(id: $id) { id } }"


@pytest.mark.parametrize("column", ["is_public", "active"])
async def test_a_private_or_closed_hostel_is_listed_only_to_its_own_people(client, db, column):
    async with db.acquire() as conn:
        hostel = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")
        analysis = await conn.fetchval(
            """INSERT INTO competitor_analyses (hostel_id, competitor_id, as_of, our_total_beds, their_total_beds,
                 our_amenity_count, their_amenity_count, computed_at, created_at)
               SELECT id, $1, '2020-01-01', 1, 1, 1, 1, now(), now() FROM hostels WHERE slug = 'demo-lotus' RETURNING id""",
            hostel,
        )
    gid = encode_gid("Hostel", hostel)

    async def listed(headers: dict[str, str]) -> tuple[bool, bool]:
        body = (
            await client.post("/graphql", json={"query": HOSTELS, "variables": {"id": gid}}, headers=headers)
        ).json()
        assert "errors" not in body, body
        return gid in {n["id"] for n in body["data"]["hostels"]["nodes"]}, body["data"]["node"] is not None

    assert await listed({}) == (True, True)
    async with db.acquire() as conn:
        await conn.execute(f"UPDATE hostels SET {column} = false WHERE id = $1", hostel)
    try:
        assert await listed({}) == (False, False)
        for outsider in ("visitor@demo.campus", "warden@lotus.demo"):
            assert await listed(await bearer(client, outsider)) == (False, False), outsider
        for own in ("warden@sunrise.demo", "supervisor@sunrise.demo", "resident@sunrise.demo"):
            assert await listed(await bearer(client, own)) == (True, True), own
        # a relation reaching it (Lotus's comparison with Sunrise) reads null rather than the hostel
        lotus = await as_user(client, "warden@lotus.demo")
        compared = await lotus(
            "query($id: ID!) { competitorAnalyses(filter: {competitorId: {eq: $id}}) { nodes { id competitor { id } } } }",
            {"id": gid},
        )
        nodes = compared["data"]["competitorAnalyses"]["nodes"]
        assert nodes and all(n["competitor"] is None for n in nodes)
    finally:
        async with db.acquire() as conn:
            await conn.execute(f"UPDATE hostels SET {column} = true WHERE id = $1", hostel)
            await conn.execute("DELETE FROM competitor_analyses WHERE id = $1", analysis)


MARKSHEET = "query($e: ID!, $s: ID!) { marksheet(examId: $e, studentId: $s) { total percentage grade status } }"


async def test_a_guardian_reads_their_childs_marksheet_once_the_exam_is_locked(client, db):
    child = min(await _children_of(db, PARENT))
    async with db.acquire() as conn:
        exams = {
            r["status"]: r["id"]
            for r in await conn.fetch(
                "SELECT e.id, e.status FROM exams e JOIN students s ON s.current_class_id = e.class_id WHERE s.id = $1",
                child,
            )
        }
        classmate = await conn.fetchval(
            "SELECT id FROM students WHERE current_class_id = (SELECT current_class_id FROM students WHERE id = $1) "
            "AND id <> $1 LIMIT 1",
            child,
        )
    assert {"LOCKED", "DRAFT"} <= set(exams)
    parent = await as_user(client, PARENT)
    own = await parent(MARKSHEET, {"e": encode_gid("Exam", exams["LOCKED"]), "s": encode_gid("Student", child)})
    assert own["data"]["marksheet"]["status"] == "LOCKED" and own["data"]["marksheet"]["total"] > 0
    for exam, student in ((exams["LOCKED"], classmate), (exams["DRAFT"], child)):
        body = await parent(
            MARKSHEET, {"e": encode_gid("Exam", exam), "s": encode_gid("Student", student)}, expect_errors=True
        )
        assert body["data"]["marksheet"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_school_decides_which_documents_the_family_reads(client, db, mailbox):
    [student] = await _greenwood_students(db, 1)
    guardian, _, _ = await _invited_guardian(client, db, [student], mailbox)
    async with db.acquire() as conn:
        document = await conn.fetchval(
            """INSERT INTO student_documents (school_id, student_id, file_type, file_name, uploaded_at, created_at)
               SELECT school_id, id, 'application/pdf', 'fee-receipt.pdf', now(), now() FROM students WHERE id = $1
               RETURNING id""",
            student,
        )
    documents = "{ studentDocuments { nodes { id fileName } } }"
    assert (await guardian(documents))["data"]["studentDocuments"]["nodes"] == []
    admin = await as_user(client, "admin@greenwood.demo")
    share = """mutation($id: ID!, $shared: Boolean!) { studentDocumentShare(input: {id: $id, shared: $shared}) {
      studentDocument { sharedWithFamily } errors { code } } }"""
    gid = encode_gid("StudentDocument", document)
    shared = await admin(share, {"id": gid, "shared": True})
    assert shared["data"]["studentDocumentShare"] == {"studentDocument": {"sharedWithFamily": True}, "errors": []}
    assert (await guardian(documents))["data"]["studentDocuments"]["nodes"] == [
        {"id": gid, "fileName": "fee-receipt.pdf"}
    ]
    # a guardian cannot share (nor unshare) anything themselves
    refused = await guardian(share, {"id": gid, "shared": False}, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await admin(share, {"id": gid, "shared": False})
    assert (await guardian(documents))["data"]["studentDocuments"]["nodes"] == []
