"""Students, enrollments, guardians, documents and promotion records (seed 001). The types,
lists and the guardian/student master data mutations come from the declarations in
`models/students`; what remains here are the workflows whose input or payload the workflow
frame cannot say (nested admission input, a count, a file upload, a deleted id)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from aiodataloader import DataLoader

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

import models
from auth.permissions import declare
from kit import writes
from kit.connection import graphql_enum
from kit.declared import type_of
from kit.model_types import extend_type
from kit.errors import UserError, UserErrors
from kit.fields import Forbidden, authorize
from kit.mutations import decode_ref, payload_type, run_workflow
from kit.registry import spec_for_model
from kit.workflow import workflow
from models.fees.access import FAMILY_FEE_READERS
from models.school.access import ADMINS
from models.students import STUDENT_FIELDS
from auth.permissions import PUBLIC
from resolvers.fees.formula import pending_totals
from resolvers.attendance import service as attendance
from resolvers.students import accounts, documents, service

Gender = graphql_enum(models.Gender)
StudentStatus = graphql_enum(models.StudentStatus)
AdmissionType = graphql_enum(models.AdmissionType)
PromotionType = graphql_enum(models.PromotionType)


class _PendingTotals(DataLoader):
    """One statement for the pending totals of every student of the request (a phone's children)."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx

    async def batch_load_fn(self, keys: list[int]) -> list[Decimal]:
        totals = await pending_totals(self.ctx, list(keys))
        return [totals.get(k, Decimal("0.00")) for k in keys]


class _MonthlyAttendance(DataLoader):
    """One statement for the monthly attendance of every student of the request."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx

    async def batch_load_fn(self, keys: list[int]) -> list[list[MonthlyAttendance]]:
        found = await attendance.monthly(self.ctx, list(keys))
        return [[MonthlyAttendance.of(m) for m in found.get(k, [])] for k in keys]


@strawberry.type(description="A student's attendance in one month of the academic session in force.")
class MonthlyAttendance:
    month: dt.date = strawberry.field(description="The month's first day.")
    present: int
    absent: int
    late: int
    half_day: int
    leave: int
    total: int = strawberry.field(description="Days marked, any status.")
    attended: int = strawberry.field(description="PRESENT + LATE: the days that count as attended.")
    percentage: Decimal | None = strawberry.field(
        description="100 × attended / total, 2 places (half up), as studentAttendanceStats counts it."
    )

    @classmethod
    def of(cls, m: attendance.Month) -> MonthlyAttendance:
        return cls(
            month=m.month,
            present=m.present,
            absent=m.absent,
            late=m.late,
            half_day=m.half_day,
            leave=m.leave,
            total=m.total,
            attended=m.attended,
            percentage=m.percentage,
        )


@extend_type(models.Student)
class Student:
    @strawberry.field(
        description="Attendance month by month in the academic session in force, over the days you may read "
        "(a guardian: their child's; a teacher: the classes they teach)."
    )
    def attendance_by_month(self, info: Info) -> list[MonthlyAttendance]:  # the loader's future
        ctx = info.context
        loader = ctx.loaders.named("Student.attendanceByMonth", lambda: _MonthlyAttendance(ctx))
        result: Any = loader.load(self.__dict__["_pk"])
        return result

    @strawberry.field(
        description="What the student owes: the pending amounts (StudentFeeAssignment.pending, the one formula) of "
        "their active fee assignments, summed (0.00 when none). Finance staff, and the student's family."
    )
    def pending_total(self, info: Info) -> Decimal | None:  # the loader's future (one batched statement)
        ctx = info.context
        if not FAMILY_FEE_READERS.allows(ctx):
            raise Forbidden()  # a teacher reads the student, not their fees
        loader = ctx.loaders.named("Student.pendingTotal", lambda: _PendingTotals(ctx))
        result: Any = loader.load(self.__dict__["_pk"])
        return result


StudentEnrollment = type_of(models.StudentEnrollment)
Guardian = type_of(models.Guardian)
StudentGuardian = type_of(models.StudentGuardian)
StudentDocument = type_of(models.StudentDocument)
PromotionRecord = type_of(models.PromotionRecord)


@strawberry.type
class Query:
    pass


# ---- workflows ------------------------------------------------------------------------------


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
class StudentsPromoteInput:
    source_class_id: strawberry.ID
    target_class_id: strawberry.ID = strawberry.field(description="A class of another academic session.")
    student_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Default: every active student of the class."
    )
    promotion_type: PromotionType = PromotionType.PROMOTED


StudentAdmitPayload = payload_type("StudentAdmitPayload", spec_for_model(models.Student))


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
            guardians = [
                service.GuardianData(g.name, g.contact_number, g.relation, g.email, g.occupation, g.primary)
                for g in input.guardians
            ]
            return await service.admit(
                ctx,
                session,
                details,
                decode_ref(input.class_id, models.SchoolClass, "classId"),
                input.roll_number,
                _enum(input.admission_type, models.AdmissionType),
                guardians,
            )

        return await _run(info, StudentAdmitPayload, work)

    @strawberry.mutation(
        description="Promote students to a class of another session; refused while an exam is unlocked."
    )
    async def students_promote(self, info: Info, input: StudentsPromoteInput) -> StudentsPromotePayload:  # noqa: A002
        authorize(info, ADMINS)
        ctx = info.context
        try:
            async with writes.mutation_scope(ctx, spec_for_model(models.PromotionRecord)) as session:
                ids = (
                    None
                    if input.student_ids is None
                    else [decode_ref(g, models.Student, "studentIds") for g in input.student_ids]
                )
                count = await service.promote(
                    ctx,
                    session,
                    decode_ref(input.source_class_id, models.SchoolClass, "sourceClassId"),
                    decode_ref(input.target_class_id, models.SchoolClass, "targetClassId"),
                    ids,
                    _enum(input.promotion_type, models.PromotionType),
                    ctx.identity.email if ctx.identity else str(ctx.user_id),
                )
        except UserErrors as exc:
            return StudentsPromotePayload(errors=exc.errors)
        return StudentsPromotePayload(errors=[], promoted_count=count)


for _name in ("studentAdmit", "studentsPromote"):
    declare(f"Mutation.{_name}", ADMINS)

mutations = (
    StudentMutation,
    workflow("studentEnroll", service.enroll, ADMINS, returns=models.StudentEnrollment),
    workflow("studentWithdraw", service.withdraw, ADMINS, returns=models.Student),
)


# ---- documents --------------------------------------------------------------------------------


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
    async def student_document_upload(
        self, info: Info, input: StudentDocumentUploadInput
    ) -> StudentDocumentUploadPayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            return await documents.upload(
                ctx, session, decode_ref(input.student_id, models.Student, "studentId"), input.file, input.remarks
            )

        return await _run(info, StudentDocumentUploadPayload, work)

    @strawberry.mutation(description="Delete a student's document and its file.")
    async def student_document_delete(
        self, info: Info, input: StudentDocumentDeleteInput
    ) -> StudentDocumentDeletePayload:  # noqa: A002
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


# ---- family accounts (issue 18): invitations to a login ----------------------------------------


@strawberry.input(description="The token of an invitation link, and the password of the account it makes or links.")
class FamilyInvitationAcceptInput:
    token: str
    password: str = strawberry.field(
        description="The new account's password; for an email that already has an account, its password."
    )
    email: str | None = strawberry.field(
        default=None, description="The account's email, needed when the invitation came by SMS."
    )
    full_name: str | None = None


@strawberry.type
class FamilyInvitationAcceptPayload:
    errors: list[UserError]
    done: bool = strawberry.field(
        default=False, description="True when the account is linked: log in with tokenCreate."
    )


@strawberry.type
class FamilyAccountMutation:
    @strawberry.mutation(
        description="Accept an invitation of a school (once, before it expires): creates your account or links the "
        "one of the invitation's email, with the GUARDIAN (or STUDENT) role in the school."
    )
    async def family_invitation_accept(
        self, info: Info, input: FamilyInvitationAcceptInput
    ) -> FamilyInvitationAcceptPayload:  # noqa: A002
        try:
            async with writes.mutation_scope(info.context) as session:
                result = await accounts.accept(
                    info.context, session, input.token, input.password, input.email, input.full_name
                )
                if isinstance(result, UserError):
                    raise UserErrors(result)  # rolls back what the attempt changed
        except UserErrors as exc:
            return FamilyInvitationAcceptPayload(errors=exc.errors)
        return FamilyInvitationAcceptPayload(errors=[], done=True)


declare("Mutation.familyInvitationAccept", PUBLIC)
mutations = (
    *mutations,
    FamilyAccountMutation,
    workflow("guardianInvite", accounts.invite_guardian, ADMINS, returns=models.Guardian),
    workflow("studentInvite", accounts.invite_student, ADMINS, returns=models.Student),
    workflow("studentDocumentShare", documents.share, ADMINS, returns=models.StudentDocument),
)
