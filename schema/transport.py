"""Transport routes, pickup points and enrollments (seed 001 transport domain). Types, lists and
the route/pickup point master data come from `models/transport` (hooks: resolvers/transport/
rules.py); the enrollment workflows run in the workflow frame (resolvers/transport/service.py)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

import models
from kit.connection import graphql_enum
from kit.declared import type_of
from kit.fields import load_entity
from kit.model_types import extend_type
from kit.workflow import workflow
from models.school.access import ADMINS
from resolvers.transport import service

FeeFrequency = graphql_enum(models.fees.FeeFrequency)

TransportRoute = type_of(models.TransportRoute)
PickupPoint = type_of(models.PickupPoint)
AcademicSession = type_of(models.AcademicSession)


@extend_type(models.TransportEnrollment)
class TransportEnrollment:
    """A student riding from a pickup point in one academic session (transportEnroll and
    transportUnenroll; an ended enrollment is reactivated, never duplicated)."""

    @strawberry.field(description="The academic session of the enrollment.")
    def session(self, info: Info) -> AcademicSession:
        return load_entity(info, models.AcademicSession, self.session_id)


@strawberry.type
class Query:
    pass


# ---- enrollment workflows (seat count kept atomically: resolvers/transport/service.py) --------

mutations = (
    workflow("transportEnroll", service.enroll, ADMINS, returns=models.TransportEnrollment),
    workflow("transportUnenroll", service.unenroll, ADMINS, returns=models.TransportEnrollment),
)
