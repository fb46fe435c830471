"""Exams, exam subjects, marks and grade policies (seed 001 test management domain)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

import models
from auth.permissions import SCHOOL_ADMINS, SCHOOL_READERS, roles
from schema.common.connection import Connection, graphql_enum
from schema.common.entity import entity_type, relation
from schema.common.fields import list_field
from schema.common.mutations import master_data_mutations
from schema.common.node import Node

ExamStatus = graphql_enum(models.ExamStatus)


@entity_type(models.Exam)
class Exam(Node):
    name: str
    exam_type: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    status: ExamStatus | None
    active: bool
    created_at: dt.datetime
    school_class: SchoolClass = relation()
    session: AcademicSession = relation()
    exam_subjects: Connection[ExamSubject] = relation()


@entity_type(models.ExamSubject)
class ExamSubject(Node):
    max_marks: int
    active: bool
    exam: Exam = relation()
    subject: Subject = relation()
    marks: Connection[StudentMark] = relation()


@entity_type(models.StudentMark)
class StudentMark(Node):
    marks_obtained: int
    remarks: str | None
    updated_at: dt.datetime | None
    exam: Exam = relation()
    exam_subject: ExamSubject = relation()
    student: Student = relation()


@entity_type(models.GradePolicy, description="A grade for a percentage range; active ranges of a school never overlap.")
class GradePolicy(Node):
    min_percent: Decimal
    max_percent: Decimal
    grade: str
    active: bool


READ = roles(*SCHOOL_READERS)


@strawberry.type
class Query:
    exams: Connection[Exam] = list_field(models.Exam, name="exams", permission=READ)
    exam_subjects: Connection[ExamSubject] = list_field(models.ExamSubject, name="examSubjects", permission=READ)
    student_marks: Connection[StudentMark] = list_field(models.StudentMark, name="studentMarks", permission=READ)
    grade_policies: Connection[GradePolicy] = list_field(models.GradePolicy, name="gradePolicies", permission=READ)


mutations = (
    master_data_mutations(models.GradePolicy, writable=("min_percent", "max_percent", "grade"),
                          required=("min_percent", "max_percent", "grade"),
                          permissions={v: roles(*SCHOOL_ADMINS) for v in ("create", "update", "deactivate")}),
)

from schema.classes import SchoolClass, Subject  # noqa: E402
from schema.school import AcademicSession  # noqa: E402
from schema.students import Student  # noqa: E402
