"""Students, enrollments, guardians, documents, promotions (seed 001 student domain)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from auth.permissions import SCHOOL_ADMINS, roles
from models.base import ActiveMixin, Base, SchoolTenantMixin, reference
from models.entity import Entity, Internal, Writes
from models.school.access import (
    ADMINS,
    FAMILY_ROLES,
    CONTACTS,
    IDENTITY_NUMBERS,
    READERS_AND_FAMILIES,
    family_rows,
    own_guardian_links,
    own_guardian_records,
    shared_documents,
)

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.classes import SchoolClass
    from models.school import AcademicSession


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


# the student's own details: what admission takes and an update may change (not the admission date)
STUDENT_FIELDS = (
    "admission_number",
    "first_name",
    "last_name",
    "dob",
    "gender",
    "pen",
    "aadhar_number",
    "religion",
    "caste",
    "category",
    "address",
    "city",
    "state",
    "pincode",
    "contact_number",
    "email",
    "blood_group",
    "photo_url",
    "date_of_admission",
    "previous_school_name",
    "previous_school_contact",
    "previous_school_address",
    "previous_school_board",
    "previous_class",
    "previous_year_of_passing",
    "transfer_certificate_number",
    "reason_for_leaving_previous_school",
    "remarks",
)


class Student(ActiveMixin, SchoolTenantMixin, Base):
    """A student of the school: admitted once (studentAdmit), enrolled in a class per academic
    session, withdrawn or promoted by workflows; identity numbers and contacts are protected."""

    __tablename__ = "students"
    __table_args__ = (
        Index("idx_student_school_adm", "school_id", "admission_number"),
        Index("idx_student_school_aadhar", "school_id", "aadhar_number"),
        # not in the seed, which only indexes it: two students with one admission number is a bug
        UniqueConstraint("school_id", "admission_number", name="uq_students_school_admission_number"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_rows("id"),
        list="students",
        about="Students of the active school: search with filter (a guardian: their children; a student: themselves).",
        filter=(
            "admission_number",
            "first_name",
            "last_name",
            "gender",
            "current_status",
            "current_class_id",
            "date_of_admission",
            "active",
            "city",
        ),
        order=("admission_number", "first_name", "last_name", "date_of_admission", "created_at"),
        protect={"aadhar_number": IDENTITY_NUMBERS, "contact_number": CONTACTS, "email": CONTACTS, "address": CONTACTS},
        # created by studentAdmit (a workflow); updated and deactivated as master data
        write=Writes(
            ADMINS,
            fields=tuple(f for f in STUDENT_FIELDS if f != "date_of_admission"),
            verbs=("update", "deactivate"),
            after="resolvers.students.service.after_student",
        ),
    )

    admission_number: Mapped[str] = mapped_column(String(50))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    dob: Mapped[dt.date | None]
    gender: Mapped[Gender] = mapped_column(_enum(Gender, 10))
    pen: Mapped[str | None] = mapped_column(String(50), comment="Permanent Education Number (national student id).")
    aadhar_number: Mapped[str | None] = mapped_column(
        String(20), comment="Identity number: school admins and platform roles only."
    )
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
    date_of_leaving: Mapped[dt.date | None] = mapped_column(comment="Set by studentWithdraw.")
    reason_for_leaving: Mapped[str | None] = mapped_column(String(500), comment="Set by studentWithdraw.")
    previous_school_name: Mapped[str | None] = mapped_column(String(255))
    previous_school_contact: Mapped[str | None] = mapped_column(String(100))
    previous_school_address: Mapped[str | None] = mapped_column(String(500))
    previous_school_board: Mapped[str | None] = mapped_column(String(100))
    previous_class: Mapped[str | None] = mapped_column(String(50))
    previous_year_of_passing: Mapped[str | None] = mapped_column(String(10))
    transfer_certificate_number: Mapped[str | None] = mapped_column(String(100))
    reason_for_leaving_previous_school: Mapped[str | None] = mapped_column(String(500))
    current_status: Mapped[StudentStatus | None] = mapped_column(
        _enum(StudentStatus), comment="Kept by the admission, withdrawal and promotion workflows."
    )
    current_class: Mapped[SchoolClass | None] = reference(
        comment="The class of the enrollment in force (kept by workflows)."
    )
    remarks: Mapped[str | None] = mapped_column(String(500))


class StudentEnrollment(ActiveMixin, SchoolTenantMixin, Base):
    """A student's place in a class for one academic session (studentAdmit, studentEnroll,
    studentWithdraw and studentsPromote write them; one active enrollment per student and session)."""

    __tablename__ = "student_enrollments"
    __table_args__ = (
        # The seed's uk_student_session (student_id, session_id, active) forbade a second
        # *inactive* enrollment; the rule is one active enrollment per student and session.
        Index("uk_student_session_active", "student_id", "session_id", unique=True, postgresql_where=text("active")),
        Index("idx_enroll_student_session", "student_id", "session_id"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_rows(),
        list="studentEnrollments",
        filter=("active", "section", "roll_number", "admission_type", "start_date", "end_date", "session_id"),
        order=("roll_number", "enrollment_date", "start_date", "created_at"),
    )

    student: Mapped[Student] = reference(back="enrollments")
    school_class: Mapped[SchoolClass] = reference(column="class_id", back="enrollments")
    section: Mapped[str | None] = mapped_column(String(20))
    session: Mapped[AcademicSession] = reference()
    roll_number: Mapped[int | None] = mapped_column(Integer)
    enrollment_date: Mapped[dt.date | None]
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None] = mapped_column(comment="Set when the enrollment ends (withdrawal, promotion).")
    admission_type: Mapped[AdmissionType | None] = mapped_column(_enum(AdmissionType))
    remarks: Mapped[str | None] = mapped_column(String(500))


class Guardian(ActiveMixin, SchoolTenantMixin, Base):
    """A parent or guardian known to the school (found by contact number), linked to students
    through StudentGuardian. Its school is implicit: every row is the active school's."""

    __tablename__ = "guardians"
    __table_args__ = (
        UniqueConstraint("school_id", "contact_number", name="uk_guardian_school_contact"),
        Index("idx_guardian_school_aadhar", "school_id", "aadhar_number"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=own_guardian_records,
        list="guardians",
        filter=("name", "contact_number", "relation", "active"),
        order=("name",),
        protect={"aadhar_number": IDENTITY_NUMBERS, "contact_number": CONTACTS, "email": CONTACTS, "address": CONTACTS},
        write=Writes(
            ADMINS,
            fields=(
                "name",
                "aadhar_number",
                "relation",
                "contact_number",
                "email",
                "address",
                "occupation",
                "qualification",
                "whatsapp_enabled",
                "photo_url",
            ),
            required=("name", "contact_number"),
        ),
    )

    name: Mapped[str] = mapped_column(String(255))
    aadhar_number: Mapped[str | None] = mapped_column(
        String(20), comment="Identity number: school admins and platform roles only."
    )
    relation: Mapped[str | None] = mapped_column(String(50), comment="To the students (father, mother, guardian...).")
    contact_number: Mapped[str] = mapped_column(String(30), comment="School staff only; unique in the school.")
    email: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    occupation: Mapped[str | None] = mapped_column(String(100))
    qualification: Mapped[str | None] = mapped_column(String(100))
    whatsapp_enabled: Mapped[bool] = mapped_column(
        default=True, server_default="true", comment="The school may message the contact number on WhatsApp."
    )
    photo_url: Mapped[str | None] = mapped_column(String(1000))


class StudentGuardian(SchoolTenantMixin, Base):
    """A guardian of a student (with the primary one marked)."""

    __tablename__ = "student_guardians"
    __table_args__ = (
        UniqueConstraint("student_id", "guardian_id", name="uk_student_guardian"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES, rows=own_guardian_links, list="studentGuardians", filter=("primary_guardian",)
    )

    student: Mapped[Student] = reference(back="student_guardians")
    guardian: Mapped[Guardian] = reference(back="student_guardians")
    primary_guardian: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="The first contact of the school for this student."
    )


class StudentDocument(SchoolTenantMixin, Base):
    """A document of a student (certificates, photos): a file uploaded by studentDocumentUpload."""

    __tablename__ = "student_documents"
    __table_args__ = (
        Index("idx_student_document_student", "student_id"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=roles(*SCHOOL_ADMINS, *FAMILY_ROLES),
        rows=shared_documents,
        list="studentDocuments",
        filter=("file_type", "file_name", "uploaded_at"),
        order=("uploaded_at", "file_name"),
    )

    student: Mapped[Student] = reference(back="documents")
    file_type: Mapped[str | None] = mapped_column(String(100), comment="MIME type of the file.")
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_url: Mapped[str | None] = mapped_column(String(1000))
    uploaded_at: Mapped[dt.datetime | None]
    remarks: Mapped[str | None] = mapped_column(String(500))
    shared_with_family: Mapped[bool] = mapped_column(
        default=False,
        server_default="false",
        comment="The school shares it with the student's guardians (and the student's own account).",
    )


class PromotionRecord(SchoolTenantMixin, Base):
    """Append-only record of a promotion (or detention): one row per student promoted from a
    class and session to a class of another session (studentsPromote)."""

    __tablename__ = "promotion_records"
    __table_args__ = (
        Index("idx_promotion_student_target_session", "student_id", "target_session_id"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_rows(),
        list="promotionRecords",
        filter=("promotion_type", "promoted_at"),
        order=("promoted_at",),
        append_only=True,
    )

    student: Mapped[Student] = reference(back="promotion_records")
    source_session: Mapped[AcademicSession] = reference()
    target_session: Mapped[AcademicSession] = reference()
    source_class: Mapped[SchoolClass] = reference()
    target_class: Mapped[SchoolClass] = reference()
    promotion_type: Mapped[PromotionType] = mapped_column(_enum(PromotionType))
    promoted_by: Mapped[str] = mapped_column(String(255), comment="Who promoted (the user's email).")
    promoted_at: Mapped[dt.datetime]
    remarks: Mapped[str | None] = mapped_column(String(500))


class FamilyInvitation(Base):
    """A school's invitation of a guardian (or, where the school enables student accounts, of a
    student) to a login: single-use and expiring, sent as account mail like a password reset.
    Accepted, it is the link between the account and the school's Guardian (or Student) record:
    the family row filters (models/school/access.py) read it. A platform table like
    `password_resets`: it is read before the account has a tenant."""

    __tablename__ = "family_invitations"
    __entity__ = Internal("invitation token hashes: secrets, never in the API; accepted, the account links")
    __table_args__ = (
        CheckConstraint("(guardian_id IS NULL) <> (student_id IS NULL)", name="guardian_or_student"),
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),
        Index("ix_family_invitations_user_school", "user_id", "school_id"),
    )

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(30))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="The account it linked, once accepted.")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(comment="The link ended (a new invitation replaces it).")
