"""Classes and subjects (seed 001 class/subject domain)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, reference
from models.entity import Entity, Writes
from models.school.access import ADMINS, READERS_AND_FAMILIES, family_class_records, family_classes

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.school import AcademicSession
    from models.teachers import Teacher


class SchoolClass(ActiveMixin, SchoolTenantMixin, Base):
    """A class (and section) of one academic session: students are enrolled in it, subjects are
    taught in it, attendance and exams are kept per class."""

    __tablename__ = "school_classes"
    __table_args__ = (
        # NULL sections are equal here: "Class 5" twice in a session is a duplicate
        UniqueConstraint(
            "school_id",
            "name",
            "section",
            "session_id",
            name="uk_school_class_school_name_section_session",
            postgresql_nulls_not_distinct=True,
        ),
        Index("idx_schoolclass_schoolid_name_session", "school_id", "name", "session_id"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_classes,
        list="schoolClasses",
        about="Classes of the active school.",
        filter=("name", "section", "capacity", "active", "session_id"),
        order=("name", "section", "created_at"),
        write=Writes(
            ADMINS,
            fields=("name", "section", "session_id", "capacity", "class_teacher_id", "remarks"),
            required=("name", "session_id"),
            immutable=("session_id",),
            after="resolvers.classes.service.no_student_left_behind",
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    section: Mapped[str | None] = mapped_column(String(20))
    session: Mapped[AcademicSession] = reference()
    capacity: Mapped[int | None] = mapped_column(Integer, comment="Seats in the class; null: not capped.")
    class_teacher: Mapped[Teacher | None] = reference()
    remarks: Mapped[str | None] = mapped_column(String(500))


class Subject(ActiveMixin, SchoolTenantMixin, Base):
    """A subject the school teaches (master data), with its default marks."""

    __tablename__ = "subjects"
    __table_args__ = (
        UniqueConstraint("school_id", "name", name="uk_subject_school_name"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        list="subjects",
        filter=("name", "code", "type", "active"),
        order=("name", "code"),
        write=Writes(ADMINS, fields=("name", "code", "type", "max_marks", "min_marks", "remarks"), required=("name",)),
    )

    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(20))
    type: Mapped[str | None] = mapped_column(String(50), comment="Kind of subject (theory, practical, language...).")
    max_marks: Mapped[int | None] = mapped_column(Integer, comment="Usual maximum marks (an exam sets its own).")
    min_marks: Mapped[int | None] = mapped_column(Integer, comment="Pass marks.")
    remarks: Mapped[str | None] = mapped_column(String(500))


class ClassSubject(ActiveMixin, SchoolTenantMixin, Base):
    """A subject taught in a class, and who teaches it."""

    __tablename__ = "class_subjects"
    __table_args__ = (
        UniqueConstraint("school_id", "class_id", "subject_id", name="uk_class_subject"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_class_records,
        list="classSubjects",
        filter=("active", "display_order"),
        order=("display_order",),
        write=Writes(
            ADMINS,
            fields=("class_id", "subject_id", "teacher_id", "display_order"),
            required=("class_id", "subject_id"),
            immutable=("class_id", "subject_id"),
        ),
    )

    school_class: Mapped[SchoolClass] = reference(column="class_id", back="class_subjects")
    subject: Mapped[Subject] = reference()
    teacher: Mapped[Teacher | None] = reference()
    display_order: Mapped[int | None] = mapped_column(Integer, comment="Position of the subject in the class's lists.")
