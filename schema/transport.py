"""Transport routes, pickup points and enrollments (seed 001 transport domain)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from typing import Any

import strawberry
from sqlalchemy import func, inspect, select

import models
from auth.permissions import SCHOOL_ADMINS, SCHOOL_READERS, roles
from resolvers.transport import service
from kit.connection import Connection, graphql_enum
from kit.entity import entity_type, relation
from kit.errors import ErrorCode, user_error
from kit.fields import list_field
from kit.mutations import master_data_mutations
from kit.workflow import workflow
from kit.node import Node

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


async def _riders_stay_on_their_route(ctx: Any, session: Any, point: Any) -> None:
    """A pickup point with active riders keeps its route: their seats are counted there."""
    history = inspect(point).attrs.route_id.history
    if point.id is None or not history.deleted or list(history.deleted) == list(history.added):
        return
    TE = models.TransportEnrollment
    riders = await session.scalar(select(TE.id).where(TE.pickup_point_id == point.id, TE.school_id == point.school_id,
                                                      TE.active).limit(1))
    if riders is not None:
        raise user_error(ErrorCode.CONFLICT, "This pickup point has active riders; unenroll them before moving it to "
                                             "another route.", "routeId")


async def _riders_on(session: Any, school_id: int, route_id: int | None = None, point_id: int | None = None) -> int:
    TE, P = models.TransportEnrollment, models.PickupPoint
    stmt = select(func.count()).select_from(TE).where(TE.school_id == school_id, TE.active)
    if point_id is not None:
        stmt = stmt.where(TE.pickup_point_id == point_id)
    else:
        stmt = stmt.join(P, (P.id == TE.pickup_point_id) & (P.school_id == TE.school_id)).where(P.route_id == route_id)
    return await session.scalar(stmt)


def _no_rider_left_behind(kind: str) -> Any:
    """A route (or pickup point) with active riders is not deactivated: CONFLICT, nothing changes.

    Why refuse rather than unenroll them in the same call: a transport office deactivating a
    route expects its riders to be moved to another route first (each student's fee and seat
    is a decision, not a side effect), and a refusal that names the count is reversible where a
    silent mass unenrollment is not. The row is locked (get_for_update) before counting, and
    enrollment takes the route row (seat update) and the pickup point FOR SHARE, so a rider
    enrolled at the same moment is either counted here or refused there (resolvers/transport/service.py)."""
    async def after(ctx: Any, session: Any, obj: Any, verb: str) -> None:
        if verb != "deactivate":
            return
        riders = await _riders_on(session, obj.school_id, **({"route_id": obj.id} if kind == "route" else {"point_id": obj.id}))
        if riders:
            raise user_error(ErrorCode.CONFLICT, f"This {kind} has {riders} active rider(s): move them to another "
                                                 f"route or unenroll them (transportUnenroll) before deactivating it.", "id")

    after.__name__ = f"no_rider_left_behind_{kind.replace(' ', '_')}"
    return after


# ---- enrollment workflows (seat count kept atomically: resolvers/transport/service.py) --------

mutations = (
    master_data_mutations(models.TransportRoute, writable=("name", "description", "capacity"), required=("name",),
                          permissions=WRITE, after=_no_rider_left_behind("route")),
    master_data_mutations(models.PickupPoint, writable=("name", "amount", "frequency", "route_id"),
                          required=("name", "amount", "frequency", "route_id"), refs={"route_id": models.TransportRoute},
                          permissions=WRITE, validate=_riders_stay_on_their_route, after=_no_rider_left_behind("pickup point")),
    workflow("transportEnroll", service.enroll, roles(*SCHOOL_ADMINS), returns=models.TransportEnrollment),
    workflow("transportUnenroll", service.unenroll, roles(*SCHOOL_ADMINS), returns=models.TransportEnrollment),
)

from schema.students import Student  # noqa: E402
