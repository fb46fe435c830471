"""Transport routes, pickup points and enrollments (seed 001 transport domain)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, many, ref, school_ref
from models.fees import FeeFrequency


class TransportRoute(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "transport_routes"
    __table_args__ = (
        # the seat count is kept by atomic conditional updates; the database guards it too
        CheckConstraint("current_strength >= 0 AND current_strength <= capacity", name="strength_within_capacity"),
        SchoolTenantMixin.tenant_unique(),
    )
    __filterable__ = ("name", "capacity", "current_strength", "active")
    __sortable__ = ("name", "capacity", "current_strength")

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    current_strength: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    pickup_points: Mapped[list[PickupPoint]] = many("TransportRoute", "PickupPoint", "route_id")


class PickupPoint(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "pickup_points"
    __table_args__ = (SchoolTenantMixin.tenant_unique(), school_ref("route_id", "transport_routes"))
    __filterable__ = ("name", "amount", "frequency", "active")
    __sortable__ = ("name", "amount")

    name: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Numeric(15, 2))
    frequency: Mapped[FeeFrequency] = mapped_column(Enum(FeeFrequency, native_enum=False, length=20, validate_strings=True))
    route_id: Mapped[int]

    route: Mapped[TransportRoute] = ref("PickupPoint", "route_id", "TransportRoute")


class TransportEnrollment(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "transport_enrollments"
    __table_args__ = (
        UniqueConstraint("school_id", "student_id", "session_id", name="uq_transport_enrollments_student_session"),
        Index("idx_transport_enrollment_student", "student_id", "session_id"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("student_id", "students"),
        school_ref("pickup_point_id", "pickup_points"),
        school_ref("session_id", "academic_sessions"),
    )
    __filterable__ = ("active", "session_id")
    __sortable__ = ("created_at",)

    student_id: Mapped[int]
    pickup_point_id: Mapped[int]
    session_id: Mapped[int]

    student: Mapped["Student"] = ref("TransportEnrollment", "student_id", "Student")
    pickup_point: Mapped[PickupPoint] = ref("TransportEnrollment", "pickup_point_id", "PickupPoint")
