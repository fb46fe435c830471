"""Daily attendance (seed 001 attendance domain)."""

from __future__ import annotations

import datetime as dt

import strawberry

import models
from auth.permissions import SCHOOL_READERS, roles
from schema.common.connection import Connection, graphql_enum
from schema.common.entity import entity_type, relation
from schema.common.fields import list_field
from schema.common.node import Node

AttendanceStatus = graphql_enum(models.AttendanceStatus)


@entity_type(models.StudentAttendance, description="One student's attendance on one date.")
class StudentAttendance(Node):
    attendance_date: dt.date
    status: AttendanceStatus
    remarks: str | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    student: Student = relation()
    school_class: SchoolClass = relation()


@strawberry.type
class Query:
    student_attendance: Connection[StudentAttendance] = list_field(
        models.StudentAttendance, name="studentAttendance", permission=roles(*SCHOOL_READERS),
        description="Attendance rows of the active school (filter by date, class, student, status).")


mutations = ()

from schema.classes import SchoolClass  # noqa: E402
from schema.students import Student  # noqa: E402
