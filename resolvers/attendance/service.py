"""Attendance: marking a whole class for one date, and the attendance reads of dashboards
and teachers' phones (seed 001 §1.1 StudentAttendance, §9.2 teacher-scoped mutations).

Rules (also in the GraphQL descriptions, schema/attendance.py):

- Marking (`mark`) writes a whole class for one date in ONE `INSERT ... ON CONFLICT DO
  UPDATE` under the seed's unique key uk_attendance (school_id, class_id, student_id,
  attendance_date, session_id): marking again replaces status and remarks, never duplicates.
  The session is the resolved academic session of the request (ctx.session_id); the class
  must belong to it, be active, and the date must fall inside it and not after the school's today.
  Every entry must name a different student, actively enrolled in that class in that
  session; otherwise the whole call is refused, naming the entries at fault
  (["input", "entries", "<index>", "studentId"]). Enrollments are read `FOR SHARE`, so a
  withdrawal running at the same moment waits for the marking (or the marking sees it).
- Who: school admins (and platform roles with a tenant) for any class of the school;
  a teacher only for a class they are assigned to (its class teacher or the teacher of one of
  its subjects, resolvers/classes/assignments.py). An unassigned teacher gets a FORBIDDEN
  *payload error* (the root rule lets teachers in; the assignment is a per-class, data-level
  refusal, like NOT_FOUND). A class of another school is NOT_FOUND, exactly like a missing one.
- Reads: a class of another school (or a missing one) reads as null; a class of the school the
  teacher is not assigned to is a top-level FORBIDDEN error; bad arguments are
  BAD_USER_INPUT errors. Each read runs a fixed number of statements whatever the class size:
  one for the class (or student) row, one aggregate, plus the loaders' batches for the objects.
- Attendance percentage: attended = PRESENT + LATE; total = days marked with any status
  (PRESENT, ABSENT, LATE, HALF_DAY, LEAVE); percentage = 100 × attended / total, rounded half
  up to 2 places; null when no day is marked in the range.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text

import models
from resolvers.classes.assignments import ADMINS, may_act_on_class, my_class_ids, readable_class_ids
from kit.money import percent
from kit import clock
from kit import writes
from kit.planner import BadInput
from kit.registry import spec_for_model
from kit.errors import ErrorCode, UserError, UserErrors, user_error
from kit.ids import InvalidId, decode_gid

MAX_ENTRIES = 500  # one call marks one class; no class is this large
MAX_RANGE_DAYS = 366
MAX_REMARKS = 500  # student_attendance.remarks is VARCHAR(500)
MAX_BIGINT = 2**63 - 1
STATUSES = tuple(s.value for s in models.AttendanceStatus)
ATTENDED = ("PRESENT", "LATE")

AttendanceSpec = spec_for_model(models.StudentAttendance)


def _pk_of(gid: str, type_name: str) -> int | None:
    """The primary key in a global ID of `type_name`; None when it is not one."""
    try:
        kind, pk = decode_gid(gid)
    except InvalidId:
        return None
    if kind != type_name or pk > MAX_BIGINT:
        return None
    return pk


# ---- marking ------------------------------------------------------------------------------


@dataclass
class Entry:
    student_id: str  # global ID, as sent
    status: str  # AttendanceStatus value
    remarks: str | None = None


CLASS_FOR_MARKING = text("""
SELECT c.session_id, c.active, s.start_date, s.end_date
  FROM school_classes c
  LEFT JOIN academic_sessions s ON s.school_id = c.school_id AND s.id = CAST(:session AS BIGINT)
 WHERE c.id = CAST(:class AS BIGINT) AND c.school_id = CAST(:school AS BIGINT)
""")

# The enrollments that make the entries valid, locked against a concurrent withdrawal.
ENROLLED_FOR_MARKING = text("""
SELECT e.student_id
  FROM student_enrollments e
 WHERE e.school_id = CAST(:school AS BIGINT) AND e.class_id = CAST(:class AS BIGINT)
   AND e.session_id = CAST(:session AS BIGINT) AND e.active AND e.student_id = ANY(CAST(:students AS BIGINT[]))
   FOR SHARE
""")

# One statement for the whole class, whatever its size (arrays, not one VALUES row per student).
UPSERT = text("""
INSERT INTO student_attendance (school_id, class_id, session_id, student_id, attendance_date, status, remarks,
                                created_at, created_by)
SELECT CAST(:school AS BIGINT), CAST(:class AS BIGINT), CAST(:session AS BIGINT), m.student_id, CAST(:day AS DATE),
       m.status, m.remarks, CAST(:now AS TIMESTAMPTZ), CAST(:user AS BIGINT)
  FROM unnest(CAST(:students AS BIGINT[]), CAST(:statuses AS VARCHAR[]), CAST(:remarks AS VARCHAR[]))
       AS m(student_id, status, remarks)
    ON CONFLICT ON CONSTRAINT uk_attendance DO UPDATE
   SET status = EXCLUDED.status, remarks = EXCLUDED.remarks,
       updated_at = CAST(:now AS TIMESTAMPTZ), updated_by = CAST(:user AS BIGINT)
RETURNING id
""")


def _entry_error(index: int, field: str, code: ErrorCode, message: str) -> UserError:
    return UserError(field=["input", "entries", str(index), field], code=code, message=message)


def _check_input(date: dt.date, entries: list[Entry]) -> list[int]:
    """Checks that need no database; returns the students' primary keys in entry order."""
    errors: list[UserError] = []
    today = clock.today()
    if date > today:
        errors.extend(
            user_error(
                ErrorCode.INVALID,
                f"Attendance cannot be marked for a future date (today is {today} at the school).",
                "date",
            ).errors
        )
    if not entries:
        errors.extend(user_error(ErrorCode.INVALID, "Send at least one entry.", "entries").errors)
    if len(entries) > MAX_ENTRIES:
        errors.extend(user_error(ErrorCode.INVALID, f"At most {MAX_ENTRIES} entries in one call.", "entries").errors)
    seen: dict[int, int] = {}
    pks: list[int] = []
    for index, entry in enumerate(entries):
        pk = _pk_of(entry.student_id, "Student")
        if pk is None:
            errors.append(_entry_error(index, "studentId", ErrorCode.INVALID, "studentId must be the ID of a Student."))
            continue
        if pk in seen:
            errors.append(
                _entry_error(
                    index,
                    "studentId",
                    ErrorCode.INVALID,
                    f"This student is already in entry {seen[pk]}: one entry per student.",
                )
            )
            continue
        seen[pk] = index
        pks.append(pk)
        if entry.status not in STATUSES:  # the GraphQL enum already guarantees it
            errors.append(_entry_error(index, "status", ErrorCode.INVALID, "Unknown attendance status."))
        if entry.remarks is not None and len(entry.remarks) > MAX_REMARKS:
            errors.append(
                _entry_error(index, "remarks", ErrorCode.INVALID, f"Remarks are at most {MAX_REMARKS} characters.")
            )
    if errors:
        raise UserErrors(*errors)
    return pks


async def mark(ctx: Any, class_gid: str, date: dt.date, entries: list[Entry]) -> tuple[int, int]:
    """Mark (or re-mark) a class for one date. Returns (class id, rows written)."""
    class_id = _pk_of(class_gid, "SchoolClass")
    if class_id is None:
        raise user_error(ErrorCode.INVALID, "classId must be the ID of a SchoolClass.", "classId")
    if ctx.school_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a school first (X-Tenant-Id): attendance belongs to one.")
    if ctx.session_id is None:
        raise user_error(ErrorCode.INVALID, "The school has no current academic session to mark attendance in.")
    student_ids = _check_input(date, entries)
    params = {"school": ctx.school_id, "class": class_id, "session": ctx.session_id}
    async with writes.mutation_scope(ctx, AttendanceSpec) as session:
        found = (await session.execute(CLASS_FOR_MARKING, params)).one_or_none()
        if found is None:
            raise user_error(ErrorCode.NOT_FOUND, "No SchoolClass with this ID.", "classId")
        if not await may_act_on_class(ctx, class_id):
            raise user_error(
                ErrorCode.FORBIDDEN,
                "Only the class teacher, a teacher of one of its subjects or a school "
                "admin marks this class's attendance.",
                "classId",
            )
        if found.session_id != ctx.session_id:
            raise user_error(
                ErrorCode.INVALID,
                "This class belongs to another academic session than the one in force (X-Session-Id).",
                "classId",
            )
        if not found.active:
            raise user_error(ErrorCode.INVALID, "This class is deactivated.", "classId")
        if (found.start_date and date < found.start_date) or (found.end_date and date > found.end_date):
            raise user_error(
                ErrorCode.INVALID,
                f"The date is outside the academic session ({found.start_date} to {found.end_date}).",
                "date",
            )
        enrolled = {r[0] for r in await session.execute(ENROLLED_FOR_MARKING, {**params, "students": student_ids})}
        refused = [
            _entry_error(
                index,
                "studentId",
                ErrorCode.INVALID,
                "This student is not actively enrolled in this class in this academic session.",
            )
            for index, pk in enumerate(student_ids)
            if pk not in enrolled
        ]
        if refused:
            raise UserErrors(*refused)
        written = await session.execute(
            UPSERT,
            {
                **params,
                "day": date,
                "now": writes.now_utc(),
                "user": ctx.user_id,
                "students": student_ids,
                "statuses": [e.status for e in entries],
                "remarks": [e.remarks for e in entries],
            },
        )
        marked = len(written.all())
        await writes.log_activity(session, ctx, "attendanceMark", "SchoolClass", class_id)
    return class_id, marked


# ---- reads --------------------------------------------------------------------------------


def _is_admin(ctx: Any) -> bool:
    return not ctx.roles.isdisjoint(ADMINS)


def check_range(start: dt.date, end: dt.date) -> None:
    if start > end:
        raise BadInput("`from` must not be after `to`.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise BadInput(f"A range covers at most {MAX_RANGE_DAYS} days.")


def decode_arg(gid: str, type_name: str, argument: str) -> int:
    pk = _pk_of(gid, type_name)
    if pk is None:
        raise BadInput(f"{argument} must be the ID of a {type_name}.")
    return pk


def percentage(attended: int, total: int) -> Decimal | None:
    return percent(attended, total)  # None for a student with no marked days


@dataclass
class ClassState:
    class_id: int
    enrolled: int
    marked: int
    present: int
    absent: int
    late: int

    @property
    def complete(self) -> bool:
        return self.enrolled > 0 and self.marked >= self.enrolled


# Enrolled students of each class, and their attendance on the day (at most one row per
# student: uk_attendance with class and session fixed).
CLASS_STATES_SQL = """
SELECT c.id,
       count(e.student_id)::int AS enrolled,
       count(a.id)::int AS marked,
       count(a.id) FILTER (WHERE a.status = 'PRESENT')::int AS present,
       count(a.id) FILTER (WHERE a.status = 'ABSENT')::int AS absent,
       count(a.id) FILTER (WHERE a.status = 'LATE')::int AS late
  FROM school_classes c
  LEFT JOIN student_enrollments e
         ON e.school_id = c.school_id AND e.class_id = c.id AND e.session_id = c.session_id AND e.active
  LEFT JOIN student_attendance a
         ON a.school_id = c.school_id AND a.class_id = c.id AND a.session_id = c.session_id
        AND a.student_id = e.student_id AND a.attendance_date = $4
 WHERE c.school_id = $1 AND c.session_id = $2 AND c.active AND ($3::bigint[] IS NULL OR c.id = ANY($3::bigint[]))
 GROUP BY c.id, c.name, c.section
 ORDER BY c.name, c.section NULLS FIRST, c.id
"""


async def class_states(ctx: Any, date: dt.date) -> list[ClassState]:
    """The caller's classes in the resolved session (an admin's: every active class) with the
    day's marking state: one aggregate statement for all of them."""
    if ctx.school_id is None or ctx.session_id is None:
        return []
    class_ids: list[int] | None = None
    if not _is_admin(ctx):
        class_ids = await my_class_ids(ctx, ctx.session_id)
        if not class_ids:
            return []
    rows = await ctx.db.fetch(CLASS_STATES_SQL, (ctx.school_id, ctx.session_id, class_ids, date))
    return [ClassState(*r) for r in rows]


@dataclass
class Stats:
    student_id: int
    present: int
    absent: int
    late: int
    half_day: int
    leave: int
    total: int

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def percentage(self) -> Decimal | None:
        return percentage(self.attended, self.total)


COUNTS = """
       count(a.id) FILTER (WHERE a.status = 'PRESENT')::int,
       count(a.id) FILTER (WHERE a.status = 'ABSENT')::int,
       count(a.id) FILTER (WHERE a.status = 'LATE')::int,
       count(a.id) FILTER (WHERE a.status = 'HALF_DAY')::int,
       count(a.id) FILTER (WHERE a.status = 'LEAVE')::int,
       count(a.id)::int"""

CLASS_ROW_SQL = "SELECT c.session_id FROM school_classes c WHERE c.id = $1 AND c.school_id = $2"

CLASS_SUMMARY_SQL = f"""
SELECT e.student_id,{COUNTS}
  FROM student_enrollments e
  LEFT JOIN student_attendance a
         ON a.school_id = e.school_id AND a.class_id = e.class_id AND a.session_id = e.session_id
        AND a.student_id = e.student_id AND a.attendance_date BETWEEN $4 AND $5
 WHERE e.school_id = $1 AND e.class_id = $2 AND e.session_id = $3 AND e.active
 GROUP BY e.student_id, e.roll_number
 ORDER BY e.roll_number NULLS LAST, e.student_id
"""


class NotAssigned(Exception):
    """The caller is a teacher of the school, not assigned to this class (or student)."""


async def class_summary(ctx: Any, class_id: int, start: dt.date, end: dt.date) -> list[Stats] | None:
    """Per actively enrolled student of the class (resolved session): counts over the range.
    None when the class does not exist in the caller's school."""
    check_range(start, end)
    if ctx.school_id is None or ctx.session_id is None:
        return None
    rows = await ctx.db.fetch(CLASS_ROW_SQL, (class_id, ctx.school_id))
    if not rows:
        return None
    if not await may_act_on_class(ctx, class_id):
        raise NotAssigned
    if rows[0][0] != ctx.session_id:
        raise BadInput("This class belongs to another academic session than the one in force (X-Session-Id).")
    found = await ctx.db.fetch(CLASS_SUMMARY_SQL, (ctx.school_id, class_id, ctx.session_id, start, end))
    return [Stats(*r) for r in found]


# The student, the class they are actively enrolled in this session (the teacher rule), and
# their attendance in the session over the range: marked in any class for school-wide readers,
# in the classes they teach for a teacher ($6, like the row filter of studentAttendance).
STUDENT_STATS_SQL = f"""
SELECT s.id,{COUNTS},
       (SELECT e.class_id FROM student_enrollments e
         WHERE e.school_id = s.school_id AND e.student_id = s.id AND e.session_id = $3 AND e.active
         LIMIT 1) AS class_id
  FROM students s
  LEFT JOIN student_attendance a
         ON a.school_id = s.school_id AND a.student_id = s.id AND a.session_id = $3
        AND a.attendance_date BETWEEN $4 AND $5 AND ($6::bigint[] IS NULL OR a.class_id = ANY($6::bigint[]))
 WHERE s.id = $2 AND s.school_id = $1
 GROUP BY s.id
"""


async def student_stats(ctx: Any, student_id: int, start: dt.date, end: dt.date) -> Stats | None:
    """One student's counts in the resolved session over the range; None when the student
    does not exist in the caller's school. A teacher must be assigned to the student's class."""
    check_range(start, end)
    if ctx.school_id is None or ctx.session_id is None:
        return None
    readable = None if _is_admin(ctx) else await readable_class_ids(ctx)  # a teacher: the classes they teach
    rows = await ctx.db.fetch(STUDENT_STATS_SQL, (ctx.school_id, student_id, ctx.session_id, start, end, readable))
    if not rows:
        return None
    *counts, class_id = rows[0]
    if not _is_admin(ctx) and (class_id is None or not await may_act_on_class(ctx, class_id)):
        raise NotAssigned
    return Stats(*counts)


@dataclass(frozen=True)
class Month:
    """One student's attendance counts in one month."""

    month: dt.date  # its first day
    present: int
    absent: int
    late: int
    half_day: int
    leave: int

    @property
    def total(self) -> int:
        return self.present + self.absent + self.late + self.half_day + self.leave

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def percentage(self) -> Decimal | None:
        return percentage(self.attended, self.total)


async def monthly(ctx: Any, student_ids: list[int]) -> dict[int, list[Month]]:
    """Per student, the attendance of each month of the academic session in force, in one
    statement for all of them, over the rows the caller may read (StudentAttendance's row
    filter: a guardian their children's, a teacher their classes', the office all)."""
    from sqlalchemy import BigInteger, Date, any_, cast, func, select
    from sqlalchemy.dialects.postgresql import ARRAY

    from kit import db, planner
    from kit.registry import spec_for_model

    spec = spec_for_model(models.StudentAttendance)
    bind = planner.Binder()
    a = planner.table_alias(spec, "monthly")
    visible = planner.visible(ctx, spec, a, bind)
    month = cast(func.date_trunc("month", a.c.attendance_date), Date)
    counts = [func.count().filter(a.c.status == s) for s in ("PRESENT", "ABSENT", "LATE", "HALF_DAY", "LEAVE")]
    stmt = (
        select(a.c.student_id, month, *counts)
        .where(
            *visible,
            a.c.session_id == bind(ctx.session_id if ctx.session_id is not None else -1),
            a.c.student_id == any_(bind(student_ids, ARRAY(BigInteger))),
        )
        .group_by(a.c.student_id, month)
        .order_by(a.c.student_id, month)
    )
    sql, names, constants = db.compile_statement(stmt, ("attendance_monthly", tuple(map(repr, bind.shapes))))
    rows = await ctx.db.fetch(sql, [bind.values[n] if n in bind.values else constants[n] for n in names])
    out: dict[int, list[Month]] = {}
    for student, first_day, *numbers in rows:
        out.setdefault(student, []).append(Month(first_day, *numbers))
    return out
