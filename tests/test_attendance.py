"""Attendance through HTTP: a teacher marks a whole class from a phone (attendanceMark), and
the reads of dashboards and phones (myClasses, classAttendanceSummary, studentAttendanceStats,
the class roster with today's attendance) with their statement counts.

Demo facts used: teacher@greenwood.demo is the class teacher of Greenwood "Class 5" A of the
current session and teaches a subject in several other classes (among them English in
"Class 1" A) but nothing in "Class 1" B; every demo class has 12 students.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kit.ids import decode_gid, encode_gid
from tests.conftest import bearer, school_today, tenant_header, unique

TEACHER = "teacher@greenwood.demo"
ADMIN = "admin@greenwood.demo"

MARK = """mutation($input: AttendanceMarkInput!) { attendanceMark(input: $input) {
  marked schoolClass { name section } errors { field code message } } }"""

MY_CLASSES = """query($date: Date) { myClasses(date: $date) {
  date enrolled marked present absent late complete schoolClass { id name section classTeacher { id } } } }"""

SUMMARY = """query($id: ID!, $from: Date!, $to: Date!) { classAttendanceSummary(classId: $id, from: $from, to: $to) {
  from to schoolClass { name section }
  students { present absent late halfDay leave total attended percentage student { id firstName admissionNumber } } } }"""

STATS = """query($id: ID!, $from: Date!, $to: Date!) { studentAttendanceStats(studentId: $id, from: $from, to: $to) {
  from to present absent late halfDay leave total attended percentage student { id firstName } } }"""

# The roster a phone opens. Page sizes are given: without them the cost limit (5000) refuses
# the document (20 classes x 50 enrollments x 20 guardians x 20 attendance rows ...).
ROSTER = """query($id: ID!, $today: Date!) { schoolClasses(first: 1, filter: {id: {eq: $id}}) { nodes {
  enrollments(first: 50) { nodes { student { firstName studentGuardians(first: 2) { nodes { guardian { name } } }
    attendance(first: 1, filter: {attendanceDate: {eq: $today}}) { nodes { status } } } } } } } }"""


def today() -> dt.date:
    return school_today()


async def call(
    client: Any, email: str, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    auth = await bearer(client, email)
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers={**auth, **(headers or {})}
    )
    assert response.status_code == 200, response.text
    return response.json()


def ok(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    return body["data"]


def statements(body: dict[str, Any]) -> int:
    return body["extensions"]["stats"]["sqlStatements"]


def gid(type_name: str, pk: int) -> str:
    return encode_gid(type_name, pk)


def entries(students: list[int], statuses: list[str] | None = None, remarks: str | None = None) -> list[dict[str, Any]]:
    cycle = statuses or ["PRESENT"]
    return [
        {"studentId": gid("Student", s), "status": cycle[i % len(cycle)], **({"remarks": remarks} if remarks else {})}
        for i, s in enumerate(students)
    ]


@pytest.fixture(scope="module")
async def gw(db) -> dict[str, Any]:
    """Ids of the demo schools' rows this file works with."""
    async with db.acquire() as conn:
        out: dict[str, Any] = {}
        for key, code in (("gw", "DEMO-GWH"), ("rv", "DEMO-RVP")):
            school = await conn.fetchrow("SELECT id, current_session_id FROM schools WHERE school_code = $1", code)
            session = await conn.fetchrow(
                "SELECT id, start_date, end_date FROM academic_sessions WHERE id = $1", school["current_session_id"]
            )
            classes = {
                (r["name"], r["section"]): r["id"]
                for r in await conn.fetch(
                    "SELECT id, name, section FROM school_classes WHERE school_id = $1 AND session_id = $2",
                    school["id"],
                    session["id"],
                )
            }
            students = {}
            for class_id in classes.values():
                students[class_id] = [
                    r["student_id"]
                    for r in await conn.fetch(
                        "SELECT student_id FROM student_enrollments WHERE class_id = $1 AND active ORDER BY roll_number",
                        class_id,
                    )
                ]
            out[key] = {
                "school": school["id"],
                "session": session["id"],
                "start": session["start_date"],
                "end": session["end_date"],
                "classes": classes,
                "students": students,
            }
        out["teacher"] = await conn.fetchval(
            "SELECT t.id FROM teachers t JOIN users u ON u.id = t.user_id WHERE u.email = $1", TEACHER
        )
    return out


def class_of(gw: dict[str, Any], name: str, section: str, school: str = "gw") -> int:
    return gw[school]["classes"][(name, section)]


async def rows_on(db, class_id: int, day: dt.date) -> dict[int, tuple[str, str | None]]:
    async with db.acquire() as conn:
        return {
            r["student_id"]: (r["status"], r["remarks"])
            for r in await conn.fetch(
                "SELECT student_id, status, remarks FROM student_attendance WHERE class_id = $1 AND attendance_date = $2",
                class_id,
                day,
            )
        }


async def activity_count(db, class_id: int) -> int:
    async with db.acquire() as conn:
        return await conn.fetchval(
            "SELECT count(*) FROM activity_logs WHERE action = 'attendanceMark' "
            "AND entity_type = 'SchoolClass' AND entity_id = $1",
            class_id,
        )


def clean_day(gw: dict[str, Any], offset: int) -> dt.date:
    """A school day of the session long before the demo's four weeks of attendance; each test
    uses its own offset so that tests do not see each other's marks."""
    day = gw["gw"]["start"] + dt.timedelta(days=offset)
    assert day <= today() - dt.timedelta(days=40), "the demo session is too young for this test's dates"
    return day


# ---- marking ------------------------------------------------------------------------------


async def test_teacher_marks_the_whole_class_today_and_remarking_updates(client, db, gw):
    class_id = class_of(gw, "Class 5", "A")
    students = gw["gw"]["students"][class_id]
    n = len(students)  # the demo's 12 pupils, and any another test enrolled in the class
    assert n >= 12
    day = today()
    logs = await activity_count(db, class_id)
    body = await call(
        client,
        TEACHER,
        MARK,
        {
            "input": {
                "classId": gid("SchoolClass", class_id),
                "date": day.isoformat(),
                "entries": entries(students, ["PRESENT", "PRESENT", "ABSENT", "LATE"]),
            }
        },
    )
    assert ok(body)["attendanceMark"] == {
        "marked": n,
        "schoolClass": {"name": "Class 5", "section": "A"},
        "errors": [],
    }
    written = await rows_on(db, class_id, day)
    assert len(written) == n
    assert [written[s][0] for s in students[:4]] == ["PRESENT", "PRESENT", "ABSENT", "LATE"]
    assert await activity_count(db, class_id) == logs + 1

    # the same call again with other statuses: updated in place, never duplicated
    again = await call(
        client,
        TEACHER,
        MARK,
        {
            "input": {
                "classId": gid("SchoolClass", class_id),
                "date": day.isoformat(),
                "entries": entries(students, ["ABSENT"], remarks="rain"),
            }
        },
    )
    assert ok(again)["attendanceMark"]["marked"] == n
    assert await rows_on(db, class_id, day) == {s: ("ABSENT", "rain") for s in students}
    async with db.acquire() as conn:
        audit = await conn.fetch(
            """SELECT a.created_by, a.updated_by, a.updated_at, a.session_id, u.email
                                      FROM student_attendance a JOIN users u ON u.id = a.updated_by
                                     WHERE a.class_id = $1 AND a.attendance_date = $2""",
            class_id,
            day,
        )
        total = await conn.fetchval(
            "SELECT count(*) FROM student_attendance WHERE class_id = $1 AND attendance_date = $2", class_id, day
        )
    assert total == n and len(audit) == n
    assert {(r["email"], r["session_id"]) for r in audit} == {(TEACHER, gw["gw"]["session"])}
    assert all(r["updated_at"] is not None and r["created_by"] is not None for r in audit)


async def test_statements_of_a_mark_do_not_grow_with_the_students(client, gw):
    class_id = class_of(gw, "Class 5", "A")
    students = gw["gw"]["students"][class_id]
    counts = []
    for some in (students[:3], students):
        body = await call(
            client,
            TEACHER,
            MARK,
            {"input": {"classId": gid("SchoolClass", class_id), "date": today().isoformat(), "entries": entries(some)}},
        )
        assert ok(body)["attendanceMark"]["marked"] == len(some)
        counts.append(statements(body))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 10, counts


async def test_a_student_of_another_class_refuses_the_whole_call(client, db, gw):
    class_id = class_of(gw, "Class 5", "A")
    students = gw["gw"]["students"][class_id]
    day = clean_day(gw, 12)
    assert await rows_on(db, class_id, day) == {}
    logs = await activity_count(db, class_id)
    stranger = gw["gw"]["students"][class_of(gw, "Class 5", "B")][0]
    foreign = gw["rv"]["students"][class_of(gw, "Class 5", "A", "rv")][0]
    sent = entries([*students[:2], stranger, *students[2:5], foreign, 987_654_321])
    body = await call(
        client,
        TEACHER,
        MARK,
        {"input": {"classId": gid("SchoolClass", class_id), "date": day.isoformat(), "entries": sent}},
    )
    payload = ok(body)["attendanceMark"]
    assert payload["marked"] == 0 and payload["schoolClass"] is None
    # another class's student, another school's student and a missing one: the same answer
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["input", "entries", "2", "studentId"], "INVALID"),
        (["input", "entries", "6", "studentId"], "INVALID"),
        (["input", "entries", "7", "studentId"], "INVALID"),
    ]
    assert len({e["message"] for e in payload["errors"]}) == 1
    assert "not actively enrolled" in payload["errors"][0]["message"]
    assert await rows_on(db, class_id, day) == {}
    assert await activity_count(db, class_id) == logs


async def test_a_withdrawn_student_is_refused(client, db, gw):
    class_id = class_of(gw, "Class 6", "A")
    students = gw["gw"]["students"][class_id]
    day = clean_day(gw, 14)
    async with db.acquire() as conn:
        await conn.execute(
            "UPDATE student_enrollments SET active = false WHERE student_id = $1 AND class_id = $2",
            students[-1],
            class_id,
        )
    try:
        body = await call(
            client,
            ADMIN,
            MARK,
            {"input": {"classId": gid("SchoolClass", class_id), "date": day.isoformat(), "entries": entries(students)}},
        )
        assert [e["field"] for e in ok(body)["attendanceMark"]["errors"]] == [["input", "entries", "11", "studentId"]]
        assert await rows_on(db, class_id, day) == {}
    finally:
        async with db.acquire() as conn:
            await conn.execute(
                "UPDATE student_enrollments SET active = true WHERE student_id = $1 AND class_id = $2",
                students[-1],
                class_id,
            )


async def test_duplicates_bad_ids_future_dates_and_dates_outside_the_session_are_refused(client, db, gw):
    class_id = class_of(gw, "Class 5", "A")
    students = gw["gw"]["students"][class_id]
    day = clean_day(gw, 15)

    async def mark(date: dt.date, sent: list[dict[str, Any]], class_gid: str | None = None) -> dict[str, Any]:
        body = await call(
            client,
            TEACHER,
            MARK,
            {
                "input": {
                    "classId": class_gid or gid("SchoolClass", class_id),
                    "date": date.isoformat(),
                    "entries": sent,
                }
            },
        )
        return ok(body)["attendanceMark"]

    twice = await mark(day, entries([students[0], students[1], students[0]]))
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [(["input", "entries", "2", "studentId"], "INVALID")]
    assert "entry 0" in twice["errors"][0]["message"]
    wrong_type = await mark(day, [{"studentId": gid("Guardian", 1), "status": "PRESENT"}])
    assert [(e["field"], e["code"]) for e in wrong_type["errors"]] == [
        (["input", "entries", "0", "studentId"], "INVALID")
    ]
    empty = await mark(day, [])
    assert [(e["field"], e["code"]) for e in empty["errors"]] == [(["input", "entries"], "INVALID")]
    tomorrow = today() + dt.timedelta(days=1)
    future = await mark(tomorrow, entries(students))
    assert [(e["field"], e["code"]) for e in future["errors"]] == [(["input", "date"], "INVALID")]
    assert "future" in future["errors"][0]["message"]
    before = await mark(gw["gw"]["start"] - dt.timedelta(days=1), entries(students))
    assert [(e["field"], e["code"]) for e in before["errors"]] == [(["input", "date"], "INVALID")]
    wordy = await mark(day, [{"studentId": gid("Student", students[0]), "status": "PRESENT", "remarks": "x" * 501}])
    assert [(e["field"], e["code"]) for e in wordy["errors"]] == [(["input", "entries", "0", "remarks"], "INVALID")]
    not_a_class = await mark(day, entries(students), gid("Student", students[0]))
    assert [(e["field"], e["code"]) for e in not_a_class["errors"]] == [(["input", "classId"], "INVALID")]
    for payload in (twice, wrong_type, empty, future, before, wordy, not_a_class):
        assert payload["marked"] == 0 and payload["schoolClass"] is None
    assert await rows_on(db, class_id, day) == {}
    assert await rows_on(db, class_id, tomorrow) == {}


async def test_a_class_of_another_session_is_refused(client, db, gw):
    async with db.acquire() as conn:
        old_class = await conn.fetchval(
            """SELECT id FROM school_classes WHERE school_id = $1 AND session_id <> $2
                                            AND name = 'Class 5' AND section = 'A' LIMIT 1""",
            gw["gw"]["school"],
            gw["gw"]["session"],
        )
    body = await call(
        client,
        ADMIN,
        MARK,
        {
            "input": {
                "classId": gid("SchoolClass", old_class),
                "date": today().isoformat(),
                "entries": entries(gw["gw"]["students"][class_of(gw, "Class 5", "A")][:1]),
            }
        },
    )
    payload = ok(body)["attendanceMark"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(["input", "classId"], "INVALID")]
    assert "academic session" in payload["errors"][0]["message"]


async def test_only_assigned_teachers_and_admins_mark_a_class(client, db, gw):
    # "Class 1" B: teacher@greenwood.demo is neither its class teacher nor teaches a subject there
    unassigned = class_of(gw, "Class 1", "B")
    async with db.acquire() as conn:
        assigned = await conn.fetchval(
            """SELECT EXISTS (SELECT 1 FROM school_classes WHERE id = $1 AND class_teacher_id = $2)
                                          OR EXISTS (SELECT 1 FROM class_subjects WHERE class_id = $1 AND teacher_id = $2)""",
            unassigned,
            gw["teacher"],
        )
    assert assigned is False
    day = clean_day(gw, 16)
    students = gw["gw"]["students"][unassigned]
    logs = await activity_count(db, unassigned)
    body = await call(
        client,
        TEACHER,
        MARK,
        {"input": {"classId": gid("SchoolClass", unassigned), "date": day.isoformat(), "entries": entries(students)}},
    )
    payload = ok(body)["attendanceMark"]  # a payload error, not a top-level one: the root rule lets teachers in
    assert payload["marked"] == 0 and payload["schoolClass"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(["input", "classId"], "FORBIDDEN")]
    assert await rows_on(db, unassigned, day) == {}
    assert await activity_count(db, unassigned) == logs

    # a subject teacher may: teacher@greenwood.demo teaches English in "Class 1" A
    subject_class = class_of(gw, "Class 1", "A")
    body = await call(
        client,
        TEACHER,
        MARK,
        {
            "input": {
                "classId": gid("SchoolClass", subject_class),
                "date": day.isoformat(),
                "entries": entries(gw["gw"]["students"][subject_class]),
            }
        },
    )
    # the class as enrolled when the test starts (other tests may add pupils of their own to demo classes)
    assert (
        ok(body)["attendanceMark"]["errors"] == []
        and ok(body)["attendanceMark"]["marked"] == len(gw["gw"]["students"][subject_class]) > 0
    )

    # the school admin marks any class, and a platform role inside the school too
    body = await call(
        client,
        ADMIN,
        MARK,
        {
            "input": {
                "classId": gid("SchoolClass", unassigned),
                "date": day.isoformat(),
                "entries": entries(students, ["LATE"]),
            }
        },
    )
    assert len(students) > 0
    assert ok(body)["attendanceMark"] == {
        "marked": len(students),
        "schoolClass": {"name": "Class 1", "section": "B"},
        "errors": [],
    }
    assert set((await rows_on(db, unassigned, day)).values()) == {("LATE", None)}
    school = gid("School", gw["gw"]["school"])
    body = await call(
        client,
        "superadmin@demo.campus",
        MARK,
        {
            "input": {
                "classId": gid("SchoolClass", unassigned),
                "date": day.isoformat(),
                "entries": entries(students[:1]),
            }
        },
        headers=tenant_header(school),
    )
    assert ok(body)["attendanceMark"]["marked"] == 1
    # without a tenant a platform role cannot write
    body = await call(
        client,
        "superadmin@demo.campus",
        MARK,
        {
            "input": {
                "classId": gid("SchoolClass", unassigned),
                "date": day.isoformat(),
                "entries": entries(students[:1]),
            }
        },
    )
    assert ok(body)["attendanceMark"]["errors"][0]["code"] == "INVALID"

    # other roles never reach the resolver: a top-level FORBIDDEN
    body = await call(
        client,
        "accounts@greenwood.demo",
        MARK,
        {"input": {"classId": gid("SchoolClass", unassigned), "date": day.isoformat(), "entries": entries(students)}},
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and body["data"] is None
    anonymous = (
        await client.post(
            "/graphql",
            json={
                "query": MARK,
                "variables": {
                    "input": {"classId": gid("SchoolClass", unassigned), "date": day.isoformat(), "entries": []}
                },
            },
        )
    ).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_another_schools_class_looks_missing(client, db, gw):
    greenwood = class_of(gw, "Class 5", "A")
    students = gw["gw"]["students"][greenwood]
    day = clean_day(gw, 17)
    for email in ("teacher@riverside.demo", "admin@riverside.demo"):
        answers = []
        for class_gid in (gid("SchoolClass", greenwood), gid("SchoolClass", 987_654_321)):
            body = await call(
                client,
                email,
                MARK,
                {"input": {"classId": class_gid, "date": day.isoformat(), "entries": entries(students)}},
            )
            answers.append(ok(body)["attendanceMark"])
        assert answers[0] == answers[1], email
        assert [(e["field"], e["code"]) for e in answers[0]["errors"]] == [(["input", "classId"], "NOT_FOUND")]
        for class_gid in (gid("SchoolClass", greenwood), gid("SchoolClass", 987_654_321)):
            summary = await call(
                client, email, SUMMARY, {"id": class_gid, "from": day.isoformat(), "to": day.isoformat()}
            )
            assert ok(summary)["classAttendanceSummary"] is None, email
        for student in (students[0], 987_654_321):
            stats = await call(
                client, email, STATS, {"id": gid("Student", student), "from": day.isoformat(), "to": day.isoformat()}
            )
            assert ok(stats)["studentAttendanceStats"] is None, email
        mine = ok(await call(client, email, MY_CLASSES))["myClasses"]
        greenwood_ids = {gid("SchoolClass", c) for c in gw["gw"]["classes"].values()}
        assert mine and not {c["schoolClass"]["id"] for c in mine} & greenwood_ids
    assert await rows_on(db, greenwood, day) == {}


@pytest.mark.parametrize(
    "email", ["accounts@riverside.demo", "warden@lotus.demo", "resident@sunrise.demo", "visitor@demo.campus"]
)
async def test_callers_without_a_teaching_or_admin_role_are_refused(client, db, gw, email):
    """The root fields of this file are not connections, so tests/test_isolation.py's matrix does
    not reach them: their isolation checks are here and in test_another_schools_class_looks_missing."""
    class_id = class_of(gw, "Class 5", "A")
    student = gw["gw"]["students"][class_id][0]
    day = clean_day(gw, 18)
    for query, variables in (
        (MY_CLASSES, {}),
        (SUMMARY, {"id": gid("SchoolClass", class_id), "from": day.isoformat(), "to": day.isoformat()}),
        (STATS, {"id": gid("Student", student), "from": day.isoformat(), "to": day.isoformat()}),
        (
            MARK,
            {
                "input": {
                    "classId": gid("SchoolClass", class_id),
                    "date": day.isoformat(),
                    "entries": entries([student]),
                }
            },
        ),
    ):
        body = await call(client, email, query, variables)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (email, query[:30])
        assert body.get("data") is None or not any(body["data"].values())
    assert await rows_on(db, class_id, day) == {}


# ---- myClasses ----------------------------------------------------------------------------


async def test_my_classes_shows_the_days_state_before_and_after_marking(client, db, gw):
    class_id = class_of(gw, "Class 5", "A")
    students = gw["gw"]["students"][class_id]
    day = clean_day(gw, 19)
    async with db.acquire() as conn:
        expected = {
            r["id"]
            for r in await conn.fetch(
                """SELECT c.id FROM school_classes c WHERE c.school_id = $1 AND c.session_id = $2 AND c.active
                 AND (c.class_teacher_id = $3 OR EXISTS (SELECT 1 FROM class_subjects cs WHERE cs.class_id = c.id
                                                         AND cs.teacher_id = $3 AND cs.active))""",
                gw["gw"]["school"],
                gw["gw"]["session"],
                gw["teacher"],
            )
        }

    async def state() -> tuple[dict[str, Any], int]:
        body = await call(client, TEACHER, MY_CLASSES, {"date": day.isoformat()})
        mine = ok(body)["myClasses"]
        assert {c["schoolClass"]["id"] for c in mine} == {gid("SchoolClass", c) for c in expected}
        [five_a] = [c for c in mine if c["schoolClass"]["id"] == gid("SchoolClass", class_id)]
        return five_a, statements(body)

    before, count = await state()
    assert before == {
        "date": day.isoformat(),
        "enrolled": 12,
        "marked": 0,
        "present": 0,
        "absent": 0,
        "late": 0,
        "complete": False,
        "schoolClass": {
            "id": gid("SchoolClass", class_id),
            "name": "Class 5",
            "section": "A",
            "classTeacher": {"id": gid("Teacher", gw["teacher"])},
        },
    }
    await call(
        client,
        TEACHER,
        MARK,
        {
            "input": {
                "classId": gid("SchoolClass", class_id),
                "date": day.isoformat(),
                "entries": entries(students[:5], ["PRESENT", "ABSENT", "LATE"]),
            }
        },
    )
    partly, _ = await state()
    assert (partly["marked"], partly["present"], partly["absent"], partly["late"], partly["complete"]) == (
        5,
        2,
        2,
        1,
        False,
    )
    await call(
        client,
        TEACHER,
        MARK,
        {
            "input": {
                "classId": gid("SchoolClass", class_id),
                "date": day.isoformat(),
                "entries": entries(students[5:], ["PRESENT"]),
            }
        },
    )
    after, _ = await state()
    assert (
        after["enrolled"],
        after["marked"],
        after["present"],
        after["absent"],
        after["late"],
        after["complete"],
    ) == (12, 12, 9, 2, 1, True)

    # one aggregate and one batch of classes, for 5 classes or for all 20 of the admin
    body = await call(client, ADMIN, MY_CLASSES, {"date": day.isoformat()})
    everything = ok(body)["myClasses"]
    assert len(everything) >= 20
    assert statements(body) == count == 2
    # default date: today
    body = await call(client, TEACHER, MY_CLASSES)
    assert {c["date"] for c in ok(body)["myClasses"]} == {today().isoformat()}
    # accountants have no classes to mark
    body = await call(client, "accounts@greenwood.demo", MY_CLASSES)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# ---- summaries ----------------------------------------------------------------------------


async def small_class(db, gw: dict[str, Any], size: int = 3) -> tuple[int, list[int]]:
    """A new class of the current session, class teacher teacher@greenwood.demo, with `size`
    new students (each with a guardian) and some attendance."""
    school, session = gw["gw"]["school"], gw["gw"]["session"]
    tag = unique("SMALL")
    async with db.acquire() as conn, conn.transaction():
        class_id = await conn.fetchval(
            """INSERT INTO school_classes (school_id, name, section, session_id, class_teacher_id)
                                          VALUES ($1, $2, 'A', $3, $4) RETURNING id""",
            school,
            tag,
            session,
            gw["teacher"],
        )
        students = []
        for n in range(size):
            student = await conn.fetchval(
                """INSERT INTO students (school_id, admission_number, first_name, gender, current_class_id)
                                             VALUES ($1, $2, $3, 'FEMALE', $4) RETURNING id""",
                school,
                f"{tag}-{n}",
                f"Kid{n}",
                class_id,
            )
            guardian = await conn.fetchval(
                """INSERT INTO guardians (school_id, name, contact_number) VALUES ($1, $2, $3)
                                              RETURNING id""",
                school,
                f"Parent {n}",
                f"{tag}-{n}",
            )
            await conn.execute(
                "INSERT INTO student_guardians (school_id, student_id, guardian_id) VALUES ($1, $2, $3)",
                school,
                student,
                guardian,
            )
            await conn.execute(
                """INSERT INTO student_enrollments (school_id, student_id, class_id, session_id, roll_number)
                                  VALUES ($1, $2, $3, $4, $5)""",
                school,
                student,
                class_id,
                session,
                n + 1,
            )
            for back in range(1, 6):
                await conn.execute(
                    """INSERT INTO student_attendance (school_id, class_id, session_id, student_id, attendance_date, status)
                                      VALUES ($1, $2, $3, $4, $5, $6)""",
                    school,
                    class_id,
                    session,
                    student,
                    today() - dt.timedelta(days=back),
                    ["PRESENT", "ABSENT", "LATE", "LEAVE"][(n + back) % 4],
                )
            students.append(student)
    return class_id, students


async def expected_summary(db, class_id: int, start: dt.date, end: dt.date) -> dict[int, dict[str, Any]]:
    """The same figures computed independently: status counts per student, then the rule."""
    async with db.acquire() as conn:
        counts = await conn.fetch(
            """SELECT e.student_id, a.status, count(*) AS n
                                       FROM student_enrollments e JOIN student_attendance a
                                         ON a.student_id = e.student_id AND a.class_id = e.class_id AND a.session_id = e.session_id
                                      WHERE e.class_id = $1 AND e.active AND a.attendance_date >= $2 AND a.attendance_date <= $3
                                      GROUP BY e.student_id, a.status""",
            class_id,
            start,
            end,
        )
        enrolled = [
            r["student_id"]
            for r in await conn.fetch(
                "SELECT student_id FROM student_enrollments WHERE class_id = $1 AND active", class_id
            )
        ]
    out = {s: {"present": 0, "absent": 0, "late": 0, "halfDay": 0, "leave": 0} for s in enrolled}
    names = {"PRESENT": "present", "ABSENT": "absent", "LATE": "late", "HALF_DAY": "halfDay", "LEAVE": "leave"}
    for r in counts:
        out[r["student_id"]][names[r["status"]]] = r["n"]
    for s, figures in out.items():
        figures["total"] = sum(figures.values())
        figures["attended"] = figures["present"] + figures["late"]
        figures["percentage"] = hundredths_half_up(figures["attended"], figures["total"])
    return out


def hundredths_half_up(part: int, whole: int) -> str | None:
    """100 x part / whole with two places, half up, in integer arithmetic (not the code's formula)."""
    if whole == 0:
        return None
    hundredths = (part * 10_000 * 2 + whole) // (2 * whole)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


async def test_class_summary_matches_an_independent_computation(client, db, gw):
    class_id = class_of(gw, "Class 5", "A")
    start, end = today() - dt.timedelta(days=30), today()
    body = await call(
        client, TEACHER, SUMMARY, {"id": gid("SchoolClass", class_id), "from": start.isoformat(), "to": end.isoformat()}
    )
    summary = ok(body)["classAttendanceSummary"]
    assert summary["schoolClass"] == {"name": "Class 5", "section": "A"}
    assert (summary["from"], summary["to"]) == (start.isoformat(), end.isoformat())
    expected = await expected_summary(db, class_id, start, end)
    order = [r["student"]["id"] for r in summary["students"]]
    got = {}
    for row in summary["students"]:
        student = row.pop("student")
        got[decode_gid(student["id"])[1]] = row
        assert student["firstName"]
    assert got == expected
    assert order == [gid("Student", s) for s in gw["gw"]["students"][class_id]]  # by roll number
    assert any(r["total"] >= 15 for r in got.values())  # the demo's four weeks are in the range
    # literal examples of the rule (attended = present + late, of every marked day, half up):
    # 2 of 3 = 66.666.. -> 66.67; 1 of 8 = 12.5 -> 12.50; 1 of 6 = 16.666.. -> 16.67; 5 of 5 = 100.00
    assert [hundredths_half_up(p, w) for p, w in ((2, 3), (1, 8), (1, 6), (5, 5), (0, 4))] == [
        "66.67",
        "12.50",
        "16.67",
        "100.00",
        "0.00",
    ]

    # a class of 3: the same number of statements as a class of 12
    small, kids = await small_class(db, gw)
    small_body = await call(
        client, TEACHER, SUMMARY, {"id": gid("SchoolClass", small), "from": start.isoformat(), "to": end.isoformat()}
    )
    small_summary = ok(small_body)["classAttendanceSummary"]
    assert len(small_summary["students"]) == 3
    small_expected = await expected_summary(db, small, start, end)
    assert {
        s: {k: v for k, v in r.items() if k != "student"} for s, r in zip(kids, small_summary["students"], strict=True)
    } == small_expected
    assert statements(small_body) == statements(body) <= 4


async def test_summary_rules_ranges_and_access(client, db, gw):
    class_id = class_of(gw, "Class 5", "A")
    day = clean_day(gw, 30)
    students = gw["gw"]["students"][class_id]
    await call(
        client,
        TEACHER,
        MARK,
        {
            "input": {
                "classId": gid("SchoolClass", class_id),
                "date": day.isoformat(),
                "entries": entries(students, ["PRESENT", "LATE", "HALF_DAY", "LEAVE", "ABSENT", "PRESENT"]),
            }
        },
    )
    one_day = ok(
        await call(
            client,
            TEACHER,
            SUMMARY,
            {"id": gid("SchoolClass", class_id), "from": day.isoformat(), "to": day.isoformat()},
        )
    )["classAttendanceSummary"]["students"]
    assert [(r["attended"], r["total"], r["percentage"]) for r in one_day[:6]] == [
        (1, 1, "100.00"),
        (1, 1, "100.00"),
        (0, 1, "0.00"),
        (0, 1, "0.00"),
        (0, 1, "0.00"),
        (1, 1, "100.00"),
    ]
    nothing = ok(
        await call(
            client,
            TEACHER,
            SUMMARY,
            {
                "id": gid("SchoolClass", class_id),
                "from": (day - dt.timedelta(days=3)).isoformat(),
                "to": (day - dt.timedelta(days=1)).isoformat(),
            },
        )
    )
    assert len(nothing["classAttendanceSummary"]["students"]) == len(one_day)  # everyone listed, with nothing to count
    assert all(r["total"] == 0 and r["percentage"] is None for r in nothing["classAttendanceSummary"]["students"])

    start = gw["gw"]["start"]
    longest = await call(
        client,
        ADMIN,
        SUMMARY,
        {
            "id": gid("SchoolClass", class_id),
            "from": start.isoformat(),
            "to": (start + dt.timedelta(days=365)).isoformat(),
        },
    )
    assert len(ok(longest)["classAttendanceSummary"]["students"]) == len(students) >= 6
    for start_, end_ in ((start, start + dt.timedelta(days=366)), (day, day - dt.timedelta(days=1))):
        body = await call(
            client,
            ADMIN,
            SUMMARY,
            {"id": gid("SchoolClass", class_id), "from": start_.isoformat(), "to": end_.isoformat()},
        )
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert body["data"] == {"classAttendanceSummary": None}
        body = await call(
            client,
            ADMIN,
            STATS,
            {"id": gid("Student", students[0]), "from": start_.isoformat(), "to": end_.isoformat()},
        )
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert body["data"] == {"studentAttendanceStats": None}
    body = await call(client, ADMIN, SUMMARY, {"id": gid("Student", 1), "from": day.isoformat(), "to": day.isoformat()})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    # a teacher reads only the classes assigned to them; the admin any
    unassigned = class_of(gw, "Class 1", "B")
    body = await call(
        client, TEACHER, SUMMARY, {"id": gid("SchoolClass", unassigned), "from": day.isoformat(), "to": day.isoformat()}
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and body["data"] == {"classAttendanceSummary": None}
    body = await call(
        client, ADMIN, SUMMARY, {"id": gid("SchoolClass", unassigned), "from": day.isoformat(), "to": day.isoformat()}
    )
    # every student actively enrolled in the class when asked (other tests may enrol pupils of their own)
    enrolled = await db.fetchval("SELECT count(*) FROM student_enrollments WHERE class_id = $1 AND active", unassigned)
    assert len(ok(body)["classAttendanceSummary"]["students"]) == enrolled >= 12
    body = await call(
        client,
        "accounts@greenwood.demo",
        SUMMARY,
        {"id": gid("SchoolClass", unassigned), "from": day.isoformat(), "to": day.isoformat()},
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_student_attendance_stats(client, db, gw):
    class_id = class_of(gw, "Class 5", "A")
    student = gw["gw"]["students"][class_id][3]
    start, end = today() - dt.timedelta(days=40), today()
    body = await call(
        client, TEACHER, STATS, {"id": gid("Student", student), "from": start.isoformat(), "to": end.isoformat()}
    )
    stats = ok(body)["studentAttendanceStats"]
    loaded = stats.pop("student")
    assert loaded["id"] == gid("Student", student) and loaded["firstName"]
    expected = (await expected_summary(db, class_id, start, end))[student]
    assert {k: stats[k] for k in expected} == expected
    assert (stats["from"], stats["to"]) == (start.isoformat(), end.isoformat())
    assert statements(body) <= 2

    # a teacher only for students of the classes assigned to them; the admin for any
    other = gw["gw"]["students"][class_of(gw, "Class 1", "B")][0]
    body = await call(
        client, TEACHER, STATS, {"id": gid("Student", other), "from": start.isoformat(), "to": end.isoformat()}
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and body["data"] == {"studentAttendanceStats": None}
    body = await call(
        client, ADMIN, STATS, {"id": gid("Student", other), "from": start.isoformat(), "to": end.isoformat()}
    )
    assert ok(body)["studentAttendanceStats"]["total"] > 0


# ---- the roster a phone opens -------------------------------------------------------------


async def test_the_class_roster_with_todays_attendance_runs_a_fixed_number_of_statements(client, db, gw):
    big = class_of(gw, "Class 5", "A")
    small, _ = await small_class(db, gw)
    counts = {}
    for class_id, size in ((big, 12), (small, 3)):
        body = await call(client, TEACHER, ROSTER, {"id": gid("SchoolClass", class_id), "today": today().isoformat()})
        [klass] = ok(body)["schoolClasses"]["nodes"]
        rows = klass["enrollments"]["nodes"]
        assert len(rows) == size
        # every demo student has a guardian; other tests of the shared database may link more
        # (tests/test_guardians.py invites guardians of random Greenwood students)
        assert all(r["student"]["firstName"] and len(r["student"]["studentGuardians"]["nodes"]) >= 1 for r in rows)
        assert all(len(r["student"]["attendance"]["nodes"]) <= 1 for r in rows)
        counts[size] = statements(body)
    assert counts[12] == counts[3], counts


# ---- a teacher reads the attendance of the classes they teach (issue 10, item 14a) ----------


async def _school_user(db, school_id: int, role: str) -> tuple[str, int]:
    from auth.passwords import hash_password
    from demo import DEMO_PASSWORD

    email = f"{unique(role.lower()).lower()}@attendance.test"
    async with db.acquire() as conn:
        user_id = await conn.fetchval(
            "INSERT INTO users (email, password_hash, role, school_id) VALUES ($1, $2, $3, $4) RETURNING id",
            email,
            hash_password(DEMO_PASSWORD),
            role,
            school_id,
        )
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, school_id) VALUES ($1, $2, $3)", user_id, role, school_id
        )
    return email, user_id


async def _headers(client: Any, email: str) -> dict[str, str]:
    from tests.conftest import login

    tokens = await login(client, email)
    assert tokens["errors"] == [], tokens
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


TEACHER_READS = """query($other: ID!, $otherStudent: ID!, $otherClass: ID!, $otherMark: ID!) {
  all: studentAttendance { totalCount nodes { id schoolClass { id } } }
  filtered: studentAttendance(filter: {classId: {eq: $otherClass}}) { totalCount }
  node(id: $other) { id }
  nodes(ids: [$other]) { id }
  student: node(id: $otherStudent) { ... on Student { attendance { totalCount } marks { totalCount } } }
  marks: studentMarks { totalCount nodes { exam { schoolClass { id } } } }
  mark: node(id: $otherMark) { id } }"""


async def test_a_teacher_reads_only_the_attendance_and_marks_of_the_classes_they_teach(client, db):
    """Class A: class teacher T1. Class B: T2 teaches one of its subjects. C: nobody of them.
    Each teacher reads only their classes' attendance rows and marks through the root lists, a
    filter, node/nodes and the Student relations; the school admin and the accountant read all."""
    from tests.conftest import make_schools

    [school] = await make_schools(db, unique("ATT"), 1, sessions_per_school=1)
    sid, session = school["id"], school["sessions"][0]
    t1_email, t1_user = await _school_user(db, sid, "TEACHER")
    t2_email, t2_user = await _school_user(db, sid, "TEACHER")
    admin_email, _ = await _school_user(db, sid, "SCHOOL_ADMIN")
    accountant_email, _ = await _school_user(db, sid, "ACCOUNTANT")
    rows: dict[str, int] = {}
    students: dict[str, int] = {}
    classes: dict[str, int] = {}
    marks: dict[str, int] = {}
    async with db.acquire() as conn, conn.transaction():
        t1 = await conn.fetchval("INSERT INTO teachers (school_id, user_id) VALUES ($1, $2) RETURNING id", sid, t1_user)
        t2 = await conn.fetchval("INSERT INTO teachers (school_id, user_id) VALUES ($1, $2) RETURNING id", sid, t2_user)
        subject = await conn.fetchval("INSERT INTO subjects (school_id, name) VALUES ($1, 'Maths') RETURNING id", sid)
        for name, class_teacher in (("A", t1), ("B", None), ("C", None)):
            classes[name] = await conn.fetchval(
                "INSERT INTO school_classes (school_id, name, section, session_id, class_teacher_id) "
                "VALUES ($1, $2, 'A', $3, $4) RETURNING id",
                sid,
                f"Class {name}",
                session,
                class_teacher,
            )
            students[name] = await conn.fetchval(
                "INSERT INTO students (school_id, admission_number, first_name, gender, current_class_id) "
                "VALUES ($1, $2, $3, 'FEMALE', $4) RETURNING id",
                sid,
                f"ADM-{name}",
                f"Kid {name}",
                classes[name],
            )
            await conn.execute(
                "INSERT INTO student_enrollments (school_id, student_id, class_id, session_id, roll_number) "
                "VALUES ($1, $2, $3, $4, 1)",
                sid,
                students[name],
                classes[name],
                session,
            )
            rows[name] = await conn.fetchval(
                "INSERT INTO student_attendance (school_id, class_id, session_id, student_id, attendance_date, status) "
                "VALUES ($1, $2, $3, $4, make_date(2020, 5, 4), 'PRESENT') RETURNING id",
                sid,
                classes[name],
                session,
                students[name],
            )
            exam = await conn.fetchval(
                "INSERT INTO exams (school_id, class_id, session_id, name) VALUES ($1, $2, $3, 'Unit 1') RETURNING id",
                sid,
                classes[name],
                session,
            )
            exam_subject = await conn.fetchval(
                "INSERT INTO exam_subjects (school_id, exam_id, subject_id, max_marks) "
                "VALUES ($1, $2, $3, 100) RETURNING id",
                sid,
                exam,
                subject,
            )
            marks[name] = await conn.fetchval(
                "INSERT INTO student_marks (school_id, exam_id, exam_subject_id, student_id, marks_obtained) "
                "VALUES ($1, $2, $3, $4, 70) RETURNING id",
                sid,
                exam,
                exam_subject,
                students[name],
            )
        await conn.execute(
            "INSERT INTO class_subjects (school_id, class_id, subject_id, teacher_id) VALUES ($1, $2, $3, $4)",
            sid,
            classes["B"],
            subject,
            t2,
        )

    async def reads(email: str, other: str) -> dict[str, Any]:
        headers = await _headers(client, email)
        response = await client.post(
            "/graphql",
            headers=headers,
            json={
                "query": TEACHER_READS,
                "variables": {
                    "other": gid("StudentAttendance", rows[other]),
                    "otherStudent": gid("Student", students[other]),
                    "otherClass": gid("SchoolClass", classes[other]),
                    "otherMark": gid("StudentMark", marks[other]),
                },
            },
        )
        return ok(response.json())

    for email, mine, others in ((t1_email, "A", ("B", "C")), (t2_email, "B", ("A", "C"))):
        for other in others:
            data = await reads(email, other)
            assert data["all"]["totalCount"] == 1, (email, data)
            assert [n["schoolClass"]["id"] for n in data["all"]["nodes"]] == [gid("SchoolClass", classes[mine])]
            assert data["filtered"]["totalCount"] == 0
            assert data["node"] is None and data["nodes"] == [None]
            assert data["student"]["attendance"]["totalCount"] == 0, data  # the student is readable, their rows are not
            # marks are class records too: those of the exams of the classes the teacher teaches
            assert (
                data["marks"]["totalCount"] == 1
                and data["mark"] is None
                and data["student"]["marks"]["totalCount"] == 0
            )
            assert data["marks"]["nodes"] == [{"exam": {"schoolClass": {"id": gid("SchoolClass", classes[mine])}}}]
        own = await reads(email, mine)
        assert (
            own["node"] == {"id": gid("StudentAttendance", rows[mine])}
            and own["student"]["attendance"]["totalCount"] == 1
        )
        assert own["mark"] == {"id": gid("StudentMark", marks[mine])} and own["student"]["marks"]["totalCount"] == 1

    for email in (admin_email, accountant_email):  # school-wide readers still see every row of the school
        data = await reads(email, "C")
        assert data["all"]["totalCount"] == 3 and data["filtered"]["totalCount"] == 1
        assert data["node"] == {"id": gid("StudentAttendance", rows["C"])}
        assert data["student"]["attendance"]["totalCount"] == 1
        assert data["marks"]["totalCount"] == 3 and data["mark"] == {"id": gid("StudentMark", marks["C"])}


async def test_a_class_with_enrolled_students_is_not_deactivated(client, db):
    """Like a transport route with riders: deactivating a class its students are still enrolled in
    is a CONFLICT that changes nothing; once they are moved or withdrawn it is deactivated."""
    from tests.conftest import make_schools

    [school] = await make_schools(db, unique("CLS"), 1, sessions_per_school=1)
    sid, session = school["id"], school["sessions"][0]
    admin = await _headers(client, (await _school_user(db, sid, "SCHOOL_ADMIN"))[0])
    async with db.acquire() as conn, conn.transaction():
        class_id = await conn.fetchval(
            "INSERT INTO school_classes (school_id, name, session_id) VALUES ($1, 'Class 9', $2) RETURNING id",
            sid,
            session,
        )
        student = await conn.fetchval(
            "INSERT INTO students (school_id, admission_number, first_name, gender, current_class_id) "
            "VALUES ($1, 'ADM-9', 'Kid', 'MALE', $2) RETURNING id",
            sid,
            class_id,
        )
        await conn.execute(
            "INSERT INTO student_enrollments (school_id, student_id, class_id, session_id) VALUES ($1, $2, $3, $4)",
            sid,
            student,
            class_id,
            session,
        )
    off = """mutation($id: ID!) { schoolClassDeactivate(input: {id: $id}) { schoolClass { active } errors { code field message } } }"""
    state = "query($id: ID!) { node(id: $id) { ... on SchoolClass { active name } } }"

    async def run(query: str) -> dict[str, Any]:
        response = await client.post(
            "/graphql", headers=admin, json={"query": query, "variables": {"id": gid("SchoolClass", class_id)}}
        )
        return ok(response.json())

    refused = (await run(off))["schoolClassDeactivate"]
    assert refused["schoolClass"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("CONFLICT", ["input", "id"])], refused
    assert "1 actively enrolled" in refused["errors"][0]["message"]
    assert (await run(state))["node"] == {"active": True, "name": "Class 9"}
    async with db.acquire() as conn:
        await conn.execute("UPDATE student_enrollments SET active = false WHERE class_id = $1", class_id)
    done = (await run(off))["schoolClassDeactivate"]
    assert done == {"schoolClass": {"active": False}, "errors": []}


TEACHER_STATS = """query($s: ID!) { studentAttendanceStats(studentId: $s, from: "2020-05-01", to: "2020-05-31") {
  present absent total } }"""


async def test_a_teachers_attendance_stats_count_only_the_classes_they_teach(client, db):
    """A student moved from class C (nobody here teaches it) to class A (T1 is its class teacher).
    T1's studentAttendanceStats of the student count only the days marked in A, like the rows T1
    can list (studentAttendance); they used to count C's days as well. The school admin's count
    every day of the session."""
    from tests.conftest import make_schools

    [school] = await make_schools(db, unique("ATS"), 1, sessions_per_school=1)
    sid, session = school["id"], school["sessions"][0]
    t1_email, t1_user = await _school_user(db, sid, "TEACHER")
    admin_email, _ = await _school_user(db, sid, "SCHOOL_ADMIN")
    async with db.acquire() as conn, conn.transaction():
        t1 = await conn.fetchval("INSERT INTO teachers (school_id, user_id) VALUES ($1, $2) RETURNING id", sid, t1_user)
        classes = {}
        for name, class_teacher in (("A", t1), ("C", None)):
            classes[name] = await conn.fetchval(
                "INSERT INTO school_classes (school_id, name, section, session_id, class_teacher_id) "
                "VALUES ($1, $2, 'A', $3, $4) RETURNING id",
                sid,
                f"Class {name}",
                session,
                class_teacher,
            )
        student = await conn.fetchval(
            "INSERT INTO students (school_id, admission_number, first_name, gender, current_class_id) "
            "VALUES ($1, 'ADM-1', 'Moved', 'FEMALE', $2) RETURNING id",
            sid,
            classes["A"],
        )
        await conn.execute(
            "INSERT INTO student_enrollments (school_id, student_id, class_id, session_id, roll_number) "
            "VALUES ($1, $2, $3, $4, 1)",
            sid,
            student,
            classes["A"],
            session,
        )
        for day, klass, status in ((4, "C", "ABSENT"), (5, "C", "ABSENT"), (6, "A", "PRESENT")):
            await conn.execute(
                "INSERT INTO student_attendance (school_id, class_id, session_id, student_id, attendance_date, status) "
                "VALUES ($1, $2, $3, $4, make_date(2020, 5, $5), $6)",
                sid,
                classes[klass],
                session,
                student,
                day,
                status,
            )

    async def stats(email: str) -> dict[str, Any]:
        response = await client.post(
            "/graphql",
            headers=await _headers(client, email),
            json={"query": TEACHER_STATS, "variables": {"s": gid("Student", student)}},
        )
        return ok(response.json())["studentAttendanceStats"]

    assert await stats(t1_email) == {"present": 1, "absent": 0, "total": 1}
    assert await stats(admin_email) == {"present": 1, "absent": 2, "total": 3}
