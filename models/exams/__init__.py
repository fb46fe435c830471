"""Exams, their subjects, marks and the grade scale (seed 001 test management domain)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, reference
from models.entity import Entity, Writes
from models.school.access import (
    ADMINS,
    READERS_AND_FAMILIES,
    family_exam_subjects,
    family_exams,
    family_marks,
)

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.classes import SchoolClass, Subject
    from models.school import AcademicSession
    from models.students import Student


class ExamStatus(enum.Enum):
    """DRAFT -> SCHEDULED -> ONGOING -> COMPLETED -> LOCKED; nothing leaves LOCKED."""

    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    ONGOING = "ONGOING"
    COMPLETED = "COMPLETED"
    LOCKED = "LOCKED"


class Exam(ActiveMixin, SchoolTenantMixin, Base):
    """An exam of a class in an academic session (examCreate, examStatusUpdate): its subjects
    carry the maximum marks, its marks are recorded until it is LOCKED."""

    __tablename__ = "exams"
    __table_args__ = (
        Index("idx_exam_class_session", "class_id", "session_id"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_exams,
        list="exams",
        filter=("name", "exam_type", "status", "start_date", "end_date", "active", "class_id", "session_id"),
        order=("start_date", "name", "created_at"),
    )

    school_class: Mapped[SchoolClass] = reference(column="class_id")
    session: Mapped[AcademicSession] = reference()
    name: Mapped[str] = mapped_column(String(100))
    exam_type: Mapped[str | None] = mapped_column(
        String(50), comment="Kind of exam (unit test, half-yearly, final...)."
    )
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    status: Mapped[ExamStatus | None] = mapped_column(
        Enum(ExamStatus, native_enum=False, length=20, validate_strings=True),
        default=ExamStatus.DRAFT,
        server_default="DRAFT",
        comment="Moves forward only (examStatusUpdate); nothing leaves LOCKED.",
    )


class ExamSubject(ActiveMixin, SchoolTenantMixin, Base):
    """A subject of an exam, with its maximum marks (examSubjectAdd)."""

    __tablename__ = "exam_subjects"
    __table_args__ = (
        UniqueConstraint("school_id", "exam_id", "subject_id", name="uq_exam_subjects_exam_subject"),
        CheckConstraint("max_marks > 0", name="max_marks_positive"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_exam_subjects,
        list="examSubjects",
        filter=("max_marks", "active"),
        order=("created_at",),
    )

    exam: Mapped[Exam] = reference(back="exam_subjects")
    subject: Mapped[Subject] = reference()
    max_marks: Mapped[int] = mapped_column(Integer, comment="Marks of a full score; above 0.")


class StudentMark(SchoolTenantMixin, Base):
    """A student's marks in one subject of an exam (marksRecord: recording again replaces)."""

    __tablename__ = "student_marks"
    __table_args__ = (
        UniqueConstraint(
            "school_id", "exam_id", "student_id", "exam_subject_id", name="uq_student_marks_exam_student_subject"
        ),
        CheckConstraint("marks_obtained >= 0", name="marks_not_negative"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_marks(),
        list="studentMarks",
        about="Marks of the active school; a teacher reads those of the classes they teach.",
        filter=("marks_obtained", "student_id", "exam_id"),
        order=("marks_obtained", "created_at"),
    )

    exam: Mapped[Exam] = reference()
    exam_subject: Mapped[ExamSubject] = reference(back="marks")
    student: Mapped[Student] = reference(back="marks")
    marks_obtained: Mapped[int] = mapped_column(Integer, comment="At most the exam subject's maximum marks.")
    remarks: Mapped[str | None] = mapped_column(String(500))


class GradePolicy(ActiveMixin, SchoolTenantMixin, Base):
    """A grade for a percentage range; active ranges of a school never overlap (enforced by
    the database). The seed's Double percentages are NUMERIC(5,2) here: exact boundaries."""

    __tablename__ = "grade_policies"
    __table_args__ = (
        Index("idx_grade_school", "school_id"),
        CheckConstraint("min_percent >= 0 AND max_percent <= 100 AND min_percent <= max_percent", name="range_valid"),
        # int8range(school_id, school_id): equality expressed as a range, so plain GiST
        # suffices (no btree_gist extension, which the embedded server does not ship)
        ExcludeConstraint(
            (text("int8range(school_id, school_id, '[]')"), "&&"),
            (text("numrange(min_percent, max_percent, '[]')"), "&&"),
            name="ex_grade_policies_no_overlap",
            using="gist",
            where=text("active"),
        ),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        list="gradePolicies",
        filter=("grade", "min_percent", "max_percent", "active"),
        order=("min_percent", "grade"),
        write=Writes(
            ADMINS, fields=("min_percent", "max_percent", "grade"), required=("min_percent", "max_percent", "grade")
        ),
    )

    min_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), comment="Lowest percentage of the grade (inclusive).")
    max_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), comment="Highest percentage of the grade (inclusive).")
    grade: Mapped[str] = mapped_column(String(10))
