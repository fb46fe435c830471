"""Transport routes, pickup points and enrollments (seed 001 transport domain)."""

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

FeeFrequency = graphql_enum(models.fees.FeeFrequency)


@entity_type(models.TransportRoute)
class TransportRoute(Node):
    name: str
    description: str | None
    capacity: int
    current_strength: int = strawberry.field(description="Seats taken; never above capacity.")
    active: bool
    pickup_points: Connection[PickupPoint] = relation()


@entity_type(models.PickupPoint)
class PickupPoint(Node):
    name: str
    amount: Decimal
    frequency: FeeFrequency
    active: bool
    route: TransportRoute = relation()


@entity_type(models.TransportEnrollment)
class TransportEnrollment(Node):
    active: bool
    created_at: dt.datetime
    student: Student = relation()
    pickup_point: PickupPoint = relation()


READ = roles(*SCHOOL_READERS)
WRITE = {v: roles(*SCHOOL_ADMINS) for v in ("create", "update", "deactivate")}


@strawberry.type
class Query:
    transport_routes: Connection[TransportRoute] = list_field(models.TransportRoute, name="transportRoutes", permission=READ)
    pickup_points: Connection[PickupPoint] = list_field(models.PickupPoint, name="pickupPoints", permission=READ)
    transport_enrollments: Connection[TransportEnrollment] = list_field(models.TransportEnrollment,
                                                                        name="transportEnrollments", permission=READ)


mutations = (
    master_data_mutations(models.TransportRoute, writable=("name", "description", "capacity"), required=("name",),
                          permissions=WRITE),
    master_data_mutations(models.PickupPoint, writable=("name", "amount", "frequency", "route_id"),
                          required=("name", "amount", "frequency", "route_id"), refs={"route_id": models.TransportRoute},
                          permissions=WRITE),
)

from schema.students import Student  # noqa: E402
