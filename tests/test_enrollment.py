"""`studentEnroll`: its success path (never run before issue 19) and what a refusal leaves.

Seed 001 `StudentEnrollment` and §7.6: a student holds one active enrollment per academic
session (service check + partial unique index); the enrollment carries the class's section,
the roll number and admission type given, today's date (the school's), and the student's
current class and status follow it. Each test builds a school of its own in SQL.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kit.ids import encode_gid
from tests.conftest import school_today, unique

ENROLL = """mutation($input: StudentEnrollInput!) { studentEnroll(input: $input) {
  studentEnrollment { active rollNumber section enrollmentDate startDate endDate admissionType remarks
                      session { name } schoolClass { name section }
                      student { admissionNumber currentStatus currentClass { name section } } }
  errors { code field message } } }"""
WITHDRAW = """mutation($input: StudentWithdrawInput!) { studentWithdraw(input: $input) { errors { code message } } }"""
CLASS_LIST = """query($id: ID!) { node(id: $id) { ... on SchoolClass {
  enrollments { totalCount nodes { active rollNumber endDate student { admissionNumber currentStatus } } } } } }"""


async def _school(db: Any) -> dict[str, Any]:
    """Last year's and this year's session; this year Class 5-A (one student enrolled), Class 6-B
    (empty) and a closed Class 7-C; last year a Class 6-B. Students: one enrolled, one who left
    last year (no enrollment this year), one inactive."""
    code = unique("ENR")
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

        async def klass(name: str, section: str, session_id: int, active: bool = True) -> int:
            return await conn.fetchval(
                "INSERT INTO school_classes (school_id, name, section, session_id, active) "
                "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                school,
                name,
                section,
                session_id,
                active,
            )

        classes = {
            "5A": await klass("Class 5", "A", cur),
            "6B": await klass("Class 6", "B", cur),
            "7C": await klass("Class 7", "C", cur, active=False),
            "old6B": await klass("Class 6", "B", prev),
        }

        async def student(n: str, status: str, class_id: int | None, active: bool = True) -> int:
            return await conn.fetchval(
                "INSERT INTO students (school_id, admission_number, first_name, gender, current_status, current_class_id, active) "
                "VALUES ($1, $2, $3, 'MALE', $4, $5, $6) RETURNING id",
                school,
                f"{code}-{n}",
                f"Pupil {n}",
                status,
                class_id,
                active,
            )

        enrolled = await student("1", "ENROLLED", classes["5A"])
        await conn.execute(
            "INSERT INTO student_enrollments (school_id, student_id, class_id, section, session_id, roll_number) "
            "VALUES ($1, $2, $3, 'A', $4, 1)",
            school,
            enrolled,
            classes["5A"],
            cur,
        )
        left = await student("2", "LEFT", classes["old6B"])
        await conn.execute(
            "INSERT INTO student_enrollments (school_id, student_id, class_id, section, session_id, roll_number, "
            "active, end_date) VALUES ($1, $2, $3, 'B', $4, 7, false, '2026-03-31')",
            school,
            left,
            classes["old6B"],
            prev,
        )
        inactive = await student("3", "LEFT", None, active=False)
    gid = encode_gid("School", school)
    return {
        "id": school,
        "code": code,
        "headers": {"X-Tenant-Id": gid},
        "classes": {k: encode_gid("SchoolClass", v) for k, v in classes.items()},
        "enrolled": encode_gid("Student", enrolled),
        "left": encode_gid("Student", left),
        "inactive": encode_gid("Student", inactive),
    }


async def _class_list(gql: Any, s: dict[str, Any], key: str) -> list[dict[str, Any]]:
    body = await gql(CLASS_LIST, {"id": s["classes"][key]}, headers=s["headers"])
    connection = body["data"]["node"]["enrollments"]
    assert connection["totalCount"] == len(connection["nodes"])
    return sorted(connection["nodes"], key=lambda n: (n["student"]["admissionNumber"], n["active"]))


async def _enroll(gql: Any, s: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return (await gql(ENROLL, {"input": fields}, headers=s["headers"]))["data"]["studentEnroll"]


async def test_enroll_places_the_student_in_the_class_with_the_fields_given(gql, db):
    s = await _school(db)
    done = await _enroll(
        gql, s, studentId=s["left"], classId=s["classes"]["6B"], rollNumber=12, admissionType="READMISSION"
    )
    today = school_today().isoformat()
    assert done == {
        "errors": [],
        "studentEnrollment": {
            "active": True,
            "rollNumber": 12,
            "section": "B",
            "enrollmentDate": today,
            "startDate": today,
            "endDate": None,
            "admissionType": "READMISSION",
            "remarks": None,
            "session": {"name": "2026-27"},
            "schoolClass": {"name": "Class 6", "section": "B"},
            "student": {
                "admissionNumber": f"{s['code']}-2",
                "currentStatus": "ENROLLED",
                "currentClass": {"name": "Class 6", "section": "B"},
            },
        },
    }
    # the class lists the student now; the other class and last year's class are as they were
    assert await _class_list(gql, s, "6B") == [
        {
            "active": True,
            "rollNumber": 12,
            "endDate": None,
            "student": {"admissionNumber": f"{s['code']}-2", "currentStatus": "ENROLLED"},
        }
    ]
    assert [n["student"]["admissionNumber"] for n in await _class_list(gql, s, "5A")] == [f"{s['code']}-1"]
    assert await _class_list(gql, s, "old6B") == [
        {
            "active": False,
            "rollNumber": 7,
            "endDate": "2026-03-31",
            "student": {"admissionNumber": f"{s['code']}-2", "currentStatus": "ENROLLED"},
        }
    ]

    # without a roll number or an admission type, they stay empty (nothing is made up)
    s2 = await _school(db)
    bare = await _enroll(gql, s2, studentId=s2["left"], classId=s2["classes"]["5A"])
    assert bare["errors"] == []
    assert (
        bare["studentEnrollment"]["rollNumber"],
        bare["studentEnrollment"]["admissionType"],
        bare["studentEnrollment"]["section"],
    ) == (None, None, "A")


async def test_a_refused_enrollment_says_why_and_changes_nothing(gql, db):
    s, other = await _school(db), await _school(db)
    cases = [
        (
            {"studentId": s["enrolled"], "classId": s["classes"]["6B"]},
            ("CONFLICT", ["input", "studentId"], "The student already has an active enrollment in this session."),
        ),
        (
            {"studentId": s["inactive"], "classId": s["classes"]["6B"]},
            ("INVALID", ["input", "studentId"], "The student is not active."),
        ),
        (
            {"studentId": s["left"], "classId": s["classes"]["old6B"]},
            ("INVALID", ["input", "classId"], "The class is not an active class of this academic session."),
        ),
        (
            {"studentId": s["left"], "classId": s["classes"]["7C"]},
            ("INVALID", ["input", "classId"], "The class is not an active class of this academic session."),
        ),
        (
            {"studentId": s["left"], "classId": other["classes"]["6B"]},
            ("NOT_FOUND", ["input", "classId"], "No SchoolClass with this ID."),
        ),
        ({"studentId": other["left"], "classId": s["classes"]["6B"]}, ("NOT_FOUND", ["input", "studentId"], None)),
    ]
    for variables, (code, field, message) in cases:
        result = await _enroll(gql, s, **variables)
        assert result["studentEnrollment"] is None, variables
        [error] = result["errors"]
        assert (error["code"], error["field"]) == (code, field), (variables, error)
        if message:
            assert error["message"] == message
        else:
            assert error["message"], variables
    # a wrong kind of ID for either field
    for variables, field in (
        ({"studentId": s["classes"]["6B"], "classId": s["classes"]["6B"]}, ["input", "studentId"]),
        ({"studentId": s["left"], "classId": s["left"]}, ["input", "classId"]),
    ):
        result = await _enroll(gql, s, **variables)
        assert result["studentEnrollment"] is None and [e["field"] for e in result["errors"]] == [field], result

    # nothing changed: the classes hold what they held, the students are where they were
    for school in (s, other):
        assert [n["student"]["admissionNumber"] for n in await _class_list(gql, school, "5A")] == [
            f"{school['code']}-1"
        ]
        assert await _class_list(gql, school, "6B") == []
        assert await _class_list(gql, school, "7C") == []
        assert [(n["active"], n["rollNumber"]) for n in await _class_list(gql, school, "old6B")] == [(False, 7)]
    body = await gql(
        "query($id: ID!) { node(id: $id) { ... on Student { currentStatus currentClass { name } } } }",
        {"id": s["left"]},
        headers=s["headers"],
    )
    assert body["data"]["node"] == {"currentStatus": "LEFT", "currentClass": {"name": "Class 6"}}


async def test_withdrawn_students_enroll_again_and_history_keeps_every_stint(gql, db):
    s = await _school(db)
    today = school_today().isoformat()
    for stint in range(2):  # two withdrawals: two inactive rows of one session, which the index allows
        withdrawn = (
            await gql(
                WITHDRAW,
                {"input": {"studentId": s["enrolled"], "dateOfLeaving": today, "reason": f"stint {stint}"}},
                headers=s["headers"],
            )
        )["data"]["studentWithdraw"]
        assert withdrawn["errors"] == []
        again = await _enroll(gql, s, studentId=s["enrolled"], classId=s["classes"]["6B"], rollNumber=20 + stint)
        assert again["errors"] == [] and again["studentEnrollment"]["student"]["currentStatus"] == "ENROLLED"
    assert [(n["active"], n["rollNumber"], n["endDate"]) for n in await _class_list(gql, s, "5A")] == [
        (False, 1, today)
    ]
    assert sorted((n["active"], n["rollNumber"], n["endDate"]) for n in await _class_list(gql, s, "6B")) == [
        (False, 20, today),
        (True, 21, None),
    ]


async def test_two_enrollments_of_one_student_at_once_give_one_place(gql, db):
    s = await _school(db)
    first, second = await asyncio.gather(
        _enroll(gql, s, studentId=s["left"], classId=s["classes"]["5A"], rollNumber=30),
        _enroll(gql, s, studentId=s["left"], classId=s["classes"]["6B"], rollNumber=31),
    )
    outcomes = sorted([[e["code"] for e in r["errors"]] for r in (first, second)])
    assert outcomes == [[], ["CONFLICT"]], (first, second)
    places = [
        n
        for key in ("5A", "6B")
        for n in await _class_list(gql, s, key)
        if n["student"]["admissionNumber"] == f"{s['code']}-2"
    ]
    assert len(places) == 1 and places[0]["active"] is True
