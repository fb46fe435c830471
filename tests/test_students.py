"""Academic sessions and the student life cycle, through GraphQL (seed 001 §6, §7.5, §7.6)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from kit.ids import encode_gid
from tests.conftest import unique


async def _school(db) -> dict[str, Any]:
    """A school of the test's own: last year's and this year's session, two classes in each,
    five students enrolled in this year's Class 5, a 20-student plan."""
    code = unique("STU")
    async with db.acquire() as conn, conn.transaction():
        school = await conn.fetchval(
            "INSERT INTO schools (name, school_code) VALUES ($1, $2) RETURNING id", f"{code} School", code
        )
        prev = await conn.fetchval(
            "INSERT INTO academic_sessions (name, school_id, active, start_date, end_date) "
            "VALUES ('2025-26', $1, false, '2025-04-01', '2026-03-31') RETURNING id",
            school,
        )
        cur = await conn.fetchval(
            "INSERT INTO academic_sessions (name, school_id, active, start_date, end_date) "
            "VALUES ('2026-27', $1, true, '2026-04-01', '2027-03-31') RETURNING id",
            school,
        )
        await conn.execute("UPDATE schools SET current_session_id = $1 WHERE id = $2", cur, school)
        classes = {}
        for session_id, label in ((prev, "prev"), (cur, "cur")):
            for name in ("Class 5", "Class 6"):
                classes[(label, name)] = await conn.fetchval(
                    "INSERT INTO school_classes (school_id, name, section, session_id) VALUES ($1, $2, 'A', $3) RETURNING id",
                    school,
                    name,
                    session_id,
                )
        students = []
        for i in range(5):
            sid = await conn.fetchval(
                "INSERT INTO students (school_id, admission_number, first_name, gender, current_status, current_class_id) "
                "VALUES ($1, $2, $3, 'FEMALE', 'ENROLLED', $4) RETURNING id",
                school,
                f"{code}-{i}",
                f"Pupil{i}",
                classes[("cur", "Class 5")],
            )
            await conn.execute(
                "INSERT INTO student_enrollments (school_id, student_id, class_id, session_id, roll_number) "
                "VALUES ($1, $2, $3, $4, $5)",
                school,
                sid,
                classes[("cur", "Class 5")],
                cur,
                i + 1,
            )
            students.append(sid)
        await conn.execute(
            "INSERT INTO subscriptions (school_id, plan_name, student_limit, active) VALUES ($1, 'Pilot', 7, true)",
            school,
        )
    return {
        "id": school,
        "code": code,
        "gid": encode_gid("School", school),
        "prev": prev,
        "cur": cur,
        "classes": classes,
        "students": students,
        "headers": {"X-Tenant-Id": encode_gid("School", school)},
    }


ADMIT = """mutation($input: StudentAdmitInput!) { studentAdmit(input: $input) {
  student { id admissionNumber currentStatus currentClass { name } enrollments { nodes { active rollNumber session { name } } }
            studentGuardians { nodes { primaryGuardian guardian { name contactNumber } } } }
  errors { code field message } } }"""


def _admission(number: str, class_gid: str, contact: str = "+91 90000 00001") -> dict[str, Any]:
    return {
        "student": {"admissionNumber": number, "firstName": "Asha", "gender": "FEMALE", "dob": "2016-05-01"},
        "classId": class_gid,
        "rollNumber": 9,
        "guardians": [{"name": "Rekha", "contactNumber": contact, "relation": "MOTHER", "primary": True}],
    }


async def test_admission_creates_student_enrollment_and_guardians_and_respects_the_plan(gql, db):
    s = await _school(db)
    class_gid = encode_gid("SchoolClass", s["classes"][("cur", "Class 6")])
    first = (await gql(ADMIT, {"input": _admission(unique("ADM"), class_gid)}, headers=s["headers"]))["data"][
        "studentAdmit"
    ]
    assert first["errors"] == []
    student = first["student"]
    assert student["currentStatus"] == "ENROLLED" and student["currentClass"] == {"name": "Class 6"}
    assert student["enrollments"]["nodes"] == [{"active": True, "rollNumber": 9, "session": {"name": "2026-27"}}]
    assert student["studentGuardians"]["nodes"] == [
        {"primaryGuardian": True, "guardian": {"name": "Rekha", "contactNumber": "+91 90000 00001"}}
    ]
    # a sibling: the guardian is found by contact number, not duplicated
    sibling = (await gql(ADMIT, {"input": _admission(unique("ADM"), class_gid)}, headers=s["headers"]))["data"][
        "studentAdmit"
    ]
    assert sibling["errors"] == []
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM guardians WHERE school_id = $1", s["id"]) == 1
    # the plan allows 7: 5 + 2 admitted, the 8th is refused and leaves nothing behind
    refused = await gql(
        ADMIT, {"input": _admission("ONE-TOO-MANY", class_gid, "+91 90000 00009")}, headers=s["headers"]
    )
    assert refused["data"]["studentAdmit"]["errors"][0]["code"] == "LOCKED"
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM students WHERE admission_number = 'ONE-TOO-MANY'") == 0
        assert await conn.fetchval("SELECT count(*) FROM guardians WHERE contact_number = '+91 90000 00009'") == 0


async def test_admission_refuses_a_class_of_another_session_and_duplicate_numbers(gql, db):
    s = await _school(db)
    old_class = encode_gid("SchoolClass", s["classes"][("prev", "Class 6")])
    body = (await gql(ADMIT, {"input": _admission(unique("ADM"), old_class)}, headers=s["headers"]))["data"][
        "studentAdmit"
    ]
    assert body["errors"][0]["field"] == ["input", "classId"] and body["errors"][0]["code"] == "INVALID"
    number = unique("ADM")
    current = encode_gid("SchoolClass", s["classes"][("cur", "Class 6")])
    assert (await gql(ADMIT, {"input": _admission(number, current)}, headers=s["headers"]))["data"]["studentAdmit"][
        "errors"
    ] == []
    again = (await gql(ADMIT, {"input": _admission(number, current, "+91 90000 00002")}, headers=s["headers"]))["data"][
        "studentAdmit"
    ]
    assert again["errors"][0]["code"] == "CONFLICT" and again["errors"][0]["field"] == ["input", "admissionNumber"]


ENROLL = """mutation($input: StudentEnrollInput!) { studentEnroll(input: $input) { studentEnrollment { id active } errors { code field } } }"""


async def test_one_active_enrollment_per_student_and_session(gql, db):
    s = await _school(db)
    body = await gql(
        ENROLL,
        {
            "input": {
                "studentId": encode_gid("Student", s["students"][0]),
                "classId": encode_gid("SchoolClass", s["classes"][("cur", "Class 6")]),
            }
        },
        headers=s["headers"],
    )
    assert body["data"]["studentEnroll"]["errors"] == [{"code": "CONFLICT", "field": ["input", "studentId"]}]


WITHDRAW = """mutation($input: StudentWithdrawInput!) { studentWithdraw(input: $input) {
  student { currentStatus dateOfLeaving reasonForLeaving enrollments { nodes { active endDate } } } errors { code } } }"""


async def test_withdrawal_ends_the_enrollment_and_only_once_under_concurrency(gql, db):
    s = await _school(db)
    student = encode_gid("Student", s["students"][1])
    today = dt.datetime.now(dt.UTC).date().isoformat()
    variables = {"input": {"studentId": student, "dateOfLeaving": today, "reason": "Family moved"}}
    first, second = await asyncio.gather(
        gql(WITHDRAW, variables, headers=s["headers"]), gql(WITHDRAW, variables, headers=s["headers"])
    )
    results = [first["data"]["studentWithdraw"], second["data"]["studentWithdraw"]]
    done = [r for r in results if not r["errors"]]
    assert len(done) == 1 and [r["errors"] for r in results if r["errors"]] == [[{"code": "NOT_FOUND"}]]
    assert done[0]["student"]["currentStatus"] == "WITHDRAWN"
    assert done[0]["student"]["reasonForLeaving"] == "Family moved"
    assert done[0]["student"]["enrollments"]["nodes"] == [{"active": False, "endDate": today}]
    future = await gql(
        WITHDRAW,
        {"input": {"studentId": encode_gid("Student", s["students"][2]), "dateOfLeaving": "2999-01-01", "reason": "x"}},
        headers=s["headers"],
    )
    assert future["data"]["studentWithdraw"]["errors"] == [{"code": "INVALID"}]


PROMOTE = """mutation($input: StudentsPromoteInput!) { studentsPromote(input: $input) { promotedCount errors { code field message } } }"""


async def test_promotion_waits_for_locked_exams_then_moves_everyone_in_one_go(gql, db):
    s = await _school(db)
    source, target = s["classes"][("cur", "Class 5")], s["classes"][("prev", "Class 6")]
    async with db.acquire() as conn:
        exam = await conn.fetchval(
            "INSERT INTO exams (school_id, class_id, session_id, name, status) VALUES ($1, $2, $3, 'Finals', 'COMPLETED') RETURNING id",
            s["id"],
            source,
            s["cur"],
        )
    variables = {
        "input": {
            "sourceClassId": encode_gid("SchoolClass", source),
            "targetClassId": encode_gid("SchoolClass", target),
        }
    }
    refused = (await gql(PROMOTE, variables, headers=s["headers"]))["data"]["studentsPromote"]
    assert refused["errors"][0]["code"] == "LOCKED" and refused["promotedCount"] == 0
    async with db.acquire() as conn:
        await conn.execute("UPDATE exams SET status = 'LOCKED' WHERE id = $1", exam)
    done = (await gql(PROMOTE, variables, headers=s["headers"]))["data"]["studentsPromote"]
    assert done == {"promotedCount": 5, "errors": []}
    async with db.acquire() as conn:
        records = await conn.fetchval("SELECT count(*) FROM promotion_records WHERE source_class_id = $1", source)
        active_old = await conn.fetchval(
            "SELECT count(*) FROM student_enrollments WHERE class_id = $1 AND active", source
        )
        active_new = await conn.fetchval(
            "SELECT count(*) FROM student_enrollments WHERE class_id = $1 AND active", target
        )
    assert (records, active_old, active_new) == (5, 0, 5)
    again = (await gql(PROMOTE, variables, headers=s["headers"]))["data"]["studentsPromote"]
    assert again["errors"][0]["code"] == "INVALID"  # nobody is left in the source class


async def test_sessions_one_active_and_current_follows(gql, db):
    s = await _school(db)
    create = """mutation($input: AcademicSessionCreateInput!) { academicSessionCreate(input: $input) {
        academicSession { id name active } errors { code field } } }"""
    made = (
        await gql(
            create,
            {"input": {"name": "2027-28", "startDate": "2027-04-01", "endDate": "2028-03-31"}},
            headers=s["headers"],
        )
    )["data"]["academicSessionCreate"]
    assert made["errors"] == [] and made["academicSession"]["active"] is False  # the school already has an active one
    bad = (
        await gql(
            create, {"input": {"name": "bad", "startDate": "2028-04-01", "endDate": "2028-03-31"}}, headers=s["headers"]
        )
    )["data"]["academicSessionCreate"]
    assert bad["errors"] == [{"code": "INVALID", "field": ["input", "endDate"]}]
    activate = """mutation($id: ID!) { academicSessionActivate(input: {id: $id}) { academicSession { name active } errors { code } } }"""
    body = await gql(activate, {"id": made["academicSession"]["id"]}, headers=s["headers"])
    assert body["data"]["academicSessionActivate"]["academicSession"] == {"name": "2027-28", "active": True}
    school = await gql(
        "query($id: ID!) { node(id: $id) { ... on School { currentSession { name } academicSessions(first: 10) { nodes { name active } } } } }",
        {"id": s["gid"]},
        headers=s["headers"],
    )
    node = school["data"]["node"]
    assert node["currentSession"] == {"name": "2027-28"}
    assert [n for n in node["academicSessions"]["nodes"] if n["active"]] == [{"name": "2027-28", "active": True}]


async def test_every_mutation_leaves_an_activity_log(gql, db):
    s = await _school(db)
    await gql(
        WITHDRAW,
        {
            "input": {
                "studentId": encode_gid("Student", s["students"][3]),
                "dateOfLeaving": dt.datetime.now(dt.UTC).date().isoformat(),
                "reason": "x",
            }
        },
        headers=s["headers"],
    )
    logs = await gql(
        '{ activityLogs(filter: {action: {eq: "studentWithdraw"}}) { nodes { entityType entityId userId timestamp } } }',
        headers=s["headers"],
    )
    assert logs["data"]["activityLogs"]["nodes"][0]["entityType"] == "Student"
    assert logs["data"]["activityLogs"]["nodes"][0]["entityId"] == s["students"][3]


@pytest.mark.parametrize("email", ["admin@riverside.demo"])
async def test_another_schools_admin_cannot_touch_these_students(client, db, email):
    from tests.conftest import bearer

    s = await _school(db)
    headers = await bearer(client, email)
    body = (
        await client.post(
            "/graphql",
            json={
                "query": WITHDRAW,
                "variables": {
                    "input": {
                        "studentId": encode_gid("Student", s["students"][0]),
                        "dateOfLeaving": "2026-01-01",
                        "reason": "x",
                    }
                },
            },
            headers=headers,
        )
    ).json()
    assert body["data"]["studentWithdraw"]["errors"] == [{"code": "NOT_FOUND"}]


async def test_lists_filter_by_related_rows_with_global_ids(gql, db):
    s = await _school(db)
    class_gid = encode_gid("SchoolClass", s["classes"][("cur", "Class 5")])
    body = await gql(
        """query($c: ID!, $n: String!) { students(filter: {currentClassId: {eq: $c}}) { totalCount nodes { currentClass { id } } }
                        byName: students(filter: {or: [{firstName: {contains: "pupil3"}}, {admissionNumber: {eq: $n}}]}) {
                          nodes { firstName } } }""",
        {"c": class_gid, "n": f"{s['code']}-4"},
        headers=s["headers"],
    )
    assert body["data"]["students"]["totalCount"] == 5
    assert {n["currentClass"]["id"] for n in body["data"]["students"]["nodes"]} == {class_gid}
    assert sorted(n["firstName"] for n in body["data"]["byName"]["nodes"]) == ["Pupil3", "Pupil4"]
    wrong_type = await gql(
        "query($c: ID!) { students(filter: {currentClassId: {eq: $c}}) { totalCount } }",
        {"c": s["gid"]},
        headers=s["headers"],
    )
    assert wrong_type["data"]["students"]["totalCount"] == 0  # a School ID is no class: nothing matches


async def test_withdrawal_deactivates_only_future_unpaid_fees(gql, db):
    s = await _school(db)
    student = s["students"][4]
    async with db.acquire() as conn:
        fee_type = await conn.fetchval(
            "INSERT INTO fee_types (school_id, name) VALUES ($1, 'Tuition') RETURNING id", s["id"]
        )
        structure = await conn.fetchval(
            "INSERT INTO fee_structures (school_id, session_id, fee_type_id, amount) "
            "VALUES ($1, $2, $3, 1000) RETURNING id",
            s["id"],
            s["cur"],
            fee_type,
        )
        ids = {}
        for name, due, paid in (
            ("future_unpaid", "2999-01-10", 0),
            ("future_paid", "2999-02-10", 100),
            ("past_unpaid", "2000-01-10", 0),
        ):
            ids[name] = await conn.fetchval(
                "INSERT INTO student_fee_assignments (school_id, student_id, fee_structure_id, session_id, amount, due_date, principal_paid) "
                "VALUES ($1, $2, $3, $4, 1000, $5::date, $6) RETURNING id",
                s["id"],
                student,
                structure,
                s["cur"],
                __import__("datetime").date.fromisoformat(due),
                paid,
            )
    body = await gql(
        WITHDRAW,
        {
            "input": {
                "studentId": encode_gid("Student", student),
                "dateOfLeaving": dt.datetime.now(dt.UTC).date().isoformat(),
                "reason": "Moved",
            }
        },
        headers=s["headers"],
    )
    assert body["data"]["studentWithdraw"]["errors"] == []
    async with db.acquire() as conn:
        active = {
            name: await conn.fetchval("SELECT active FROM student_fee_assignments WHERE id = $1", pk)
            for name, pk in ids.items()
        }
    assert active == {"future_unpaid": False, "future_paid": True, "past_unpaid": True}


async def test_today_is_the_schools_local_date(gql, db):
    """A withdrawal dated "today" is judged in the school's time zone, not in UTC."""
    from zoneinfo import ZoneInfo

    s = await _school(db)
    now = dt.datetime.now(dt.UTC)
    zone = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"  # UTC+14 / UTC-11: a different date now
    local = now.astimezone(ZoneInfo(zone)).date()
    assert local != now.date()
    bad = await gql(
        'mutation($id: ID!) { schoolUpdate(input: {id: $id, timeZone: "Mars/Olympus"}) { errors { code field } } }',
        {"id": s["gid"]},
    )
    assert bad["data"]["schoolUpdate"]["errors"] == [{"code": "INVALID", "field": ["input", "timeZone"]}]
    await gql(
        "mutation($id: ID!, $z: String!) { schoolUpdate(input: {id: $id, timeZone: $z}) { errors { code } } }",
        {"id": s["gid"], "z": zone},
    )
    body = await gql(
        WITHDRAW,
        {
            "input": {
                "studentId": encode_gid("Student", s["students"][0]),
                "dateOfLeaving": max(local, now.date()).isoformat(),
                "reason": "x",
            }
        },
        headers=s["headers"],
    )
    errors = body["data"]["studentWithdraw"]["errors"]
    # east of UTC the local date is ahead: accepted; west of it the UTC date is still the future there
    assert errors == ([] if local > now.date() else [{"code": "INVALID"}])
