"""Seed 000 `room/room_amenity.py`: furniture and appliances of a room, their condition,
maintenance, usage, residents' feedback and asset inventory."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, HostelTenantMixin, enum_column, hostel_table, many, ref
from models.room.bed import ConditionGrade


class RoomAmenityType(enum.Enum):
    FURNITURE = "FURNITURE"
    APPLIANCE = "APPLIANCE"
    FIXTURE = "FIXTURE"
    ELECTRONICS = "ELECTRONICS"


class RoomAmenity(ActiveMixin, HostelTenantMixin, Base):
    __tablename__ = "room_amenities"
    __table_args__ = hostel_table(("room_id", "rooms"), extra=(CheckConstraint("quantity >= 1", name="quantity_positive"),))
    __filterable__ = ("room_id", "name", "amenity_type", "active")
    __sortable__ = ("name", "created_at")

    room_id: Mapped[int]
    name: Mapped[str]
    amenity_type: Mapped[RoomAmenityType] = enum_column(RoomAmenityType, RoomAmenityType.FURNITURE)
    quantity: Mapped[int] = mapped_column(default=1, server_default="1")
    brand: Mapped[str | None]

    room: Mapped[Room] = ref("RoomAmenity", "room_id", "Room")
    conditions: Mapped[list[AmenityCondition]] = many("RoomAmenity", "AmenityCondition", "room_amenity_id")
    maintenance: Mapped[list[AmenityMaintenance]] = many("RoomAmenity", "AmenityMaintenance", "room_amenity_id")
    feedback: Mapped[list[AmenityFeedback]] = many("RoomAmenity", "AmenityFeedback", "room_amenity_id")


class AmenityCondition(HostelTenantMixin, Base):
    """One condition assessment of a room amenity."""

    __tablename__ = "amenity_conditions"
    __table_args__ = hostel_table(("room_amenity_id", "room_amenities"))
    __filterable__ = ("room_amenity_id", "condition", "assessed_on", "needs_maintenance", "needs_replacement")
    __sortable__ = ("assessed_on",)

    room_amenity_id: Mapped[int]
    assessed_on: Mapped[dt.date]
    condition: Mapped[ConditionGrade] = enum_column(ConditionGrade, ConditionGrade.GOOD)
    damage_notes: Mapped[str | None] = mapped_column(Text)
    needs_maintenance: Mapped[bool] = mapped_column(default=False, server_default="false")
    needs_replacement: Mapped[bool] = mapped_column(default=False, server_default="false")

    room_amenity: Mapped[RoomAmenity] = ref("AmenityCondition", "room_amenity_id", "RoomAmenity")


class AmenityMaintenanceType(enum.Enum):
    INSPECTION = "INSPECTION"
    SERVICE = "SERVICE"
    REPAIR = "REPAIR"
    REPLACEMENT = "REPLACEMENT"


class AmenityMaintenance(HostelTenantMixin, Base):
    __tablename__ = "amenity_maintenance"
    __table_args__ = hostel_table(("room_amenity_id", "room_amenities"), extra=(
        CheckConstraint("cost >= 0", name="cost_non_negative"),
    ))
    __filterable__ = ("room_amenity_id", "maintenance_type", "performed_on")
    __sortable__ = ("performed_on",)

    room_amenity_id: Mapped[int]
    maintenance_type: Mapped[AmenityMaintenanceType] = enum_column(AmenityMaintenanceType)
    performed_on: Mapped[dt.date]
    cost: Mapped[Decimal] = mapped_column(default=Decimal("0"), server_default="0")
    vendor: Mapped[str | None]
    notes: Mapped[str | None] = mapped_column(Text)

    room_amenity: Mapped[RoomAmenity] = ref("AmenityMaintenance", "room_amenity_id", "RoomAmenity")


class AmenityUsage(HostelTenantMixin, Base):
    """Metered usage of an appliance over a period (meter readings entered by staff)."""

    __tablename__ = "amenity_usage"
    __table_args__ = hostel_table(("room_amenity_id", "room_amenities"), extra=(
        UniqueConstraint("room_amenity_id", "period_start"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint("usage_hours >= 0 AND energy_kwh >= 0 AND operational_cost >= 0", name="non_negative"),
    ))
    __filterable__ = ("room_amenity_id", "period_start")
    __sortable__ = ("period_start",)

    room_amenity_id: Mapped[int]
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    usage_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    energy_kwh: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    operational_cost: Mapped[Decimal]

    room_amenity: Mapped[RoomAmenity] = ref("AmenityUsage", "room_amenity_id", "RoomAmenity")


class AmenityFeedback(HostelTenantMixin, Base):
    __tablename__ = "amenity_feedback"
    __table_args__ = hostel_table(("room_amenity_id", "room_amenities"), ("student_id", "hostel_students"), extra=(
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    ))
    __filterable__ = ("room_amenity_id", "student_id", "rating", "reports_issue", "created_at")
    __sortable__ = ("created_at", "rating")

    room_amenity_id: Mapped[int]
    student_id: Mapped[int]
    rating: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    reports_issue: Mapped[bool] = mapped_column(default=False, server_default="false")

    room_amenity: Mapped[RoomAmenity] = ref("AmenityFeedback", "room_amenity_id", "RoomAmenity")
    student: Mapped[HostelStudent] = ref("AmenityFeedback", "student_id", "HostelStudent")


class AmenityInventory(HostelTenantMixin, Base):
    __tablename__ = "amenity_inventory"
    __table_args__ = hostel_table(("room_amenity_id", "room_amenities"), extra=(
        UniqueConstraint("room_amenity_id"),
        UniqueConstraint("hostel_id", "asset_tag"),
        CheckConstraint("purchase_cost IS NULL OR purchase_cost >= 0", name="cost_non_negative"),
    ))
    __filterable__ = ("room_amenity_id", "asset_tag", "warranty_until", "disposed_on")
    __sortable__ = ("asset_tag", "purchased_on")

    room_amenity_id: Mapped[int]
    asset_tag: Mapped[str]
    purchased_on: Mapped[dt.date | None]
    purchase_cost: Mapped[Decimal | None]
    current_value: Mapped[Decimal | None]
    warranty_until: Mapped[dt.date | None]
    last_verified_on: Mapped[dt.date | None]
    disposed_on: Mapped[dt.date | None]

    room_amenity: Mapped[RoomAmenity] = ref("AmenityInventory", "room_amenity_id", "RoomAmenity")
