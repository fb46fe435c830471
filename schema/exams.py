"""Exams, exam subjects, marks and grade policies (seed 001 test management domain)."""

from __future__ import annotations

from decimal import Decimal


import strawberry
from strawberry.types import Info

import models
from auth.permissions import declare
from kit.connection import graphql_enum
from kit.declared import type_of
from kit.errors import UserError
from kit.fields import Forbidden, authorize
from kit.ids import InvalidId, decode_gid, encode_gid
from kit.mutations import decode_ref, run_mutation
from kit.planner import BadInput
from kit.registry import spec_for_model
from kit.workflow import workflow
from models.school.access import ADMINS, MARKERS, READERS_AND_FAMILIES as READ
from resolvers.exams import service

ExamStatus = graphql_enum(models.ExamStatus)


Exam = type_of(models.Exam)
ExamSubject = type_of(models.ExamSubject)
StudentMark = type_of(models.StudentMark)
GradePolicy = type_of(models.GradePolicy)
Student = type_of(models.Student)


# ---- marksheet ------------------------------------------------------------------------------


@strawberry.type(description="One subject of a marksheet.")
class MarksheetSubject:
    exam_subject_id: strawberry.ID = strawberry.field(description="The ExamSubject.")
    name: str
    code: str | None
    max_marks: int
    marks_obtained: int | None = strawberry.field(
        description="Null when no mark was recorded (counted as 0 in the total)."
    )
    remarks: str | None


@strawberry.type(
    description="A student's result in one exam: every active subject of the exam, the totals, the "
    "percentage and the grade of the school's active grade policy."
)
class Marksheet:
    exam_name: str
    exam_type: str | None
    status: ExamStatus | None
    student_name: str
    admission_number: str
    roll_number: int | None
    subjects: list[MarksheetSubject]
    total: int = strawberry.field(description="Sum of the marks obtained.")
    max_total: int = strawberry.field(description="Sum of the maximum marks of the exam's subjects.")
    marked_subjects: int = strawberry.field(description="Subjects with a recorded mark.")
    percentage: Decimal | None = strawberry.field(
        description="total / maxTotal x 100, 2 decimal places (half up); null when the exam has no subjects."
    )
    grade: str | None = strawberry.field(
        description="The grade of the active GradePolicy whose range holds the percentage; null when none does."
    )

    @strawberry.field(description="The exam (read with your selection).")
    def exam(self, info: Info) -> Exam | None:
        return info.context.loaders.by_key(spec_for_model(models.Exam), "id", info._raw_info).load(self._exam_id)

    @strawberry.field(description="The student (read with your selection).")
    def student(self, info: Info) -> Student | None:
        return info.context.loaders.by_key(spec_for_model(models.Student), "id", info._raw_info).load(self._student_id)


def _marksheet_of(data: service.MarksheetData) -> Marksheet:
    sheet = Marksheet(
        exam_name=data.exam_name,
        exam_type=data.exam_type,
        status=data.status,
        student_name=data.student_name,
        admission_number=data.admission_number,
        roll_number=data.roll_number,
        subjects=[
            MarksheetSubject(
                exam_subject_id=strawberry.ID(encode_gid("ExamSubject", s["id"])),
                name=s["name"],
                code=s["code"],
                max_marks=s["maxMarks"],
                marks_obtained=s["marksObtained"],
                remarks=s["remarks"],
            )
            for s in data.subjects
        ],
        total=data.total,
        max_total=data.max_total,
        marked_subjects=data.marked_subjects,
        percentage=data.percentage,
        grade=data.grade,
    )
    sheet._exam_id, sheet._student_id = data.exam_id, data.student_id
    return sheet


def _pk_of(gid: str, type_name: str) -> int | None:
    try:
        kind, pk = decode_gid(gid)
    except InvalidId as exc:
        raise BadInput(str(exc)) from None
    return pk if kind == type_name else None


@strawberry.type
class Query:
    @strawberry.field(
        description="A student's marksheet for one exam (one SQL statement, whatever the number of "
        "subjects). Null when the exam or the student does not exist in your school, or "
        "the student is not a candidate of the exam. Teachers read the marksheets of "
        "classes they are assigned to, guardians their children's once the exam is LOCKED; others are FORBIDDEN."
    )
    async def marksheet(self, info: Info, exam_id: strawberry.ID, student_id: strawberry.ID) -> Marksheet | None:
        authorize(info, READ)
        ctx = info.context
        exam_pk, student_pk = _pk_of(exam_id, "Exam"), _pk_of(student_id, "Student")
        if exam_pk is None or student_pk is None:
            return None
        data = await service.marksheet(ctx, exam_pk, student_pk)
        if data is None:
            return None
        if not await service.may_read_marksheet(ctx, data.class_id, student_pk, data.status):
            raise Forbidden()
        return _marksheet_of(data)


declare("Query.marksheet", READ)


# ---- workflow mutations -----------------------------------------------------------------------


@strawberry.input(description="One student's mark.")
class MarkEntryInput:
    student_id: strawberry.ID
    marks_obtained: int
    remarks: str | None = strawberry.field(default=None, description="Replaces earlier remarks (null clears them).")


@strawberry.input
class MarksRecordInput:
    exam_subject_id: strawberry.ID
    marks: list[MarkEntryInput]


@strawberry.type(description="The marks written, in the order sent.")
class MarksRecordPayload:
    errors: list[UserError]
    inserted: int = strawberry.field(description="Marks recorded for the first time.")
    updated: int = strawberry.field(description="Marks that replaced earlier ones.")

    @strawberry.field
    def exam_subject(self, info: Info) -> ExamSubject | None:
        if self._exam_subject_id is None:
            return None
        return info.context.loaders.by_key(spec_for_model(models.ExamSubject), "id", info._raw_info).load(
            self._exam_subject_id
        )

    @strawberry.field(description="The marks written, in the order sent (empty when refused).")
    async def marks(self, info: Info) -> list[StudentMark]:
        if not self._mark_ids:
            return []
        loader = info.context.loaders.by_key(spec_for_model(models.StudentMark), "id", info._raw_info)
        return [m for m in await loader.load_many(self._mark_ids) if m is not None]

    @staticmethod
    def make(result: service.MarksResult | None, errors: list[UserError] | None = None) -> MarksRecordPayload:
        payload = MarksRecordPayload(
            errors=errors or [], inserted=result.inserted if result else 0, updated=result.updated if result else 0
        )
        payload._exam_subject_id = result.exam_subject_id if result else None
        payload._mark_ids = result.mark_ids if result else []
        return payload


@strawberry.type
class ExamMutation:
    @strawberry.mutation(
        description="Record many students' marks for one exam subject, all or nothing (recording "
        "again replaces). School admins, the class teacher and the subject's teacher in "
        "the class; any other teacher gets a FORBIDDEN error in the payload. Refused "
        "(LOCKED) once the exam is locked."
    )
    async def marks_record(self, info: Info, input: MarksRecordInput) -> MarksRecordPayload:  # noqa: A002
        async def work() -> service.MarksResult:
            exam_subject_pk = decode_ref(input.exam_subject_id, models.ExamSubject, "examSubjectId")
            entries = [service.MarkInput(m.student_id, m.marks_obtained, m.remarks) for m in input.marks]
            return await service.record_marks(info.context, exam_subject_pk, entries)

        return await run_mutation(info, MARKERS, MarksRecordPayload, work)


declare("Mutation.marksRecord", MARKERS)

mutations = (
    workflow("examCreate", service.create_exam, ADMINS, returns=models.Exam),
    workflow("examSubjectAdd", service.add_exam_subject, ADMINS, returns=models.ExamSubject),
    workflow("examStatusUpdate", service.update_exam_status, ADMINS, returns=models.Exam),
    ExamMutation,
)
