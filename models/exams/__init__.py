"""Exams, their subjects, marks and the grade scale (seed 001 test management domain)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, many, ref, school_ref


class ExamStatus(enum.Enum):
    """DRAFT -> SCHEDULED -> ONGOING -> COMPLETED -> LOCKED; nothing leaves LOCKED."""

    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    ONGOING = "ONGOING"
    COMPLETED = "COMPLETED"
    LOCKED = "LOCKED"


class Exam(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "exams"
    __table_args__ = (
        Index("idx_exam_class_session", "class_id", "session_id"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("class_id", "school_classes"),
        school_ref("session_id", "academic_sessions"),
    )
    __filterable__ = ("name", "exam_type", "status", "start_date", "end_date", "active", "class_id", "session_id")
    __sortable__ = ("start_date", "name", "created_at")

    class_id: Mapped[int]
    session_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    exam_type: Mapped[str | None] = mapped_column(String(50))
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    status: Mapped[ExamStatus | None] = mapped_column(Enum(ExamStatus, native_enum=False, length=20, validate_strings=True),
                                                      default=ExamStatus.DRAFT, server_default="DRAFT")

    school_class: Mapped["SchoolClass"] = ref("Exam", "class_id", "SchoolClass")
    session: Mapped["AcademicSession"] = ref("Exam", "session_id", "AcademicSession")
    exam_subjects: Mapped[list[ExamSubject]] = many("Exam", "ExamSubject", "exam_id")


class ExamSubject(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "exam_subjects"
    __table_args__ = (
        UniqueConstraint("school_id", "exam_id", "subject_id", name="uq_exam_subjects_exam_subject"),
        CheckConstraint("max_marks > 0", name="max_marks_positive"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("exam_id", "exams"),
        school_ref("subject_id", "subjects"),
    )
    __filterable__ = ("max_marks", "active")
    __sortable__ = ("created_at",)

    exam_id: Mapped[int]
    subject_id: Mapped[int]
    max_marks: Mapped[int] = mapped_column(Integer)

    exam: Mapped[Exam] = ref("ExamSubject", "exam_id", "Exam")
    subject: Mapped["Subject"] = ref("ExamSubject", "subject_id", "Subject")
    marks: Mapped[list[StudentMark]] = many("ExamSubject", "StudentMark", "exam_subject_id")


class StudentMark(SchoolTenantMixin, Base):
    __tablename__ = "student_marks"
    __table_args__ = (
        UniqueConstraint("school_id", "exam_id", "student_id", "exam_subject_id", name="uq_student_marks_exam_student_subject"),
        CheckConstraint("marks_obtained >= 0", name="marks_not_negative"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("exam_id", "exams"),
        school_ref("exam_subject_id", "exam_subjects"),
        school_ref("student_id", "students"),
    )
    __filterable__ = ("marks_obtained", "student_id", "exam_id")
    __sortable__ = ("marks_obtained", "created_at")

    exam_id: Mapped[int]
    exam_subject_id: Mapped[int]
    student_id: Mapped[int]
    marks_obtained: Mapped[int] = mapped_column(Integer)
    remarks: Mapped[str | None] = mapped_column(String(500))

    exam: Mapped[Exam] = ref("StudentMark", "exam_id", "Exam")
    exam_subject: Mapped[ExamSubject] = ref("StudentMark", "exam_subject_id", "ExamSubject")
    student: Mapped["Student"] = ref("StudentMark", "student_id", "Student")


class GradePolicy(ActiveMixin, SchoolTenantMixin, Base):
    """A grade for a percentage range. Active ranges of a school never overlap (enforced by
    the database). The seed's Double percentages are NUMERIC(5,2) here: exact boundaries."""

    __tablename__ = "grade_policies"
    __table_args__ = (
        Index("idx_grade_school", "school_id"),
        CheckConstraint("min_percent >= 0 AND max_percent <= 100 AND min_percent <= max_percent", name="range_valid"),
        # int8range(school_id, school_id): equality expressed as a range, so plain GiST
        # suffices (no btree_gist extension, which the embedded server does not ship)
        ExcludeConstraint((text("int8range(school_id, school_id, '[]')"), "&&"),
                          (text("numrange(min_percent, max_percent, '[]')"), "&&"),
                          name="ex_grade_policies_no_overlap", using="gist", where=text("active")),
        SchoolTenantMixin.tenant_unique(),
    )
    __filterable__ = ("grade", "min_percent", "max_percent", "active")
    __sortable__ = ("min_percent", "grade")

    min_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    max_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    grade: Mapped[str] = mapped_column(String(10))
