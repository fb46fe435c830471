"""Students, enrollments, guardians, documents, promotions (seed 001 student domain)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, many, ref, school_ref


class Gender(enum.Enum):
    MALE = "MALE"
    FEMALE = "FEMALE"
    OTHER = "OTHER"


class StudentStatus(enum.Enum):  # seed appendix
    ENROLLED = "ENROLLED"
    PASSED_OUT = "PASSED_OUT"
    LEFT = "LEFT"
    SUSPENDED = "SUSPENDED"
    WITHDRAWN = "WITHDRAWN"


class AdmissionType(enum.Enum):
    NEW = "NEW"
    TRANSFER = "TRANSFER"
    READMISSION = "READMISSION"
    PROMOTION = "PROMOTION"


class PromotionType(enum.Enum):
    PROMOTED = "PROMOTED"
    DETAINED = "DETAINED"
    DOUBLE_PROMOTED = "DOUBLE_PROMOTED"
    GRADUATED = "GRADUATED"


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


class Student(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "students"
    __table_args__ = (
        Index("idx_student_school_adm", "school_id", "admission_number"),
        Index("idx_student_school_aadhar", "school_id", "aadhar_number"),
        # not in the seed, which only indexes it: two students with one admission number is a bug
        UniqueConstraint("school_id", "admission_number", name="uq_students_school_admission_number"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("current_class_id", "school_classes"),
    )
    __filterable__ = ("admission_number", "first_name", "last_name", "gender", "current_status", "current_class_id",
                      "date_of_admission", "active", "city")
    __sortable__ = ("admission_number", "first_name", "last_name", "date_of_admission", "created_at")

    admission_number: Mapped[str] = mapped_column(String(50))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    dob: Mapped[dt.date | None]
    gender: Mapped[Gender] = mapped_column(_enum(Gender, 10))
    pen: Mapped[str | None] = mapped_column(String(50))
    aadhar_number: Mapped[str | None] = mapped_column(String(20))
    religion: Mapped[str | None] = mapped_column(String(50))
    caste: Mapped[str | None] = mapped_column(String(50))
    category: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    pincode: Mapped[str | None] = mapped_column(String(20))
    contact_number: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(255))
    blood_group: Mapped[str | None] = mapped_column(String(10))
    photo_url: Mapped[str | None] = mapped_column(String(1000))
    date_of_admission: Mapped[dt.date | None]
    date_of_leaving: Mapped[dt.date | None]
    reason_for_leaving: Mapped[str | None] = mapped_column(String(500))
    previous_school_name: Mapped[str | None] = mapped_column(String(255))
    previous_school_contact: Mapped[str | None] = mapped_column(String(100))
    previous_school_address: Mapped[str | None] = mapped_column(String(500))
    previous_school_board: Mapped[str | None] = mapped_column(String(100))
    previous_class: Mapped[str | None] = mapped_column(String(50))
    previous_year_of_passing: Mapped[str | None] = mapped_column(String(10))
    transfer_certificate_number: Mapped[str | None] = mapped_column(String(100))
    reason_for_leaving_previous_school: Mapped[str | None] = mapped_column(String(500))
    current_status: Mapped[StudentStatus | None] = mapped_column(_enum(StudentStatus))
    current_class_id: Mapped[int | None]
    remarks: Mapped[str | None] = mapped_column(String(500))

    current_class: Mapped["SchoolClass | None"] = ref("Student", "current_class_id", "SchoolClass")
    enrollments: Mapped[list[StudentEnrollment]] = many("Student", "StudentEnrollment", "student_id")
    student_guardians: Mapped[list[StudentGuardian]] = many("Student", "StudentGuardian", "student_id")
    documents: Mapped[list[StudentDocument]] = many("Student", "StudentDocument", "student_id")
    attendance: Mapped[list["StudentAttendance"]] = many("Student", "StudentAttendance", "student_id")
    marks: Mapped[list["StudentMark"]] = many("Student", "StudentMark", "student_id")
    promotion_records: Mapped[list[PromotionRecord]] = many("Student", "PromotionRecord", "student_id")


class StudentEnrollment(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "student_enrollments"
    __table_args__ = (
        # The seed's uk_student_session (student_id, session_id, active) forbade a second
        # *inactive* enrollment; the rule is one active enrollment per student and session.
        Index("uk_student_session_active", "student_id", "session_id", unique=True, postgresql_where=text("active")),
        Index("idx_enroll_student_session", "student_id", "session_id"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("student_id", "students"),
        school_ref("class_id", "school_classes"),
        school_ref("session_id", "academic_sessions"),
    )
    __filterable__ = ("active", "section", "roll_number", "admission_type", "start_date", "end_date", "session_id")
    __sortable__ = ("roll_number", "enrollment_date", "start_date", "created_at")

    student_id: Mapped[int]
    class_id: Mapped[int]
    section: Mapped[str | None] = mapped_column(String(20))
    session_id: Mapped[int]
    roll_number: Mapped[int | None] = mapped_column(Integer)
    enrollment_date: Mapped[dt.date | None]
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    admission_type: Mapped[AdmissionType | None] = mapped_column(_enum(AdmissionType))
    remarks: Mapped[str | None] = mapped_column(String(500))

    student: Mapped[Student] = ref("StudentEnrollment", "student_id", "Student")
    school_class: Mapped["SchoolClass"] = ref("StudentEnrollment", "class_id", "SchoolClass")
    session: Mapped["AcademicSession"] = ref("StudentEnrollment", "session_id", "AcademicSession")


class Guardian(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "guardians"
    __table_args__ = (
        UniqueConstraint("school_id", "contact_number", name="uk_guardian_school_contact"),
        Index("idx_guardian_school_aadhar", "school_id", "aadhar_number"),
        SchoolTenantMixin.tenant_unique(),
    )
    __filterable__ = ("name", "contact_number", "relation", "active")
    __sortable__ = ("name",)

    name: Mapped[str] = mapped_column(String(255))
    aadhar_number: Mapped[str | None] = mapped_column(String(20))
    relation: Mapped[str | None] = mapped_column(String(50))
    contact_number: Mapped[str] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    occupation: Mapped[str | None] = mapped_column(String(100))
    qualification: Mapped[str | None] = mapped_column(String(100))
    whatsapp_enabled: Mapped[bool] = mapped_column(default=True, server_default="true")
    photo_url: Mapped[str | None] = mapped_column(String(1000))

    student_guardians: Mapped[list[StudentGuardian]] = many("Guardian", "StudentGuardian", "guardian_id")


class StudentGuardian(SchoolTenantMixin, Base):
    __tablename__ = "student_guardians"
    __table_args__ = (
        UniqueConstraint("student_id", "guardian_id", name="uk_student_guardian"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("student_id", "students"),
        school_ref("guardian_id", "guardians"),
    )
    __filterable__ = ("primary_guardian",)

    student_id: Mapped[int]
    guardian_id: Mapped[int]
    primary_guardian: Mapped[bool] = mapped_column(default=False, server_default="false")

    student: Mapped[Student] = ref("StudentGuardian", "student_id", "Student")
    guardian: Mapped[Guardian] = ref("StudentGuardian", "guardian_id", "Guardian")


class StudentDocument(SchoolTenantMixin, Base):
    __tablename__ = "student_documents"
    __table_args__ = (
        Index("idx_student_document_student", "student_id"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("student_id", "students"),
    )
    __filterable__ = ("file_type", "file_name", "uploaded_at")
    __sortable__ = ("uploaded_at", "file_name")

    student_id: Mapped[int]
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_url: Mapped[str | None] = mapped_column(String(1000))
    uploaded_at: Mapped[dt.datetime | None]
    remarks: Mapped[str | None] = mapped_column(String(500))

    student: Mapped[Student] = ref("StudentDocument", "student_id", "Student")


class PromotionRecord(SchoolTenantMixin, Base):
    """Append-only: one row per student promoted (or detained) from a class and session."""

    __tablename__ = "promotion_records"
    __table_args__ = (
        Index("idx_promotion_student_target_session", "student_id", "target_session_id"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("student_id", "students"),
        school_ref("source_session_id", "academic_sessions"),
        school_ref("target_session_id", "academic_sessions"),
        school_ref("source_class_id", "school_classes"),
        school_ref("target_class_id", "school_classes"),
    )
    __filterable__ = ("promotion_type", "promoted_at")
    __sortable__ = ("promoted_at",)

    student_id: Mapped[int]
    source_session_id: Mapped[int]
    target_session_id: Mapped[int]
    source_class_id: Mapped[int]
    target_class_id: Mapped[int]
    promotion_type: Mapped[PromotionType] = mapped_column(_enum(PromotionType))
    promoted_by: Mapped[str] = mapped_column(String(255))
    promoted_at: Mapped[dt.datetime]
    remarks: Mapped[str | None] = mapped_column(String(500))

    student: Mapped[Student] = ref("PromotionRecord", "student_id", "Student")
    source_class: Mapped["SchoolClass"] = ref("PromotionRecord", "source_class_id", "SchoolClass")
    target_class: Mapped["SchoolClass"] = ref("PromotionRecord", "target_class_id", "SchoolClass")
    source_session: Mapped["AcademicSession"] = ref("PromotionRecord", "source_session_id", "AcademicSession")
    target_session: Mapped["AcademicSession"] = ref("PromotionRecord", "target_session_id", "AcademicSession")

