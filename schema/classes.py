"""Teachers, classes and subjects (seed 001 user/teacher and class/subject domains)."""

from __future__ import annotations

import datetime as dt

from typing import Any

import strawberry
from sqlalchemy import func, select

import models
from auth.permissions import SCHOOL_ADMINS, SCHOOL_READERS, roles
from kit.connection import Connection
from kit.entity import entity_type, relation
from kit.errors import ErrorCode, user_error
from kit.fields import list_field
from kit.mutations import master_data_mutations
from kit.node import Node


@entity_type(models.Teacher, description="A teacher of the school (a user working there).")
class Teacher(Node):
    created_at: dt.datetime
    user: User | None = relation()


@entity_type(models.SchoolClass, description="A class (and section) of one academic session.")
class SchoolClass(Node):
    name: str
    section: str | None
    capacity: int | None
    remarks: str | None
    active: bool
    created_at: dt.datetime
    session: AcademicSession = relation()
    class_teacher: Teacher | None = relation()
    class_subjects: Connection[ClassSubject] = relation("Subjects taught in this class, with their teachers.")
    enrollments: Connection[StudentEnrollment] = relation("Students enrolled in this class.")


@entity_type(models.Subject)
class Subject(Node):
    name: str
    code: str | None
    type: str | None
    max_marks: int | None
    min_marks: int | None
    remarks: str | None
    active: bool


@entity_type(models.ClassSubject, description="A subject taught in a class, and who teaches it.")
class ClassSubject(Node):
    display_order: int | None
    active: bool
    school_class: SchoolClass = relation()
    subject: Subject = relation()
    teacher: Teacher | None = relation()


READ = roles(*SCHOOL_READERS)
WRITE = {verb: roles(*SCHOOL_ADMINS) for verb in ("create", "update", "deactivate")}


@strawberry.type
class Query:
    teachers: Connection[Teacher] = list_field(models.Teacher, name="teachers", permission=READ)
    school_classes: Connection[SchoolClass] = list_field(models.SchoolClass, name="schoolClasses", permission=READ,
                                                         description="Classes of the active school.")
    subjects: Connection[Subject] = list_field(models.Subject, name="subjects", permission=READ)
    class_subjects: Connection[ClassSubject] = list_field(models.ClassSubject, name="classSubjects", permission=READ)


async def _no_student_left_behind(ctx: Any, session: Any, obj: Any, verb: str) -> None:
    """A class with actively enrolled students is not deactivated (CONFLICT, nothing changes):
    their attendance, marks and fees hang on it; move or withdraw them first. The class row is
    locked (get_for_update) while counting."""
    if verb != "deactivate":
        return
    E = models.StudentEnrollment
    enrolled = await session.scalar(select(func.count()).select_from(E).where(
        E.school_id == obj.school_id, E.class_id == obj.id, E.active))
    if enrolled:
        raise user_error(ErrorCode.CONFLICT, f"This class has {enrolled} actively enrolled student(s): move or withdraw "
                                             "them before deactivating it.", "id")


mutations = (
    master_data_mutations(models.Teacher, writable=("user_id",), refs={"user_id": models.User}, permissions=WRITE),
    master_data_mutations(models.SchoolClass, writable=("name", "section", "session_id", "capacity", "class_teacher_id", "remarks"),
                          required=("name", "session_id"), immutable=("session_id",),
                          refs={"session_id": models.AcademicSession, "class_teacher_id": models.Teacher}, permissions=WRITE,
                          after=_no_student_left_behind),
    master_data_mutations(models.Subject, writable=("name", "code", "type", "max_marks", "min_marks", "remarks"),
                          required=("name",), permissions=WRITE),
    master_data_mutations(models.ClassSubject, writable=("class_id", "subject_id", "teacher_id", "display_order"),
                          required=("class_id", "subject_id"), immutable=("class_id", "subject_id"),
                          refs={"class_id": models.SchoolClass, "subject_id": models.Subject, "teacher_id": models.Teacher},
                          permissions=WRITE),
)

from schema.school import AcademicSession  # noqa: E402
from schema.students import StudentEnrollment  # noqa: E402
from schema.user import User  # noqa: E402
