"""Daily attendance (seed 001 attendance domain): the rows, marking a whole class from a
teacher's phone (`attendanceMark`), and the reads of dashboards and phones (`myClasses`,
`classAttendanceSummary`, `studentAttendanceStats`). Rules: resolvers/attendance/service.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

import models
from kit import clock
from auth.permissions import declare
from kit.connection import graphql_enum
from kit.declared import type_of
from kit.errors import UserError, UserErrors
from kit.fields import Forbidden, authorize, declare_cost, load_entity
from kit.model_types import extend_type
from kit.registry import spec_for_model
from models.school.access import MARKERS
from resolvers.attendance import service
from schema.students import Student  # made there first: its computed fields (pendingTotal)

AttendanceStatus = graphql_enum(models.AttendanceStatus)


SchoolClass = type_of(models.SchoolClass)
AcademicSession = type_of(models.AcademicSession)


@extend_type(models.StudentAttendance)
class StudentAttendance:
    """One student's attendance on one date, in a class of an academic session (written by
    attendanceMark: marking again replaces status and remarks)."""

    @strawberry.field(description="The academic session of the record.")
    def session(self, info: Info) -> AcademicSession:
        return load_entity(info, models.AcademicSession, self.session_id)


# Who marks and reads class attendance (MARKERS): school admins (any class of the school) and
# teachers (the classes they are assigned to: class teacher or teacher of one of its subjects).


def _load(info: Info, model: type, pk: int) -> Any:
    """The entity through the request's loader with the client's selection (batched)."""
    return info.context.loaders.by_key(spec_for_model(model), "id", info._raw_info).load(pk)


# ---- reads --------------------------------------------------------------------------------


@strawberry.type(description="A class and the state of its attendance on one date (a teacher's phone, a dashboard).")
class ClassAttendanceState:
    class_id: strawberry.Private[int]
    date: dt.date
    enrolled: int = strawberry.field(description="Students actively enrolled in the class.")
    marked: int = strawberry.field(description="Enrolled students marked on the date (any status).")
    present: int = strawberry.field(description="Marked PRESENT.")
    absent: int = strawberry.field(description="Marked ABSENT.")
    late: int = strawberry.field(description="Marked LATE.")
    complete: bool = strawberry.field(
        description="Every enrolled student is marked (false for a class without students)."
    )

    @strawberry.field
    def school_class(self, info: Info) -> SchoolClass:
        return _load(info, models.SchoolClass, self.class_id)


@strawberry.type(
    description="A student's attendance over a date range of the academic session in force. "
    "attended = PRESENT + LATE; total = days marked with any status; "
    "percentage = 100 × attended / total, rounded half up to 2 places, null when nothing is marked."
)
class StudentAttendanceStats:
    student_id: strawberry.Private[int]
    from_: dt.date = strawberry.field(name="from")
    to: dt.date
    present: int
    absent: int
    late: int
    half_day: int
    leave: int
    total: int = strawberry.field(description="Days marked, any status.")
    attended: int = strawberry.field(description="PRESENT + LATE: the days that count as attended.")
    percentage: Decimal | None = strawberry.field(
        description="100 × attended / total, 2 places (half up); null when no day is marked in the range."
    )

    @strawberry.field
    def student(self, info: Info) -> Student:
        return _load(info, models.Student, self.student_id)

    @classmethod
    def of(cls, stats: service.Stats, start: dt.date, end: dt.date) -> StudentAttendanceStats:
        return cls(
            student_id=stats.student_id,
            from_=start,
            to=end,
            present=stats.present,
            absent=stats.absent,
            late=stats.late,
            half_day=stats.half_day,
            leave=stats.leave,
            total=stats.total,
            attended=stats.attended,
            percentage=stats.percentage,
        )


@strawberry.type(description="Attendance of every actively enrolled student of a class over a date range.")
class ClassAttendanceSummary:
    class_id: strawberry.Private[int]
    from_: dt.date = strawberry.field(name="from")
    to: dt.date
    students: list[StudentAttendanceStats] = strawberry.field(description="One per enrolled student, by roll number.")

    @strawberry.field
    def school_class(self, info: Info) -> SchoolClass:
        return _load(info, models.SchoolClass, self.class_id)


From = Annotated[dt.date, strawberry.argument(name="from", description="First day (inclusive).")]
To = Annotated[dt.date, strawberry.argument(description="Last day (inclusive); at most 366 days after `from`.")]


@strawberry.type
class Query:
    @strawberry.field(
        description="The classes you are assigned to in the academic session in force (a school admin: "
        "every active class), each with its attendance state on `date` (default: the school's today)."
    )
    async def my_classes(self, info: Info, date: dt.date | None = None) -> list[ClassAttendanceState]:
        authorize(info, MARKERS)
        day = date or clock.today()
        states = await service.class_states(info.context, day)
        return [
            ClassAttendanceState(
                class_id=s.class_id,
                date=day,
                enrolled=s.enrolled,
                marked=s.marked,
                present=s.present,
                absent=s.absent,
                late=s.late,
                complete=s.complete,
            )
            for s in states
        ]

    @strawberry.field(
        description="Per enrolled student of a class: days present, absent, late, ... and the attendance "
        "percentage over a range. Null when there is no such class in your school; teachers "
        "only for the classes they are assigned to (FORBIDDEN otherwise)."
    )
    async def class_attendance_summary(
        self, info: Info, class_id: strawberry.ID, from_: From, to: To
    ) -> ClassAttendanceSummary | None:
        authorize(info, MARKERS)
        pk = service.decode_arg(class_id, "SchoolClass", "classId")
        try:
            rows = await service.class_summary(info.context, pk, from_, to)
        except service.NotAssigned:
            raise Forbidden() from None
        if rows is None:
            return None
        return ClassAttendanceSummary(
            class_id=pk, from_=from_, to=to, students=[StudentAttendanceStats.of(r, from_, to) for r in rows]
        )

    @strawberry.field(
        description="One student's attendance in the academic session in force over a range. Null when "
        "there is no such student in your school; teachers only for students of their classes, "
        "counting the days marked in the classes they teach."
    )
    async def student_attendance_stats(
        self, info: Info, student_id: strawberry.ID, from_: From, to: To
    ) -> StudentAttendanceStats | None:
        authorize(info, MARKERS)
        pk = service.decode_arg(student_id, "Student", "studentId")
        try:
            stats = await service.student_stats(info.context, pk, from_, to)
        except service.NotAssigned:
            raise Forbidden() from None
        return None if stats is None else StudentAttendanceStats.of(stats, from_, to)


declare("Query.myClasses", MARKERS)
declare("Query.classAttendanceSummary", MARKERS)
declare("Query.studentAttendanceStats", MARKERS)
# Plain lists are not multiplied by the cost rule: these reports carry a class's (or a
# teacher's classes') worth of rows as a flat cost instead.
declare_cost("Query.myClasses", 20)
declare_cost("Query.classAttendanceSummary", 50)


# ---- marking ------------------------------------------------------------------------------


@strawberry.input(description="One student's attendance.")
class AttendanceEntryInput:
    student_id: strawberry.ID
    status: AttendanceStatus
    remarks: str | None = None


@strawberry.input(description="A whole class on one date.")
class AttendanceMarkInput:
    class_id: strawberry.ID
    date: dt.date = strawberry.field(
        description="Today or earlier (the school's date), inside the academic session in force."
    )
    entries: list[AttendanceEntryInput] = strawberry.field(
        description="One per student, each actively enrolled in the class."
    )


@strawberry.type
class AttendanceMarkPayload:
    errors: list[UserError]
    marked: int = strawberry.field(default=0, description="Attendance rows written (created or updated).")
    class_id: strawberry.Private[int | None] = None

    @strawberry.field
    def school_class(self, info: Info) -> SchoolClass | None:
        return None if self.class_id is None else _load(info, models.SchoolClass, self.class_id)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Mark (or re-mark) a whole class for one date in one call: one row per student under the unique key "
            "(class, student, date, academic session); marking again replaces status and remarks. Refused as a whole when "
            "an entry names a student not actively enrolled in the class (the entry's index is in `field`), a student twice, "
            "or the date is in the future. School admins mark any class; teachers only the classes they are assigned to "
            "(otherwise a FORBIDDEN error in `errors`). A class of another school is NOT_FOUND like a missing one."
        )
    )
    async def attendance_mark(self, info: Info, input: AttendanceMarkInput) -> AttendanceMarkPayload:  # noqa: A002
        authorize(info, MARKERS)
        entries = [
            service.Entry(student_id=e.student_id, status=e.status.value, remarks=e.remarks) for e in input.entries
        ]
        try:
            class_id, marked = await service.mark(info.context, input.class_id, input.date, entries)
        except UserErrors as exc:
            return AttendanceMarkPayload(errors=exc.errors)
        return AttendanceMarkPayload(errors=[], marked=marked, class_id=class_id)


declare("Mutation.attendanceMark", MARKERS)

mutations = (Mutation,)
