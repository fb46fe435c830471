"""School family root: School and AcademicSession (seed 001 §1.1). Every type, list and master
data mutation of the domain comes from the declarations in `models/school`; what remains here
are the academic session workflows."""

from __future__ import annotations

import strawberry

import models
from kit.declared import type_of
from kit.workflow import workflow
from models.school.access import ADMINS
from resolvers.school.service import check_time_zone  # noqa: F401  (schema/hostel.py names it here)
from resolvers.students import service as academics

School = type_of(models.School)
AcademicSession = type_of(models.AcademicSession)


@strawberry.type
class Query:
    pass


mutations = (
    workflow(
        "academicSessionCreate",
        academics.create_session,
        ADMINS,
        returns=models.AcademicSession,
        description="Create an academic session; the school's first one becomes active and current.",
    ),
    workflow(
        "academicSessionActivate",
        academics.activate_session,
        ADMINS,
        returns=models.AcademicSession,
        description="Make a session the school's one active session; School.currentSession follows.",
    ),
)
