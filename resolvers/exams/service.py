"""Exams, their subjects, marks and the marksheet (seed 001 test management domain, §7.6).

- An exam belongs to one class of the resolved academic session and moves only forward:
  DRAFT -> SCHEDULED -> ONGOING -> COMPLETED -> LOCKED (skipping ahead is allowed); nothing
  leaves LOCKED, and a LOCKED exam takes no more subjects or marks (promotion relies on it).
- Every write locks the exam row first: a status change takes FOR UPDATE, adding a subject
  or recording marks takes FOR SHARE, so marks never slip in after the exam was locked and
  parallel mark entries for one exam do not wait on each other.
- Marks of one exam subject arrive as a list (a teacher's phone sends a whole class) and are
  written with one INSERT ... ON CONFLICT DO UPDATE over the unique key
  (school_id, exam_id, student_id, exam_subject_id): recording twice updates, never duplicates.
- The marksheet is one SQL statement whatever the number of subjects.

Expected failures raise `UserErrors`; the mutation's savepoint is rolled back (nothing changes).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text

import models
from models.exams import ExamStatus
from models.school.access import family_kind, family_student_ids
from resolvers.classes.assignments import may_act_on_class
from kit import writes
from kit.registry import spec_for_model
from kit.errors import ErrorCode, UserError, UserErrors, user_error
from kit.ids import InvalidId, decode_gid
from kit.workflow import Ref

EXAM = spec_for_model(models.Exam)
EXAM_SUBJECT = spec_for_model(models.ExamSubject)
STUDENT_MARK = spec_for_model(models.StudentMark)

STATUS_ORDER = (ExamStatus.DRAFT, ExamStatus.SCHEDULED, ExamStatus.ONGOING, ExamStatus.COMPLETED, ExamStatus.LOCKED)
MAX_MARK_ENTRIES = 500  # one call carries one class (or a few): a bound on the statement's arrays
NAME_MAX, EXAM_TYPE_MAX, REMARKS_MAX = 100, 50, 500


def _error(code: ErrorCode, message: str, *field: str) -> UserError:
    return UserError(field=["input", *field] if field else None, code=code, message=message)


def _need_school(ctx: Any) -> int:
    if ctx.school_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a school first (X-Tenant-Id).")
    return ctx.school_id


async def _exam_locked_row(session: Any, exam_id: int, field: str, share: bool) -> models.Exam:
    """The exam, its row locked (FOR UPDATE, or FOR SHARE when only its status must hold
    still); NOT_FOUND when missing or another tenant's (the ORM adds the tenant predicate)."""
    stmt = (
        select(models.Exam)
        .where(models.Exam.id == exam_id)
        .with_for_update(read=share)
        .execution_options(populate_existing=True)
    )
    exam = (await session.execute(stmt)).scalar_one_or_none()
    if exam is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Exam with this ID.", field)
    return exam


def _refuse_if_locked(exam: models.Exam, what: str, field: str) -> None:
    if exam.status == ExamStatus.LOCKED:
        raise user_error(ErrorCode.LOCKED, f'Exam "{exam.name}" is locked: {what}.', field)


# ---- exams ------------------------------------------------------------------------------------


async def create_exam(
    ctx: Any,
    session: Any,
    class_id: Ref[models.SchoolClass],
    name: str,
    exam_type: str | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> int:
    """Create an exam (DRAFT) for a class of the academic session in force."""
    _need_school(ctx)
    if ctx.session_id is None:
        raise user_error(ErrorCode.INVALID, "The school has no current academic session; activate one first.")
    name = (name or "").strip()
    if not name:
        raise user_error(ErrorCode.INVALID, "Give the exam a name.", "name")
    if len(name) > NAME_MAX:
        raise user_error(ErrorCode.INVALID, f"name is longer than {NAME_MAX} characters.", "name")
    exam_type = exam_type.strip() or None if exam_type is not None else None
    if exam_type is not None and len(exam_type) > EXAM_TYPE_MAX:
        raise user_error(ErrorCode.INVALID, f"examType is longer than {EXAM_TYPE_MAX} characters.", "examType")
    if start_date is not None and end_date is not None and end_date < start_date:
        raise user_error(ErrorCode.INVALID, "endDate must not be before startDate.", "endDate")
    school_class = (
        await session.execute(select(models.SchoolClass).where(models.SchoolClass.id == class_id))
    ).scalar_one_or_none()
    if school_class is None:
        raise user_error(ErrorCode.NOT_FOUND, "No SchoolClass with this ID.", "classId")
    if school_class.session_id != ctx.session_id:
        raise user_error(
            ErrorCode.INVALID, "The class belongs to another academic session than the one in force.", "classId"
        )
    if not school_class.active:
        raise user_error(ErrorCode.INVALID, "The class is deactivated.", "classId")
    exam = models.Exam(
        class_id=class_id,
        session_id=ctx.session_id,
        name=name,
        exam_type=exam_type,
        start_date=start_date,
        end_date=end_date,
        status=ExamStatus.DRAFT,
    )
    session.add(exam)
    await session.flush()
    return exam.id


async def add_exam_subject(
    ctx: Any, session: Any, exam_id: Ref[models.Exam], subject_id: Ref[models.Subject], max_marks: int
) -> int:
    """Add a subject taught in the exam's class, with its maximum marks; not once LOCKED."""
    _need_school(ctx)
    if max_marks is None or max_marks <= 0:
        raise user_error(ErrorCode.INVALID, "maxMarks must be greater than 0.", "maxMarks")
    exam = await _exam_locked_row(session, exam_id, "examId", share=True)
    _refuse_if_locked(exam, "its subjects can no longer change", "examId")
    if not exam.active:
        raise user_error(ErrorCode.INVALID, "The exam is deactivated.", "examId")
    subject = (
        await session.execute(select(models.Subject).where(models.Subject.id == subject_id))
    ).scalar_one_or_none()
    if subject is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Subject with this ID.", "subjectId")
    taught = await session.scalar(
        select(models.ClassSubject.id)
        .where(
            models.ClassSubject.class_id == exam.class_id,
            models.ClassSubject.subject_id == subject_id,
            models.ClassSubject.active,
        )
        .limit(1)
    )
    if taught is None or not subject.active:
        raise user_error(
            ErrorCode.INVALID,
            f"{subject.name} is not taught in this exam's class; add it to the class first.",
            "subjectId",
        )
    duplicate = await session.scalar(
        select(models.ExamSubject.id).where(
            models.ExamSubject.exam_id == exam_id, models.ExamSubject.subject_id == subject_id
        )
    )
    if duplicate is not None:
        raise user_error(ErrorCode.CONFLICT, f"{subject.name} is already a subject of this exam.", "subjectId")
    row = models.ExamSubject(exam_id=exam_id, subject_id=subject_id, max_marks=max_marks)
    session.add(row)
    await session.flush()  # a racing duplicate still ends as CONFLICT through the unique key
    return row.id


async def update_exam_status(ctx: Any, session: Any, exam_id: Ref[models.Exam], status: ExamStatus) -> int:
    """Move an exam forward: DRAFT -> SCHEDULED -> ONGOING -> COMPLETED -> LOCKED (steps may be
    skipped, never undone); nothing leaves LOCKED."""
    _need_school(ctx)
    exam = await _exam_locked_row(session, exam_id, "examId", share=False)
    current = exam.status or ExamStatus.DRAFT
    if current == ExamStatus.LOCKED:
        raise user_error(ErrorCode.LOCKED, f'Exam "{exam.name}" is locked; its status can no longer change.', "status")
    if STATUS_ORDER.index(status) <= STATUS_ORDER.index(current):
        what = "is already" if status == current else "cannot go back to"
        raise user_error(
            ErrorCode.INVALID,
            f"The exam is {current.value} and {what} {status.value}: an exam moves "
            "only forward (DRAFT, SCHEDULED, ONGOING, COMPLETED, LOCKED).",
            "status",
        )
    exam.status = status
    return exam.id


# ---- marks ------------------------------------------------------------------------------------


@dataclass
class MarkInput:
    student_id: str  # a global ID, decoded here so that errors name the entry's index
    marks_obtained: int
    remarks: str | None = None


@dataclass
class MarksResult:
    exam_subject_id: int
    mark_ids: list[int]
    inserted: int
    updated: int


UPSERT_MARKS = text("""
INSERT INTO student_marks (school_id, exam_id, exam_subject_id, student_id, marks_obtained, remarks, created_at, created_by)
SELECT CAST(:school_id AS bigint), CAST(:exam_id AS bigint), CAST(:exam_subject_id AS bigint),
       m.student_id, m.marks_obtained, m.remarks, now(), CAST(:user_id AS bigint)
  FROM unnest(CAST(:students AS bigint[]), CAST(:marks AS integer[]), CAST(:remarks AS text[]))
       AS m(student_id, marks_obtained, remarks)
 ORDER BY m.student_id  -- rows locked in one order: parallel calls cannot deadlock
ON CONFLICT (school_id, exam_id, student_id, exam_subject_id) DO UPDATE
   SET marks_obtained = EXCLUDED.marks_obtained, remarks = EXCLUDED.remarks,
       updated_at = now(), updated_by = CAST(:user_id AS bigint)
RETURNING id, student_id, (xmax = 0) AS inserted
""")


def _entry_errors(entries: list[MarkInput], max_marks: int) -> tuple[list[int | None], list[UserError]]:
    """Decode and check every entry; all problems at once, each naming its entry's index."""
    errors: list[UserError] = []
    students: list[int | None] = []
    first_index: dict[int, int] = {}
    for i, entry in enumerate(entries):
        index = str(i)
        try:
            type_name, pk = decode_gid(entry.student_id)
        except InvalidId as exc:
            type_name, pk = None, None
            errors.append(_error(ErrorCode.INVALID, str(exc), "marks", index, "studentId"))
        else:
            if type_name != "Student":
                pk = None
                errors.append(
                    _error(ErrorCode.INVALID, "studentId must be the ID of a Student.", "marks", index, "studentId")
                )
        students.append(pk)
        if pk is not None:
            if pk in first_index:
                errors.append(
                    _error(
                        ErrorCode.INVALID,
                        f"This student already has an entry (marks[{first_index[pk]}]) in this call.",
                        "marks",
                        index,
                        "studentId",
                    )
                )
            else:
                first_index[pk] = i
        if entry.marks_obtained is None or not 0 <= entry.marks_obtained <= max_marks:
            errors.append(
                _error(
                    ErrorCode.INVALID,
                    f"marksObtained must be between 0 and {max_marks}, got {entry.marks_obtained}.",
                    "marks",
                    index,
                    "marksObtained",
                )
            )
        if entry.remarks is not None and len(entry.remarks) > REMARKS_MAX:
            errors.append(
                _error(
                    ErrorCode.INVALID, f"remarks is longer than {REMARKS_MAX} characters.", "marks", index, "remarks"
                )
            )
    return students, errors


async def record_marks(ctx: Any, exam_subject_id: int, entries: list[MarkInput]) -> MarksResult:
    """Many students' marks for one exam subject, all or nothing.

    Refusals, in this order: NOT_FOUND (no such exam subject in the caller's school),
    FORBIDDEN (a teacher who is neither the class teacher nor the subject's teacher in the
    exam's class), LOCKED, then INVALID for the entries (each error names its index)."""
    school_id = _need_school(ctx)
    if not entries:
        raise user_error(ErrorCode.INVALID, "Send at least one mark.", "marks")
    if len(entries) > MAX_MARK_ENTRIES:
        raise user_error(ErrorCode.INVALID, f"At most {MAX_MARK_ENTRIES} marks in one call.", "marks")
    async with writes.mutation_scope(ctx, STUDENT_MARK) as session:
        exam_subject = (
            await session.execute(select(models.ExamSubject).where(models.ExamSubject.id == exam_subject_id))
        ).scalar_one_or_none()
        if exam_subject is None:
            raise user_error(ErrorCode.NOT_FOUND, "No ExamSubject with this ID.", "examSubjectId")
        exam = await _exam_locked_row(session, exam_subject.exam_id, "examSubjectId", share=True)
        if not await may_act_on_class(ctx, exam.class_id, exam_subject.subject_id):
            raise user_error(
                ErrorCode.FORBIDDEN,
                "Only the class teacher or the teacher of this subject in this class may record its marks.",
                "examSubjectId",
            )
        _refuse_if_locked(exam, "its marks can no longer change", "examSubjectId")
        if not exam.active or not exam_subject.active:
            raise user_error(ErrorCode.INVALID, "This exam (or this subject of it) is deactivated.", "examSubjectId")

        students, errors = _entry_errors(entries, exam_subject.max_marks)
        if errors:
            raise UserErrors(*errors)
        enrolled = set(
            (
                await session.execute(
                    select(models.StudentEnrollment.student_id).where(
                        models.StudentEnrollment.class_id == exam.class_id,
                        models.StudentEnrollment.session_id == exam.session_id,
                        models.StudentEnrollment.active,
                        models.StudentEnrollment.student_id.in_(students),
                    )
                )
            ).scalars()
        )
        errors = [
            _error(
                ErrorCode.INVALID,
                "This student is not actively enrolled in the exam's class for its session.",
                "marks",
                str(i),
                "studentId",
            )
            for i, pk in enumerate(students)
            if pk not in enrolled
        ]
        if errors:
            raise UserErrors(*errors)

        conn = await session.connection()
        rows = (
            await conn.execute(
                UPSERT_MARKS,
                {
                    "school_id": school_id,
                    "exam_id": exam.id,
                    "exam_subject_id": exam_subject.id,
                    "user_id": ctx.user_id,
                    "students": students,
                    "marks": [e.marks_obtained for e in entries],
                    "remarks": [e.remarks for e in entries],
                },
            )
        ).all()
        by_student = {r.student_id: r for r in rows}
        inserted = sum(1 for r in rows if r.inserted)
        await writes.log_activity(session, ctx, "marksRecord", "ExamSubject", exam_subject.id)
        return MarksResult(exam_subject.id, [by_student[s].id for s in students], inserted, len(rows) - inserted)


# ---- marksheet --------------------------------------------------------------------------------

# One statement, however many subjects: the exam, the student (a candidate of the exam: enrolled
# in its class for its session, or holding marks in it), every active subject of the exam with
# the student's marks, the totals, the percentage (2 places, half up) and the grade whose active
# range of the school holds that percentage. Each table is matched on the exam's school (and
# RLS repeats it); $3 is the caller's school, NULL only for a platform role reading across.
MARKSHEET_SQL = """
WITH e AS (
  SELECT e.id, e.school_id, e.class_id, e.session_id, e.name, e.exam_type, e.status
    FROM exams e
   WHERE e.id = $1 AND ($3::bigint IS NULL OR e.school_id = $3::bigint)
), st AS (
  SELECT s.id, s.first_name, s.last_name, s.admission_number, en.roll_number
    FROM e JOIN students s ON s.school_id = e.school_id AND s.id = $2
    LEFT JOIN LATERAL (SELECT true AS enrolled, x.roll_number FROM student_enrollments x
                        WHERE x.school_id = e.school_id AND x.student_id = s.id AND x.class_id = e.class_id
                          AND x.session_id = e.session_id
                        ORDER BY x.active DESC, x.id DESC LIMIT 1) en ON true
   WHERE en.enrolled OR EXISTS (SELECT 1 FROM student_marks m WHERE m.school_id = e.school_id AND m.exam_id = e.id
                                   AND m.student_id = s.id)
), subj AS (
  SELECT es.id, sub.name, sub.code, es.max_marks, m.marks_obtained, m.remarks, cs.display_order
    FROM e JOIN exam_subjects es ON es.school_id = e.school_id AND es.exam_id = e.id AND es.active
    JOIN subjects sub ON sub.school_id = es.school_id AND sub.id = es.subject_id
    LEFT JOIN class_subjects cs ON cs.school_id = es.school_id AND cs.class_id = e.class_id AND cs.subject_id = es.subject_id
    LEFT JOIN student_marks m ON m.school_id = es.school_id AND m.exam_id = e.id AND m.exam_subject_id = es.id
                             AND m.student_id = $2
), tot AS (
  SELECT coalesce(sum(marks_obtained), 0)::bigint AS total, coalesce(sum(max_marks), 0)::bigint AS max_total,
         count(marks_obtained)::int AS marked,
         coalesce(json_agg(json_build_object('id', id, 'name', name, 'code', code, 'maxMarks', max_marks,
                                             'marksObtained', marks_obtained, 'remarks', remarks)
                           ORDER BY display_order NULLS LAST, name, id), '[]'::json) AS subjects
    FROM subj
), pct AS (
  SELECT tot.*, CASE WHEN max_total > 0 THEN round(total * 100.0 / max_total, 2) END AS percentage FROM tot
)
SELECT e.id AS exam_id, e.class_id, e.name AS exam_name, e.exam_type, e.status,
       st.id AS student_id, st.first_name, st.last_name, st.admission_number, st.roll_number,
       pct.subjects::text AS subjects, pct.total, pct.max_total, pct.marked, pct.percentage,
       (SELECT g.grade FROM grade_policies g
         WHERE g.school_id = e.school_id AND g.active AND pct.percentage BETWEEN g.min_percent AND g.max_percent
         ORDER BY g.min_percent DESC LIMIT 1) AS grade
  FROM e CROSS JOIN st CROSS JOIN pct
"""

TWO_PLACES = Decimal("0.01")


@dataclass
class MarksheetData:
    exam_id: int
    class_id: int
    exam_name: str
    exam_type: str | None
    status: ExamStatus | None
    student_id: int
    student_name: str
    admission_number: str
    roll_number: int | None
    subjects: list[dict[str, Any]]
    total: int
    max_total: int
    marked_subjects: int
    percentage: Decimal | None
    grade: str | None


async def marksheet(ctx: Any, exam_id: int, student_id: int) -> MarksheetData | None:
    """The figures of one student in one exam, or None when the exam or the student is not
    there for the caller (missing, another school's, or not a candidate of the exam)."""
    if ctx.school_id is None and not ctx.platform_read:
        return None
    rows = await ctx.db.fetch(MARKSHEET_SQL, (exam_id, student_id, ctx.school_id))
    if not rows:
        return None
    r = rows[0]
    percentage = r["percentage"].quantize(TWO_PLACES) if r["percentage"] is not None else None
    name = " ".join(p for p in (r["first_name"], r["last_name"]) if p)
    return MarksheetData(
        exam_id=r["exam_id"],
        class_id=r["class_id"],
        exam_name=r["exam_name"],
        exam_type=r["exam_type"],
        status=ExamStatus(r["status"]) if r["status"] else None,
        student_id=r["student_id"],
        student_name=name,
        admission_number=r["admission_number"],
        roll_number=r["roll_number"],
        subjects=json.loads(r["subjects"]),
        total=r["total"],
        max_total=r["max_total"],
        marked_subjects=r["marked"],
        percentage=percentage,
        grade=r["grade"],
    )


async def may_read_marksheet(ctx: Any, class_id: int, student_id: int, status: Any) -> bool:
    """Admins, platform roles and accountants read every marksheet of their school; a
    teacher only those of classes they are assigned to (class teacher or subject teacher); a
    guardian (or a student) those of their family's students, once the exam is LOCKED (the
    rule of their StudentMark rows: models/school/access.py)."""
    if not ctx.roles.isdisjoint({"SUPER_ADMIN", "PLATFORM_ADMIN", "SCHOOL_ADMIN", "ACCOUNTANT"}):
        return True
    if "TEACHER" in ctx.roles and await may_act_on_class(ctx, class_id):
        return True
    if family_kind(ctx) and getattr(status, "value", status) == "LOCKED":
        return student_id in await family_students(ctx)
    return False


async def family_students(ctx: Any) -> set[int]:
    """The ids of the students the caller reads as family (the row filters' own SELECT)."""
    from kit import db, planner

    bind = planner.Binder()
    stmt = family_student_ids(ctx, bind)
    sql, names, constants = db.compile_statement(stmt, ("family_students", family_kind(ctx)))
    rows = await ctx.db.fetch(sql, [bind.values[n] if n in bind.values else constants[n] for n in names])
    return {row[0] for row in rows}
