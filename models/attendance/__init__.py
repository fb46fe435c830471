"""Daily attendance of students (seed 001 attendance domain)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, SchoolTenantMixin, ref, school_ref


class AttendanceStatus(enum.Enum):
    PRESENT = "PRESENT"
    ABSENT = "ABSENT"
    LATE = "LATE"
    HALF_DAY = "HALF_DAY"
    LEAVE = "LEAVE"


class StudentAttendance(SchoolTenantMixin, Base):
    __tablename__ = "student_attendance"
    __table_args__ = (
        UniqueConstraint("school_id", "class_id", "student_id", "attendance_date", "session_id", name="uk_attendance"),
        Index("idx_attendance_school_date", "school_id", "attendance_date"),
        Index("idx_attendance_student_date", "student_id", "attendance_date"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("class_id", "school_classes"),
        school_ref("session_id", "academic_sessions"),
        school_ref("student_id", "students"),
    )
    __filterable__ = ("attendance_date", "status", "class_id", "student_id", "session_id")
    __sortable__ = ("attendance_date",)

    class_id: Mapped[int]
    session_id: Mapped[int]
    student_id: Mapped[int]
    attendance_date: Mapped[dt.date]
    status: Mapped[AttendanceStatus] = mapped_column(Enum(AttendanceStatus, native_enum=False, length=20, validate_strings=True))
    remarks: Mapped[str | None] = mapped_column(String(500))

    student: Mapped["Student"] = ref("StudentAttendance", "student_id", "Student")
    school_class: Mapped["SchoolClass"] = ref("StudentAttendance", "class_id", "SchoolClass")
