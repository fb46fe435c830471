"""Transport routes, pickup points and enrollments (seed 001 transport domain)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, reference, school_ref
from models.entity import Entity, Writes
from models.fees import FeeFrequency
from models.school.access import ADMINS, READERS_AND_FAMILIES, family_rows

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.students import Student


class TransportRoute(ActiveMixin, SchoolTenantMixin, Base):
    """A bus route of the school, with its seats: enrollments take and free seats atomically."""

    __tablename__ = "transport_routes"
    __table_args__ = (
        # the seat count is kept by atomic conditional updates; the database guards it too
        CheckConstraint("current_strength >= 0 AND current_strength <= capacity", name="strength_within_capacity"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        list="transportRoutes",
        filter=("name", "capacity", "current_strength", "active"),
        order=("name", "capacity", "current_strength"),
        write=Writes(
            ADMINS,
            fields=("name", "description", "capacity"),
            required=("name",),
            after="resolvers.transport.rules.no_rider_left_behind_route",
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int] = mapped_column(Integer, default=30, server_default="30", comment="Seats on the route.")
    current_strength: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", comment="Seats taken; never above capacity."
    )


class PickupPoint(ActiveMixin, SchoolTenantMixin, Base):
    """A stop of a route, with the transport fee of the students who board there."""

    __tablename__ = "pickup_points"
    __table_args__ = (SchoolTenantMixin.tenant_unique(),)
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        list="pickupPoints",
        filter=("name", "amount", "frequency", "active"),
        order=("name", "amount"),
        write=Writes(
            ADMINS,
            fields=("name", "amount", "frequency", "route_id"),
            required=("name", "amount", "frequency", "route_id"),
            validate="resolvers.transport.rules.riders_stay_on_their_route",
            after="resolvers.transport.rules.no_rider_left_behind_point",
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Numeric(15, 2), comment="Transport fee per period (frequency) of a rider.")
    frequency: Mapped[FeeFrequency] = mapped_column(
        Enum(FeeFrequency, native_enum=False, length=20, validate_strings=True),
        comment="How often the amount is charged.",
    )
    route: Mapped[TransportRoute] = reference(back="pickup_points")


class TransportEnrollment(ActiveMixin, SchoolTenantMixin, Base):
    """A student riding from a pickup point in one academic session (transportEnroll and
    transportUnenroll; an ended enrollment is reactivated, never duplicated)."""

    __tablename__ = "transport_enrollments"
    __table_args__ = (
        UniqueConstraint("school_id", "student_id", "session_id", name="uq_transport_enrollments_student_session"),
        Index("idx_transport_enrollment_student", "student_id", "session_id"),
        SchoolTenantMixin.tenant_unique(),
        # not a reference(): its filter has taken the session's database id (IntFilter) since the
        # start, and a reference would make it a global ID; `session` is a computed field (schema/transport.py)
        school_ref("session_id", "academic_sessions"),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_rows(),
        list="transportEnrollments",
        filter=("active", "session_id"),
        order=("created_at",),
        hide=("session_id",),
    )

    student: Mapped[Student] = reference(back="transport_enrollments")
    pickup_point: Mapped[PickupPoint] = reference()
    session_id: Mapped[int] = mapped_column(comment="The academic session (database id; the `session` field reads it).")
