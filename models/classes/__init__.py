"""Classes and subjects (seed 001 class/subject domain)."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, many, ref, school_ref


class SchoolClass(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "school_classes"
    __table_args__ = (
        # NULL sections are equal here: "Class 5" twice in a session is a duplicate
        UniqueConstraint("school_id", "name", "section", "session_id", name="uk_school_class_school_name_section_session",
                         postgresql_nulls_not_distinct=True),
        Index("idx_schoolclass_schoolid_name_session", "school_id", "name", "session_id"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("session_id", "academic_sessions"),
        school_ref("class_teacher_id", "teachers"),
    )
    __filterable__ = ("name", "section", "capacity", "active", "session_id")
    __sortable__ = ("name", "section", "created_at")

    name: Mapped[str] = mapped_column(String(100))
    section: Mapped[str | None] = mapped_column(String(20))
    session_id: Mapped[int]
    capacity: Mapped[int | None] = mapped_column(Integer)
    class_teacher_id: Mapped[int | None]
    remarks: Mapped[str | None] = mapped_column(String(500))

    session: Mapped["AcademicSession"] = ref("SchoolClass", "session_id", "AcademicSession")
    class_teacher: Mapped["Teacher | None"] = ref("SchoolClass", "class_teacher_id", "Teacher")
    class_subjects: Mapped[list["ClassSubject"]] = many("SchoolClass", "ClassSubject", "class_id")
    enrollments: Mapped[list["StudentEnrollment"]] = many("SchoolClass", "StudentEnrollment", "class_id")


class Subject(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uk_subject_school_name"), SchoolTenantMixin.tenant_unique())
    __filterable__ = ("name", "code", "type", "active")
    __sortable__ = ("name", "code")

    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(20))
    type: Mapped[str | None] = mapped_column(String(50))
    max_marks: Mapped[int | None] = mapped_column(Integer)
    min_marks: Mapped[int | None] = mapped_column(Integer)
    remarks: Mapped[str | None] = mapped_column(String(500))


class ClassSubject(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "class_subjects"
    __table_args__ = (
        UniqueConstraint("school_id", "class_id", "subject_id", name="uk_class_subject"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("class_id", "school_classes"),
        school_ref("subject_id", "subjects"),
        school_ref("teacher_id", "teachers"),
    )
    __filterable__ = ("active", "display_order")
    __sortable__ = ("display_order",)

    class_id: Mapped[int]
    subject_id: Mapped[int]
    teacher_id: Mapped[int | None]
    display_order: Mapped[int | None] = mapped_column(Integer)

    school_class: Mapped[SchoolClass] = ref("ClassSubject", "class_id", "SchoolClass")
    subject: Mapped[Subject] = ref("ClassSubject", "subject_id", "Subject")
    teacher: Mapped["Teacher | None"] = ref("ClassSubject", "teacher_id", "Teacher")
