"""Daily attendance of students (seed 001 attendance domain)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
import enum

from sqlalchemy import Enum, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, SchoolTenantMixin, reference, school_ref
from models.entity import Entity
from models.school.access import READERS_AND_FAMILIES, family_attendance

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.classes import SchoolClass
    from models.students import Student


class AttendanceStatus(enum.Enum):
    PRESENT = "PRESENT"
    ABSENT = "ABSENT"
    LATE = "LATE"
    HALF_DAY = "HALF_DAY"
    LEAVE = "LEAVE"


class StudentAttendance(SchoolTenantMixin, Base):
    """One student's attendance on one date, in a class of an academic session (written by
    attendanceMark: marking again replaces status and remarks)."""

    __tablename__ = "student_attendance"
    __table_args__ = (
        UniqueConstraint("school_id", "class_id", "student_id", "attendance_date", "session_id", name="uk_attendance"),
        Index("idx_attendance_school_date", "school_id", "attendance_date"),
        Index("idx_attendance_student_date", "student_id", "attendance_date"),
        SchoolTenantMixin.tenant_unique(),
        # not a reference(): its filter has taken the session's database id (IntFilter) since the
        # start, and a reference would make it a global ID; `session` is a computed field (schema/attendance.py)
        school_ref("session_id", "academic_sessions"),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_attendance(),
        list="studentAttendance",
        hide=("session_id",),
        about="Attendance rows of the active school (filter by date, class, student, status); a teacher reads those "
        "of the classes they teach (class teacher or teacher of one of its subjects).",
        filter=("attendance_date", "status", "class_id", "student_id", "session_id"),
        order=("attendance_date",),
    )

    school_class: Mapped[SchoolClass] = reference(column="class_id")
    session_id: Mapped[int] = mapped_column(comment="The academic session (database id; the `session` field reads it).")
    student: Mapped[Student] = reference(back="attendance")
    attendance_date: Mapped[dt.date] = mapped_column(comment="The school's local date; never in the future.")
    status: Mapped[AttendanceStatus] = mapped_column(
        Enum(AttendanceStatus, native_enum=False, length=20, validate_strings=True),
        comment="PRESENT and LATE count as attended.",
    )
    remarks: Mapped[str | None] = mapped_column(String(500))
