"""Students, enrollments, guardians, documents and promotion records (seed 001)."""

from __future__ import annotations

import datetime as dt

import strawberry

import models
from auth.permissions import PLATFORM, SCHOOL_ADMINS, SCHOOL_READERS, FieldRule, protect, roles
from schema.common.connection import Connection, graphql_enum
from schema.common.entity import entity_type, relation
from schema.common.fields import list_field
from schema.common.mutations import master_data_mutations
from schema.common.node import Node

Gender = graphql_enum(models.Gender)
StudentStatus = graphql_enum(models.StudentStatus)
AdmissionType = graphql_enum(models.AdmissionType)
PromotionType = graphql_enum(models.PromotionType)


@entity_type(models.Student)
class Student(Node):
    admission_number: str
    first_name: str
    last_name: str | None
    dob: dt.date | None
    gender: Gender
    pen: str | None
    aadhar_number: str | None = strawberry.field(description="Identity number: school admins and platform roles only.")
    religion: str | None
    caste: str | None
    category: str | None
    address: str | None
    city: str | None
    state: str | None
    pincode: str | None
    contact_number: str | None
    email: str | None
    blood_group: str | None
    photo_url: str | None
    date_of_admission: dt.date | None
    date_of_leaving: dt.date | None
    reason_for_leaving: str | None
    previous_school_name: str | None
    previous_school_contact: str | None
    previous_school_address: str | None
    previous_school_board: str | None
    previous_class: str | None
    previous_year_of_passing: str | None
    transfer_certificate_number: str | None
    reason_for_leaving_previous_school: str | None
    current_status: StudentStatus | None
    remarks: str | None
    active: bool
    created_at: dt.datetime
    current_class: SchoolClass | None = relation()
    enrollments: Connection[StudentEnrollment] = relation()
    student_guardians: Connection[StudentGuardian] = relation("Guardians of the student (with the primary one marked).")
    documents: Connection[StudentDocument] = relation()
    attendance: Connection[StudentAttendance] = relation()
    marks: Connection[StudentMark] = relation()
    promotion_records: Connection[PromotionRecord] = relation()


@entity_type(models.StudentEnrollment, description="A student's place in a class for one academic session.")
class StudentEnrollment(Node):
    section: str | None
    roll_number: int | None
    enrollment_date: dt.date | None
    start_date: dt.date | None
    end_date: dt.date | None
    admission_type: AdmissionType | None
    remarks: str | None
    active: bool
    student: Student = relation()
    school_class: SchoolClass = relation()
    session: AcademicSession = relation()


@entity_type(models.Guardian)
class Guardian(Node):
    name: str
    aadhar_number: str | None = strawberry.field(description="Identity number: school admins and platform roles only.")
    relation: str | None
    contact_number: str | None = strawberry.field(description="School staff only.")
    email: str | None
    address: str | None
    occupation: str | None
    qualification: str | None
    whatsapp_enabled: bool
    photo_url: str | None
    active: bool
    student_guardians: Connection[StudentGuardian] = relation("The guardian's students.")


@entity_type(models.StudentGuardian)
class StudentGuardian(Node):
    primary_guardian: bool
    student: Student = relation()
    guardian: Guardian = relation()


@entity_type(models.StudentDocument)
class StudentDocument(Node):
    file_type: str | None
    file_name: str | None
    file_url: str | None
    uploaded_at: dt.datetime | None
    remarks: str | None
    student: Student = relation()


@entity_type(models.PromotionRecord, description="Append-only record of a promotion (or detention).")
class PromotionRecord(Node):
    promotion_type: PromotionType
    promoted_by: str
    promoted_at: dt.datetime
    remarks: str | None
    student: Student = relation()
    source_class: SchoolClass = relation()
    target_class: SchoolClass = relation()
    source_session: AcademicSession = relation()
    target_session: AcademicSession = relation()


IDENTITY_NUMBERS = FieldRule("school admins and platform roles", roles=frozenset({*PLATFORM, "SCHOOL_ADMIN"}))
CONTACTS = FieldRule("school staff", roles=frozenset({*PLATFORM, "SCHOOL_ADMIN", "ACCOUNTANT", "TEACHER"}))
protect("Student", "aadharNumber", rule=IDENTITY_NUMBERS)
protect("Guardian", "aadharNumber", rule=IDENTITY_NUMBERS)
protect("Student", "contactNumber", "email", "address", rule=CONTACTS)
protect("Guardian", "contactNumber", "email", "address", rule=CONTACTS)

READ = roles(*SCHOOL_READERS)


@strawberry.type
class Query:
    students: Connection[Student] = list_field(models.Student, name="students", permission=READ,
                                               description="Students of the active school: search with filter.")
    student_enrollments: Connection[StudentEnrollment] = list_field(models.StudentEnrollment, name="studentEnrollments",
                                                                    permission=READ)
    guardians: Connection[Guardian] = list_field(models.Guardian, name="guardians", permission=READ)
    student_guardians: Connection[StudentGuardian] = list_field(models.StudentGuardian, name="studentGuardians", permission=READ)
    student_documents: Connection[StudentDocument] = list_field(models.StudentDocument, name="studentDocuments",
                                                                permission=roles(*SCHOOL_ADMINS))
    promotion_records: Connection[PromotionRecord] = list_field(models.PromotionRecord, name="promotionRecords", permission=READ)


mutations = (
    master_data_mutations(models.Guardian, writable=("name", "aadhar_number", "relation", "contact_number", "email", "address",
                                                     "occupation", "qualification", "whatsapp_enabled", "photo_url"),
                          required=("name", "contact_number"), permissions={v: roles(*SCHOOL_ADMINS) for v in ("create", "update", "deactivate")}),
)

from schema.attendance import StudentAttendance  # noqa: E402
from schema.classes import SchoolClass  # noqa: E402
from schema.exams import StudentMark  # noqa: E402
from schema.school import AcademicSession  # noqa: E402
