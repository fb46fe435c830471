"""Exams, marks and the marksheet through GraphQL (seed 001 test management domain, §7.6).

Every test works on exams it creates in Greenwood's classes (admin@greenwood.demo) and locks
them when done, so the demo's other data (and promotion checks of other tests) stay as they
were; the demo's LOCKED "Term 1" exams are only read.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kit.ids import encode_gid
from tests.conftest import as_user, GQL, make_schools, unique

ADMIN, TEACHER, ACCOUNTANT = "admin@greenwood.demo", "teacher@greenwood.demo", "accounts@greenwood.demo"

EXAM_CREATE = """mutation($input: ExamCreateInput!) { examCreate(input: $input) {
  exam { id name examType status startDate endDate schoolClass { name section } session { id name } }
  errors { field code message } } }"""
SUBJECT_ADD = """mutation($input: ExamSubjectAddInput!) { examSubjectAdd(input: $input) {
  examSubject { id maxMarks subject { name } exam { id } } errors { field code message } } }"""
STATUS = """mutation($input: ExamStatusUpdateInput!) { examStatusUpdate(input: $input) {
  exam { id status } errors { field code message } } }"""
MARKS = """mutation($input: MarksRecordInput!) { marksRecord(input: $input) {
  inserted updated marks { id marksObtained remarks student { id } } examSubject { id }
  errors { field code message } } }"""
MARKSHEET = """query($exam: ID!, $student: ID!) { marksheet(examId: $exam, studentId: $student) {
  examName studentName admissionNumber subjects { name maxMarks marksObtained } total maxTotal percentage grade } }"""


# ---- arranging: Greenwood's ids, read straight from the database ------------------------------


async def _school(db: Any, code: str = "DEMO-GWH") -> dict[str, int]:
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT id, current_session_id FROM schools WHERE school_code = $1", code)
    return {"id": row["id"], "session": row["current_session_id"]}


async def _class(db: Any, name: str, section: str, code: str = "DEMO-GWH", current: bool = True) -> int:
    async with db.acquire() as conn:
        return await conn.fetchval(
            "SELECT c.id FROM school_classes c JOIN schools s ON s.id = c.school_id WHERE s.school_code = $1 "
            "AND c.name = $2 AND c.section = $3 AND (c.session_id = s.current_session_id) = $4",
            code,
            name,
            section,
            current,
        )


async def _subjects(db: Any, code: str = "DEMO-GWH") -> dict[str, int]:
    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT sub.name, sub.id FROM subjects sub JOIN schools s ON s.id = sub.school_id WHERE s.school_code = $1",
            code,
        )
    return {r["name"]: r["id"] for r in rows}


async def _students(db: Any, class_id: int) -> list[int]:
    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT student_id FROM student_enrollments WHERE class_id = $1 AND active ORDER BY roll_number", class_id
        )
    return [r["student_id"] for r in rows]


async def _marks_of(db: Any, exam_subject_gid: str) -> dict[int, tuple[int, str | None]]:
    from kit.ids import decode_gid

    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT student_id, marks_obtained, remarks FROM student_marks WHERE exam_subject_id = $1",
            decode_gid(exam_subject_gid)[1],
        )
    return {r["student_id"]: (r["marks_obtained"], r["remarks"]) for r in rows}


def gid(type_name: str, pk: int) -> str:
    return encode_gid(type_name, pk)


async def _new_exam(
    admin: GQL, class_id: int, subjects: list[tuple[int, int]], name: str | None = None
) -> dict[str, Any]:
    """A fresh DRAFT exam of a Greenwood class with (subject id, maxMarks) subjects."""
    body = await admin(
        EXAM_CREATE,
        {
            "input": {
                "classId": gid("SchoolClass", class_id),
                "name": name or unique("Unit Test"),
                "examType": "UNIT",
                "startDate": "2026-09-01",
                "endDate": "2026-09-05",
            }
        },
    )
    payload = body["data"]["examCreate"]
    assert payload["errors"] == [], payload
    exam = payload["exam"]
    exam["subjects"] = []
    for subject_id, max_marks in subjects:
        added = (
            await admin(
                SUBJECT_ADD,
                {"input": {"examId": exam["id"], "subjectId": gid("Subject", subject_id), "maxMarks": max_marks}},
            )
        )["data"]["examSubjectAdd"]
        assert added["errors"] == [], added
        exam["subjects"].append(added["examSubject"]["id"])
    return exam


async def _status(admin: GQL, exam_gid: str, status: str) -> dict[str, Any]:
    return (await admin(STATUS, {"input": {"examId": exam_gid, "status": status}}))["data"]["examStatusUpdate"]


async def _lock(admin: GQL, exam_gid: str) -> None:
    result = await _status(admin, exam_gid, "LOCKED")
    assert result["errors"] == [] or result["errors"][0]["code"] == "LOCKED", result


async def _record(
    g: GQL, exam_subject_gid: str, marks: list[tuple[int | str, int] | tuple[int | str, int, str | None]]
) -> dict[str, Any]:
    entries = []
    for entry in marks:
        student = entry[0] if isinstance(entry[0], str) else gid("Student", entry[0])
        item: dict[str, Any] = {"studentId": student, "marksObtained": entry[1]}
        if len(entry) > 2:
            item["remarks"] = entry[2]
        entries.append(item)
    return (await g(MARKS, {"input": {"examSubjectId": exam_subject_gid, "marks": entries}}))["data"]["marksRecord"]


# ---- the life cycle ---------------------------------------------------------------------------


async def test_exam_life_cycle_moves_only_forward_and_nothing_leaves_locked(client, db):
    admin = await as_user(client, ADMIN)
    school = await _school(db)
    class_id = await _class(db, "Class 7", "B")
    subjects = await _subjects(db)
    students = await _students(db, class_id)

    created = (
        await admin(
            EXAM_CREATE,
            {
                "input": {
                    "classId": gid("SchoolClass", class_id),
                    "name": " Half Yearly ",
                    "examType": "TERM",
                    "startDate": "2026-10-01",
                    "endDate": "2026-10-10",
                }
            },
        )
    )["data"]["examCreate"]
    assert created["errors"] == []
    exam = created["exam"]
    assert exam["status"] == "DRAFT" and exam["name"] == "Half Yearly" and exam["examType"] == "TERM"
    assert exam["schoolClass"] == {"name": "Class 7", "section": "B"}
    assert exam["session"]["id"] == gid("AcademicSession", school["session"])
    try:
        # subjects: taught in the class, maxMarks > 0, once each
        maths = (
            await admin(
                SUBJECT_ADD,
                {"input": {"examId": exam["id"], "subjectId": gid("Subject", subjects["Mathematics"]), "maxMarks": 80}},
            )
        )["data"]["examSubjectAdd"]
        assert maths["errors"] == [] and maths["examSubject"]["maxMarks"] == 80
        assert maths["examSubject"]["subject"] == {"name": "Mathematics"} and maths["examSubject"]["exam"] == {
            "id": exam["id"]
        }
        zero = (
            await admin(
                SUBJECT_ADD,
                {"input": {"examId": exam["id"], "subjectId": gid("Subject", subjects["English"]), "maxMarks": 0}},
            )
        )["data"]["examSubjectAdd"]
        assert zero == {
            "examSubject": None,
            "errors": [
                {"field": ["input", "maxMarks"], "code": "INVALID", "message": "maxMarks must be greater than 0."}
            ],
        }
        again = (
            await admin(
                SUBJECT_ADD,
                {
                    "input": {
                        "examId": exam["id"],
                        "subjectId": gid("Subject", subjects["Mathematics"]),
                        "maxMarks": 100,
                    }
                },
            )
        )["data"]["examSubjectAdd"]
        assert again["examSubject"] is None
        assert again["errors"] == [
            {
                "field": ["input", "subjectId"],
                "code": "CONFLICT",
                "message": "Mathematics is already a subject of this exam.",
            }
        ]
        elective = (
            await admin(
                """mutation($n: String!) { subjectCreate(input: {name: $n, code: "ELC"}) {
            subject { id } errors { code } } }""",
                {"n": unique("Elective")},
            )
        )["data"]["subjectCreate"]["subject"]
        not_taught = (
            await admin(SUBJECT_ADD, {"input": {"examId": exam["id"], "subjectId": elective["id"], "maxMarks": 50}})
        )["data"]["examSubjectAdd"]
        assert not_taught["examSubject"] is None and not_taught["errors"][0]["code"] == "INVALID"
        assert not_taught["errors"][0]["field"] == ["input", "subjectId"]
        assert "not taught in this exam's class" in not_taught["errors"][0]["message"]

        # forward only, steps may be skipped
        assert await _status(admin, exam["id"], "SCHEDULED") == {
            "exam": {"id": exam["id"], "status": "SCHEDULED"},
            "errors": [],
        }
        for backward in ("DRAFT", "SCHEDULED"):
            refused = await _status(admin, exam["id"], backward)
            assert refused["exam"] is None
            assert refused["errors"][0]["code"] == "INVALID" and refused["errors"][0]["field"] == ["input", "status"]
            assert "only forward" in refused["errors"][0]["message"]
        assert (await _status(admin, exam["id"], "COMPLETED"))["exam"]["status"] == "COMPLETED"
        assert (await _status(admin, exam["id"], "ONGOING"))["errors"][0]["code"] == "INVALID"

        recorded = await _record(admin, maths["examSubject"]["id"], [(students[0], 71), (students[1], 64)])
        assert recorded["errors"] == [] and recorded["inserted"] == 2

        assert (await _status(admin, exam["id"], "LOCKED"))["exam"]["status"] == "LOCKED"
    finally:
        await _lock(admin, exam["id"])

    # nothing leaves LOCKED, and a locked exam takes no subjects and no marks
    for status in ("COMPLETED", "DRAFT", "LOCKED"):
        refused = await _status(admin, exam["id"], status)
        assert refused == {
            "exam": None,
            "errors": [
                {
                    "field": ["input", "status"],
                    "code": "LOCKED",
                    "message": 'Exam "Half Yearly" is locked; its status can no longer change.',
                }
            ],
        }
    late_subject = (
        await admin(
            SUBJECT_ADD,
            {"input": {"examId": exam["id"], "subjectId": gid("Subject", subjects["Science"]), "maxMarks": 100}},
        )
    )["data"]["examSubjectAdd"]
    assert late_subject["examSubject"] is None and late_subject["errors"][0]["code"] == "LOCKED"
    before = await _marks_of(db, maths["examSubject"]["id"])
    late_marks = await _record(admin, maths["examSubject"]["id"], [(students[0], 10), (students[2], 50)])
    assert late_marks["inserted"] == 0 and late_marks["marks"] == []
    assert late_marks["errors"] == [
        {
            "field": ["input", "examSubjectId"],
            "code": "LOCKED",
            "message": 'Exam "Half Yearly" is locked: its marks can no longer change.',
        }
    ]
    assert (
        await _marks_of(db, maths["examSubject"]["id"]) == before == {students[0]: (71, None), students[1]: (64, None)}
    )

    # every change left an activity log
    async with db.acquire() as conn:
        actions = await conn.fetch(
            "SELECT action, count(*) FROM activity_logs WHERE school_id = $1 AND entity_id = ANY($2) "
            "AND action = ANY($3) GROUP BY action",
            school["id"],
            [int(_pk(exam["id"])), int(_pk(maths["examSubject"]["id"]))],
            ["examCreate", "examSubjectAdd", "examStatusUpdate", "marksRecord"],
        )
    assert {r["action"]: r["count"] for r in actions} == {
        "examCreate": 1,
        "examSubjectAdd": 1,
        "examStatusUpdate": 3,
        "marksRecord": 1,
    }


def _pk(global_id: str) -> int:
    from kit.ids import decode_gid

    return decode_gid(global_id)[1]


async def test_exam_create_refusals(client, db):
    admin = await as_user(client, ADMIN)
    class_id = await _class(db, "Class 7", "B")
    previous_year = await _class(db, "Class 7", "B", current=False)
    riverside = await _class(db, "Class 7", "B", code="DEMO-RVP")

    async def create(**fields: Any) -> dict[str, Any]:
        return (await admin(EXAM_CREATE, {"input": {"name": unique("Exam"), **fields}}))["data"]["examCreate"]

    backwards = await create(classId=gid("SchoolClass", class_id), startDate="2026-10-10", endDate="2026-10-01")
    assert backwards == {
        "exam": None,
        "errors": [
            {"field": ["input", "endDate"], "code": "INVALID", "message": "endDate must not be before startDate."}
        ],
    }
    old = await create(classId=gid("SchoolClass", previous_year))
    assert (
        old["exam"] is None
        and old["errors"][0]["code"] == "INVALID"
        and old["errors"][0]["field"] == ["input", "classId"]
    )
    foreign = await create(classId=gid("SchoolClass", riverside))
    assert foreign == {
        "exam": None,
        "errors": [{"field": ["input", "classId"], "code": "NOT_FOUND", "message": "No SchoolClass with this ID."}],
    }
    blank = await create(classId=gid("SchoolClass", class_id), name="  ")
    assert blank["errors"][0]["field"] == ["input", "name"]
    wrong_type = await create(classId=gid("Subject", class_id))
    assert wrong_type["errors"][0]["code"] == "INVALID" and wrong_type["errors"][0]["field"] == ["input", "classId"]

    teacher = await as_user(client, TEACHER)
    forbidden = await teacher(
        EXAM_CREATE, {"input": {"classId": gid("SchoolClass", class_id), "name": "x"}}, expect_errors=True
    )
    assert forbidden["data"] is None and forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# ---- marks ------------------------------------------------------------------------------------


async def test_bad_marks_are_refused_whole_and_change_nothing(client, db):
    admin = await as_user(client, ADMIN)
    class_id = await _class(db, "Class 6", "A")
    other_class = await _class(db, "Class 6", "B")
    subjects = await _subjects(db)
    students = await _students(db, class_id)
    stranger = (await _students(db, other_class))[0]
    riverside_student = (await _students(db, await _class(db, "Class 6", "A", code="DEMO-RVP")))[0]
    exam = await _new_exam(admin, class_id, [(subjects["English"], 50)])
    english = exam["subjects"][0]
    try:
        await _record(admin, english, [(students[5], 33, "kept")])
        before = await _marks_of(db, english)

        too_high = await _record(
            admin, english, [(students[0], 40), (students[1], 45), (students[2], 20), (students[3], 51)]
        )
        assert too_high == {
            "inserted": 0,
            "updated": 0,
            "marks": [],
            "examSubject": None,
            "errors": [
                {
                    "field": ["input", "marks", "3", "marksObtained"],
                    "code": "INVALID",
                    "message": "marksObtained must be between 0 and 50, got 51.",
                }
            ],
        }
        negative = await _record(admin, english, [(students[0], 40), (students[1], -1), (students[5], 10)])
        assert [e["field"] for e in negative["errors"]] == [["input", "marks", "1", "marksObtained"]]
        duplicate = await _record(admin, english, [(students[0], 40), (students[1], 41), (students[0], 42)])
        assert duplicate["errors"] == [
            {
                "field": ["input", "marks", "2", "studentId"],
                "code": "INVALID",
                "message": "This student already has an entry (marks[0]) in this call.",
            }
        ]
        # every problem at once, each naming its entry
        several = await _record(
            admin, english, [(students[0], 99), (gid("SchoolClass", class_id), 1), (students[2], 3)]
        )
        assert [e["field"] for e in several["errors"]] == [
            ["input", "marks", "0", "marksObtained"],
            ["input", "marks", "1", "studentId"],
        ]
        # students not enrolled in the exam's class (of this school or another): same answer
        outsiders = await _record(admin, english, [(students[0], 40), (stranger, 30), (riverside_student, 30)])
        assert outsiders["errors"] == [
            {
                "field": ["input", "marks", str(i), "studentId"],
                "code": "INVALID",
                "message": "This student is not actively enrolled in the exam's class for its session.",
            }
            for i in (1, 2)
        ]
        empty = await _record(admin, english, [])
        assert empty["errors"][0] == {
            "field": ["input", "marks"],
            "code": "INVALID",
            "message": "Send at least one mark.",
        }
        assert await _marks_of(db, english) == before == {students[5]: (33, "kept")}
    finally:
        await _lock(admin, exam["id"])


async def test_recording_twice_updates_and_never_duplicates(client, db):
    admin = await as_user(client, ADMIN)
    class_id = await _class(db, "Class 8", "A")
    subjects = await _subjects(db)
    s = await _students(db, class_id)
    exam = await _new_exam(admin, class_id, [(subjects["Hindi"], 100)])
    hindi = exam["subjects"][0]
    try:
        first = await _record(admin, hindi, [(s[0], 50, "absent for part"), (s[1], 60), (s[2], 70)])
        assert first["errors"] == [] and (first["inserted"], first["updated"]) == (3, 0)
        assert [m["marksObtained"] for m in first["marks"]] == [50, 60, 70]
        assert [m["student"]["id"] for m in first["marks"]] == [gid("Student", x) for x in s[:3]]
        assert first["examSubject"] == {"id": hindi}

        second = await _record(admin, hindi, [(s[3], 80), (s[0], 55), (s[1], 60)])
        assert second["errors"] == [] and (second["inserted"], second["updated"]) == (1, 2)
        assert [m["marksObtained"] for m in second["marks"]] == [80, 55, 60]
        assert second["marks"][1]["id"] == first["marks"][0]["id"]  # the same row, updated
        assert second["marks"][1]["remarks"] is None  # an entry is the whole mark: remarks replaced
        assert await _marks_of(db, hindi) == {s[0]: (55, None), s[1]: (60, None), s[2]: (70, None), s[3]: (80, None)}
        async with db.acquire() as conn:
            audit = await conn.fetchrow(
                "SELECT created_by, updated_by, updated_at FROM student_marks WHERE id = $1",
                _pk(first["marks"][0]["id"]),
            )
            admin_id = await conn.fetchval("SELECT id FROM users WHERE email = $1", ADMIN)
        assert audit["created_by"] == admin_id and audit["updated_by"] == admin_id and audit["updated_at"] is not None

        # one upsert for the whole list: the statements do not grow with the number of marks
        bodies = []
        for batch in (s[:2], s[:10]):
            bodies.append(
                await admin(
                    MARKS,
                    {
                        "input": {
                            "examSubjectId": hindi,
                            "marks": [
                                {"studentId": gid("Student", x), "marksObtained": 40 + i} for i, x in enumerate(batch)
                            ],
                        }
                    },
                )
            )
        assert bodies[1]["data"]["marksRecord"]["errors"] == [] and len(bodies[1]["data"]["marksRecord"]["marks"]) == 10
        assert admin.statements(bodies[0]) == admin.statements(bodies[1])

        # parallel phones sending the same class: no duplicates, one row per student
        await asyncio.gather(*(_record(admin, hindi, [(x, 60 + k) for x in s[4:9]]) for k in range(5)))
        after = await _marks_of(db, hindi)
        assert len(after) == 10 and all(60 <= after[x][0] <= 64 for x in s[4:9])
    finally:
        await _lock(admin, exam["id"])


async def _class_not_taught_by(db: Any, email: str) -> int:
    async with db.acquire() as conn:
        return await conn.fetchval(
            """
            SELECT c.id FROM school_classes c JOIN schools s ON s.id = c.school_id AND c.session_id = s.current_session_id
             WHERE s.school_code = 'DEMO-GWH' AND NOT EXISTS (
                   SELECT 1 FROM teachers t JOIN users u ON u.id = t.user_id AND u.email = $1
                    WHERE t.school_id = c.school_id AND (c.class_teacher_id = t.id OR EXISTS (
                          SELECT 1 FROM class_subjects cs WHERE cs.class_id = c.id AND cs.teacher_id = t.id)))
             ORDER BY c.name DESC, c.section LIMIT 1""",
            email,
        )


async def test_teachers_record_marks_only_in_their_classes(client, db):
    admin, teacher = await as_user(client, ADMIN), await as_user(client, TEACHER)
    subjects = await _subjects(db)
    own_class = await _class(db, "Class 5", "A")  # the demo teacher's class (and Mathematics there)
    other_class = await _class_not_taught_by(db, TEACHER)
    own_students, other_students = await _students(db, own_class), await _students(db, other_class)
    own = await _new_exam(admin, own_class, [(subjects["Mathematics"], 100), (subjects["English"], 100)])
    other = await _new_exam(admin, other_class, [(subjects["Mathematics"], 100)])
    try:
        maths = await _record(teacher, own["subjects"][0], [(own_students[0], 91), (own_students[1], 77)])
        assert maths["errors"] == [] and maths["inserted"] == 2
        as_class_teacher = await _record(teacher, own["subjects"][1], [(own_students[0], 66)])
        assert as_class_teacher["errors"] == [] and as_class_teacher["inserted"] == 1

        refused = await _record(teacher, other["subjects"][0], [(other_students[0], 90)])
        assert refused == {
            "inserted": 0,
            "updated": 0,
            "marks": [],
            "examSubject": None,
            "errors": [
                {
                    "field": ["input", "examSubjectId"],
                    "code": "FORBIDDEN",
                    "message": "Only the class teacher or the teacher of this subject in this class may record its marks.",
                }
            ],
        }
        assert await _marks_of(db, other["subjects"][0]) == {}

        # the marksheet follows the same assignment
        mine = await teacher(MARKSHEET, {"exam": own["id"], "student": gid("Student", own_students[0])})
        assert mine["data"]["marksheet"]["total"] == 157
        theirs = await teacher(
            MARKSHEET, {"exam": other["id"], "student": gid("Student", other_students[0])}, expect_errors=True
        )
        assert theirs["data"] == {"marksheet": None} and theirs["errors"][0]["extensions"]["code"] == "FORBIDDEN"

        # roles outside the rule are refused before anything is read
        accountant = await as_user(client, ACCOUNTANT)
        body = await accountant(
            MARKS,
            {
                "input": {
                    "examSubjectId": own["subjects"][0],
                    "marks": [{"studentId": gid("Student", own_students[0]), "marksObtained": 1}],
                }
            },
            expect_errors=True,
        )
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        readable = await accountant(MARKSHEET, {"exam": other["id"], "student": gid("Student", other_students[0])})
        assert readable["data"]["marksheet"]["maxTotal"] == 100
        # another school's teacher sees no such exam subject at all
        riverside = await as_user(client, "teacher@riverside.demo")
        foreign = await _record(riverside, own["subjects"][0], [(own_students[0], 1)])
        assert foreign["errors"][0]["code"] == "NOT_FOUND"
        assert (await _marks_of(db, own["subjects"][0]))[own_students[0]] == (91, None)
    finally:
        await _lock(admin, own["id"])
        await _lock(admin, other["id"])


# ---- the marksheet ----------------------------------------------------------------------------


async def _term_exam(db: Any, class_id: int) -> int:
    async with db.acquire() as conn:
        return await conn.fetchval(
            "SELECT id FROM exams WHERE class_id = $1 AND name = 'Term 1' AND status = 'LOCKED'", class_id
        )


async def test_marksheet_figures_match_an_independent_computation(client, db):
    admin = await as_user(client, ADMIN)
    class_id = await _class(db, "Class 9", "B")
    exam_id = await _term_exam(db, class_id)
    student_id = (await _students(db, class_id))[3]
    async with db.acquire() as conn:
        marks = await conn.fetch(
            """SELECT sub.name, es.max_marks, m.marks_obtained
            FROM exam_subjects es JOIN subjects sub ON sub.id = es.subject_id
            LEFT JOIN student_marks m ON m.exam_subject_id = es.id AND m.student_id = $2
            LEFT JOIN class_subjects cs ON cs.class_id = $3 AND cs.subject_id = es.subject_id
            WHERE es.exam_id = $1 AND es.active ORDER BY cs.display_order""",
            exam_id,
            student_id,
            class_id,
        )
        student = await conn.fetchrow(
            "SELECT first_name, last_name, admission_number, school_id FROM students WHERE id = $1", student_id
        )
    total = sum(r["marks_obtained"] or 0 for r in marks)
    maximum = sum(r["max_marks"] for r in marks)
    # 100 x total / maximum in hundredths, half up, in integers (not the code's Decimal formula)
    hundredths = (total * 10_000 * 2 + maximum) // (2 * maximum)
    percentage = f"{hundredths // 100}.{hundredths % 100:02d}"
    # the demo's grade scale (demo/school.py GRADES), written out: the grade of the highest lower bound reached
    grade = next(
        g
        for low, g in ((9000, "A+"), (7500, "A"), (6000, "B"), (4500, "C"), (3300, "D"), (0, "E"))
        if hundredths >= low
    )
    assert len(marks) == 6

    body = await admin(MARKSHEET, {"exam": gid("Exam", exam_id), "student": gid("Student", student_id)})
    sheet = body["data"]["marksheet"]
    assert sheet == {
        "examName": "Term 1",
        "studentName": f"{student['first_name']} {student['last_name']}",
        "admissionNumber": student["admission_number"],
        "subjects": [
            {"name": r["name"], "maxMarks": r["max_marks"], "marksObtained": r["marks_obtained"]} for r in marks
        ],
        "total": total,
        "maxTotal": maximum,
        "percentage": percentage,
        "grade": grade,
    }
    assert body["extensions"]["stats"]["sqlStatements"] <= 2

    # the entity fields reach the exam and the student through the read path
    linked = await admin(
        """query($e: ID!, $s: ID!) { marksheet(examId: $e, studentId: $s) {
        exam { id status schoolClass { name section } } student { id admissionNumber } } }""",
        {"e": gid("Exam", exam_id), "s": gid("Student", student_id)},
    )
    assert linked["data"]["marksheet"] == {
        "exam": {"id": gid("Exam", exam_id), "status": "LOCKED", "schoolClass": {"name": "Class 9", "section": "B"}},
        "student": {"id": gid("Student", student_id), "admissionNumber": student["admission_number"]},
    }


async def test_marksheet_rounds_half_up_and_counts_unrecorded_subjects_as_zero(client, db):
    admin = await as_user(client, ADMIN)
    class_id = await _class(db, "Class 3", "B")
    subjects = await _subjects(db)
    s = await _students(db, class_id)
    exam = await _new_exam(admin, class_id, [(subjects["Science"], 16), (subjects["English"], 16)])
    try:
        await _record(admin, exam["subjects"][0], [(s[0], 1)])
        body = await admin(
            """query($e: ID!, $s: ID!) { marksheet(examId: $e, studentId: $s) {
            subjects { name maxMarks marksObtained } total maxTotal markedSubjects percentage grade } }""",
            {"e": exam["id"], "s": gid("Student", s[0])},
        )
        sheet = body["data"]["marksheet"]
        # 1 / 32 = 3.125 %: half up, not to even; English has no mark yet and counts as 0
        assert sheet["total"] == 1 and sheet["maxTotal"] == 32 and sheet["markedSubjects"] == 1
        assert sheet["percentage"] == "3.13" and sheet["grade"] == "E"
        assert {x["name"]: x["marksObtained"] for x in sheet["subjects"]} == {"Science": 1, "English": None}

        async def figures() -> tuple[int, str, str]:
            sheet = (await admin(MARKSHEET, {"exam": exam["id"], "student": gid("Student", s[0])}))["data"]["marksheet"]
            return sheet["total"], sheet["percentage"], sheet["grade"]

        for science, english, expected in (
            (8, 16, (24, "75.00", "A")),
            (5, 16, (21, "65.63", "B")),
            (0, 0, (0, "0.00", "E")),
            (16, 16, (32, "100.00", "A+")),
        ):
            assert (await _record(admin, exam["subjects"][0], [(s[0], science)]))["errors"] == []
            assert (await _record(admin, exam["subjects"][1], [(s[0], english)]))["errors"] == []
            assert await figures() == expected
    finally:
        await _lock(admin, exam["id"])


async def test_marksheet_statements_do_not_grow_with_subjects(client, db):
    admin = await as_user(client, ADMIN)
    class_id = await _class(db, "Class 4", "A")
    subjects = await _subjects(db)
    student = (await _students(db, class_id))[0]
    one = await _new_exam(admin, class_id, [(subjects["English"], 100)])
    try:
        await _record(admin, one["subjects"][0], [(student, 88)])
        small = await admin(MARKSHEET, {"exam": one["id"], "student": gid("Student", student)})
        large = await admin(
            MARKSHEET, {"exam": gid("Exam", await _term_exam(db, class_id)), "student": gid("Student", student)}
        )
        assert len(small["data"]["marksheet"]["subjects"]) == 1 and len(large["data"]["marksheet"]["subjects"]) == 6
        assert small["data"]["marksheet"]["percentage"] == "88.00"
        counts = (small["extensions"]["stats"]["sqlStatements"], large["extensions"]["stats"]["sqlStatements"])
        assert counts[0] == counts[1] and counts[0] <= 2, counts
        # a teacher's extra check (their assignment) is context, not per subject
        teacher = await as_user(client, TEACHER)
        own_class = await _class(db, "Class 5", "A")
        own_student = (await _students(db, own_class))[0]
        seen = await teacher(
            MARKSHEET, {"exam": gid("Exam", await _term_exam(db, own_class)), "student": gid("Student", own_student)}
        )
        assert (
            len(seen["data"]["marksheet"]["subjects"]) == 6
            and seen["extensions"]["stats"]["sqlStatements"] == counts[0]
        )
    finally:
        await _lock(admin, one["id"])


async def test_marksheet_of_another_school_or_a_non_candidate_is_null(client, gql, db):
    class_id = await _class(db, "Class 2", "A")
    exam = gid("Exam", await _term_exam(db, class_id))
    student = gid("Student", (await _students(db, class_id))[0])
    riverside = await as_user(client, "admin@riverside.demo")
    body = await riverside(MARKSHEET, {"exam": exam, "student": student})
    assert body == {"data": {"marksheet": None}, "extensions": body["extensions"]}
    riverside_teacher = await as_user(client, "teacher@riverside.demo")
    assert (await riverside_teacher(MARKSHEET, {"exam": exam, "student": student}))["data"]["marksheet"] is None

    admin = await as_user(client, ADMIN)
    assert (await admin(MARKSHEET, {"exam": exam, "student": student}))["data"]["marksheet"] is not None
    missing = await admin(MARKSHEET, {"exam": gid("Exam", 987_654_321), "student": student})
    assert missing["data"]["marksheet"] is None
    outsider = gid("Student", (await _students(db, await _class(db, "Class 2", "B")))[0])
    assert (await admin(MARKSHEET, {"exam": exam, "student": outsider}))["data"]["marksheet"] is None
    wrong_type = await admin(MARKSHEET, {"exam": student, "student": exam})
    assert wrong_type["data"]["marksheet"] is None
    # Greenwood's own ids the other way round: Riverside's exam is null for Greenwood
    riverside_class = await _class(db, "Class 2", "A", code="DEMO-RVP")
    theirs = await admin(
        MARKSHEET,
        {
            "exam": gid("Exam", await _term_exam(db, riverside_class)),
            "student": gid("Student", (await _students(db, riverside_class))[0]),
        },
    )
    assert theirs["data"]["marksheet"] is None
    platform = await gql(MARKSHEET, {"exam": exam, "student": student})  # a platform role reads across schools
    assert platform["data"]["marksheet"]["examName"] == "Term 1"
    anonymous = await GQL(client)(MARKSHEET, {"exam": exam, "student": student}, expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# ---- grade policies ---------------------------------------------------------------------------

GRADE_CREATE = """mutation($input: GradePolicyCreateInput!) { gradePolicyCreate(input: $input) {
  gradePolicy { id minPercent maxPercent grade active } errors { field code message } } }"""
GRADE_UPDATE = """mutation($input: GradePolicyUpdateInput!) { gradePolicyUpdate(input: $input) {
  gradePolicy { id minPercent maxPercent } errors { field code message } } }"""


async def test_overlapping_active_grade_ranges_are_a_conflict(client, gql, db):
    admin = await as_user(client, ADMIN)
    greenwood = await _school(db)

    async def active_policies(school_id: int) -> list[tuple[str, str, str]]:
        async with db.acquire() as conn:
            rows = await conn.fetch(
                "SELECT min_percent, max_percent, grade FROM grade_policies WHERE school_id = $1 AND active "
                "ORDER BY min_percent",
                school_id,
            )
        return [(str(r["min_percent"]), str(r["max_percent"]), r["grade"]) for r in rows]

    before = await active_policies(greenwood["id"])
    overlap = (await admin(GRADE_CREATE, {"input": {"minPercent": "50", "maxPercent": "55", "grade": "X"}}))["data"][
        "gradePolicyCreate"
    ]
    assert overlap["gradePolicy"] is None
    assert [e["code"] for e in overlap["errors"]] == ["CONFLICT"]
    assert await active_policies(greenwood["id"]) == before

    # a school of the test's own: only active ranges count
    [school] = await make_schools(db, unique("GRD"), 1, sessions_per_school=1)
    headers = {"X-Tenant-Id": school["gid"]}

    async def create(lo: str, hi: str, grade: str) -> dict[str, Any]:
        return (
            await gql(GRADE_CREATE, {"input": {"minPercent": lo, "maxPercent": hi, "grade": grade}}, headers=headers)
        )["data"]["gradePolicyCreate"]

    low = await create("0", "49.99", "F")
    assert low["errors"] == [] and low["gradePolicy"]["minPercent"] == "0.00"
    assert (await create("40", "60", "E"))["errors"][0]["code"] == "CONFLICT"
    assert (await create("49.99", "49.99", "E"))["errors"][0]["code"] == "CONFLICT"  # the boundary belongs to one range
    high = await create("50", "100", "P")
    assert high["errors"] == []
    widened = (
        await gql(GRADE_UPDATE, {"input": {"id": high["gradePolicy"]["id"], "minPercent": "45"}}, headers=headers)
    )["data"]["gradePolicyUpdate"]
    assert widened["gradePolicy"] is None and widened["errors"][0]["code"] == "CONFLICT"
    assert await active_policies(school["id"]) == [("0.00", "49.99", "F"), ("50.00", "100.00", "P")]
    gone = await gql(
        "mutation($id: ID!) { gradePolicyDeactivate(input: {id: $id}) { errors { code } } }",
        {"id": low["gradePolicy"]["id"]},
        headers=headers,
    )
    assert gone["data"]["gradePolicyDeactivate"]["errors"] == []
    assert (await create("0", "49.99", "D"))["errors"] == []  # the deactivated range no longer counts
    inverted = await create("70", "60", "Z")
    assert inverted["errors"][0]["code"] == "INVALID"


@pytest.mark.parametrize("email", ["admin@riverside.demo", "teacher@riverside.demo"])
async def test_another_schools_callers_cannot_touch_greenwood_exams(client, db, email):
    admin = await as_user(client, ADMIN)
    class_id = await _class(db, "Class 10", "B")
    subjects = await _subjects(db)
    exam = await _new_exam(admin, class_id, [(subjects["Social Studies"], 100)])
    outsider = await as_user(client, email)
    try:
        if email.startswith("admin"):
            status = (await outsider(STATUS, {"input": {"examId": exam["id"], "status": "LOCKED"}}))["data"][
                "examStatusUpdate"
            ]
            assert status["errors"] == [
                {"field": ["input", "examId"], "code": "NOT_FOUND", "message": "No Exam with this ID."}
            ]
            added = (
                await outsider(
                    SUBJECT_ADD,
                    {"input": {"examId": exam["id"], "subjectId": gid("Subject", subjects["Hindi"]), "maxMarks": 10}},
                )
            )["data"]["examSubjectAdd"]
            assert added["errors"][0]["code"] == "NOT_FOUND"
        student = (await _students(db, class_id))[0]
        marks = await _record(outsider, exam["subjects"][0], [(student, 5)])
        assert marks["errors"] == [
            {"field": ["input", "examSubjectId"], "code": "NOT_FOUND", "message": "No ExamSubject with this ID."}
        ]
        assert await _marks_of(db, exam["subjects"][0]) == {}
        async with db.acquire() as conn:
            assert await conn.fetchval("SELECT status FROM exams WHERE id = $1", _pk(exam["id"])) == "DRAFT"
    finally:
        await _lock(admin, exam["id"])
