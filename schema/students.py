"""Students, enrollments, guardians, documents and promotion records (seed 001)."""

from __future__ import annotations

import datetime as dt

import strawberry

import models
from auth.permissions import PLATFORM, SCHOOL_ADMINS, SCHOOL_READERS, FieldRule, protect, roles
from kit.connection import Connection, graphql_enum
from kit.entity import entity_type, relation
from kit.fields import list_field
from kit.mutations import master_data_mutations
from kit.node import Node

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


# ---- workflows ------------------------------------------------------------------------------

from typing import Any  # noqa: E402

from strawberry.types import Info  # noqa: E402

from auth.permissions import declare  # noqa: E402
from kit import writes  # noqa: E402
from kit.registry import spec_for_model  # noqa: E402
from resolvers.students import service  # noqa: E402
from kit.errors import UserErrors  # noqa: E402
from kit.fields import authorize  # noqa: E402
from kit.mutations import decode_ref, payload_type, run_workflow  # noqa: E402

ADMINS = roles(*SCHOOL_ADMINS)
STUDENT_FIELDS = ("admission_number", "first_name", "last_name", "dob", "gender", "pen", "aadhar_number", "religion", "caste",
                  "category", "address", "city", "state", "pincode", "contact_number", "email", "blood_group", "photo_url",
                  "date_of_admission", "previous_school_name", "previous_school_contact", "previous_school_address",
                  "previous_school_board", "previous_class", "previous_year_of_passing", "transfer_certificate_number",
                  "reason_for_leaving_previous_school", "remarks")


@strawberry.input(description="The student's own details (seed 001 Student).")
class StudentDetailsInput:
    admission_number: str
    first_name: str
    gender: Gender
    last_name: str | None = None
    dob: dt.date | None = None
    pen: str | None = None
    aadhar_number: str | None = None
    religion: str | None = None
    caste: str | None = None
    category: str | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    pincode: str | None = None
    contact_number: str | None = None
    email: str | None = None
    blood_group: str | None = None
    photo_url: str | None = None
    date_of_admission: dt.date | None = None
    previous_school_name: str | None = None
    previous_school_contact: str | None = None
    previous_school_address: str | None = None
    previous_school_board: str | None = None
    previous_class: str | None = None
    previous_year_of_passing: str | None = None
    transfer_certificate_number: str | None = None
    reason_for_leaving_previous_school: str | None = None
    remarks: str | None = None


@strawberry.input(description="A guardian, new or already known to the school (found by contact number).")
class AdmitGuardianInput:
    name: str
    contact_number: str
    relation: str | None = None
    email: str | None = None
    occupation: str | None = None
    primary: bool = False


@strawberry.input
class StudentAdmitInput:
    student: StudentDetailsInput
    class_id: strawberry.ID = strawberry.field(description="A class of the current academic session.")
    roll_number: int | None = None
    admission_type: AdmissionType | None = None
    guardians: list[AdmitGuardianInput]


@strawberry.input
class StudentEnrollInput:
    student_id: strawberry.ID
    class_id: strawberry.ID
    roll_number: int | None = None
    admission_type: AdmissionType | None = None


@strawberry.input
class StudentWithdrawInput:
    student_id: strawberry.ID
    date_of_leaving: dt.date
    reason: str


@strawberry.input
class StudentsPromoteInput:
    source_class_id: strawberry.ID
    target_class_id: strawberry.ID = strawberry.field(description="A class of another academic session.")
    student_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Default: every active student of the class.")
    promotion_type: PromotionType = PromotionType.PROMOTED


StudentAdmitPayload = payload_type("StudentAdmitPayload", spec_for_model(models.Student))
StudentEnrollPayload = payload_type("StudentEnrollPayload", spec_for_model(models.StudentEnrollment))
StudentWithdrawPayload = payload_type("StudentWithdrawPayload", spec_for_model(models.Student))


@strawberry.type
class StudentsPromotePayload:
    errors: list[UserError]
    promoted_count: int = 0


async def _run(info: Info, payload: Any, work: Any) -> Any:
    return await run_workflow(info, ADMINS, payload, work, spec_for_model(models.Student))


def _enum(value: Any, py_enum: type) -> Any:
    return None if value is None else py_enum(value.value if hasattr(value, "value") else value)


@strawberry.type
class StudentMutation:
    @strawberry.mutation(description="Admit a student: the student, the first enrollment and the guardians, in one go.")
    async def student_admit(self, info: Info, input: StudentAdmitInput) -> StudentAdmitPayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            details = {k: getattr(input.student, k) for k in STUDENT_FIELDS}
            details["gender"] = _enum(details["gender"], models.Gender)
            details["admission_number"] = details["admission_number"].strip()
            guardians = [service.GuardianData(g.name, g.contact_number, g.relation, g.email, g.occupation, g.primary)
                         for g in input.guardians]
            return await service.admit(ctx, session, details, decode_ref(input.class_id, models.SchoolClass, "classId"),
                                       input.roll_number, _enum(input.admission_type, models.AdmissionType), guardians)
        return await _run(info, StudentAdmitPayload, work)

    @strawberry.mutation(description="Enroll a student in a class of the current session (one active enrollment per session).")
    async def student_enroll(self, info: Info, input: StudentEnrollInput) -> StudentEnrollPayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            return await service.enroll(ctx, session, decode_ref(input.student_id, models.Student, "studentId"),
                                        decode_ref(input.class_id, models.SchoolClass, "classId"), input.roll_number,
                                        _enum(input.admission_type, models.AdmissionType))
        return await _run(info, StudentEnrollPayload, work)

    @strawberry.mutation(description="Withdraw a student from the current session: enrollment ended, transport seat freed.")
    async def student_withdraw(self, info: Info, input: StudentWithdrawInput) -> StudentWithdrawPayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            return await service.withdraw(ctx, session, decode_ref(input.student_id, models.Student, "studentId"),
                                          input.date_of_leaving, input.reason)
        return await _run(info, StudentWithdrawPayload, work)

    @strawberry.mutation(description="Promote students to a class of another session; refused while an exam is unlocked.")
    async def students_promote(self, info: Info, input: StudentsPromoteInput) -> StudentsPromotePayload:  # noqa: A002
        authorize(info, ADMINS)
        ctx = info.context
        try:
            async with writes.mutation_scope(ctx, spec_for_model(models.PromotionRecord)) as session:
                ids = None if input.student_ids is None else [decode_ref(g, models.Student, "studentIds") for g in input.student_ids]
                count = await service.promote(ctx, session, decode_ref(input.source_class_id, models.SchoolClass, "sourceClassId"),
                                              decode_ref(input.target_class_id, models.SchoolClass, "targetClassId"), ids,
                                              _enum(input.promotion_type, models.PromotionType),
                                              ctx.identity.email if ctx.identity else str(ctx.user_id))
        except UserErrors as exc:
            return StudentsPromotePayload(errors=exc.errors)
        return StudentsPromotePayload(errors=[], promoted_count=count)


for _name in ("studentAdmit", "studentEnroll", "studentWithdraw", "studentsPromote"):
    declare(f"Mutation.{_name}", ADMINS)

StudentUpdateMutations = master_data_mutations(
    models.Student, writable=tuple(f for f in STUDENT_FIELDS if f != "date_of_admission"), verbs=("update", "deactivate"),
    permissions={v: ADMINS for v in ("update", "deactivate")}, after=service.after_student)

mutations = (*mutations, StudentMutation, StudentUpdateMutations)
from kit.errors import UserError  # noqa: E402


# ---- documents --------------------------------------------------------------------------------

from strawberry.file_uploads import Upload  # noqa: E402

from resolvers.students import documents  # noqa: E402


@strawberry.input
class StudentDocumentUploadInput:
    student_id: strawberry.ID
    file: Upload = strawberry.field(description="A PDF, PNG or JPEG (multipart request; at most MAX_UPLOAD_BYTES).")
    remarks: str | None = None


@strawberry.input
class StudentDocumentDeleteInput:
    id: strawberry.ID


StudentDocumentUploadPayload = payload_type("StudentDocumentUploadPayload", spec_for_model(models.StudentDocument))


@strawberry.type
class StudentDocumentDeletePayload:
    errors: list[UserError]
    deleted_id: strawberry.ID | None = None


@strawberry.type
class DocumentMutation:
    @strawberry.mutation(description="Upload a document of a student (GraphQL multipart request protocol).")
    async def student_document_upload(self, info: Info, input: StudentDocumentUploadInput) -> StudentDocumentUploadPayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            return await documents.upload(ctx, session, decode_ref(input.student_id, models.Student, "studentId"),
                                          input.file, input.remarks)
        return await _run(info, StudentDocumentUploadPayload, work)

    @strawberry.mutation(description="Delete a student's document and its file.")
    async def student_document_delete(self, info: Info, input: StudentDocumentDeleteInput) -> StudentDocumentDeletePayload:  # noqa: A002
        authorize(info, ADMINS)
        try:
            async with writes.mutation_scope(info.context, spec_for_model(models.StudentDocument)) as session:
                await documents.delete(info.context, session, decode_ref(input.id, models.StudentDocument, "id"))
        except UserErrors as exc:
            return StudentDocumentDeletePayload(errors=exc.errors)
        return StudentDocumentDeletePayload(errors=[], deleted_id=input.id)


declare("Mutation.studentDocumentUpload", ADMINS)
declare("Mutation.studentDocumentDelete", ADMINS)
mutations = (*mutations, DocumentMutation)
