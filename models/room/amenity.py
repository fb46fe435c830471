"""Seed 000 `room/room_amenity.py`: furniture and appliances of a room, their condition,
maintenance, usage, residents' feedback and asset inventory."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, MEMBERS, STAFF, own_resident_rows
from models.room.bed import RESIDENT, ConditionGrade

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.hostel_student import HostelStudent
    from models.room.room import Room


class RoomAmenityType(enum.Enum):
    FURNITURE = "FURNITURE"
    APPLIANCE = "APPLIANCE"
    FIXTURE = "FIXTURE"
    ELECTRONICS = "ELECTRONICS"


class RoomAmenity(ActiveMixin, HostelTenantMixin, Base):
    """A piece of furniture, an appliance or a fixture of a room."""

    __tablename__ = "room_amenities"
    __table_args__ = hostel_table(extra=(CheckConstraint("quantity >= 1", name="quantity_positive"),))
    __entity__ = Entity(
        read=MEMBERS,
        list="roomAmenities",
        filter=("room_id", "name", "amenity_type", "active"),
        order=("name", "created_at"),
        write=Writes(
            STAFF,
            fields=("room_id", "name", "amenity_type", "quantity", "brand"),
            required=("room_id", "name"),
            immutable=("room_id",),
        ),
    )

    room: Mapped[Room] = reference(back="amenities")
    name: Mapped[str]
    amenity_type: Mapped[RoomAmenityType] = enum_column(RoomAmenityType, RoomAmenityType.FURNITURE)
    quantity: Mapped[int] = mapped_column(default=1, server_default="1")
    brand: Mapped[str | None]


class AmenityCondition(HostelTenantMixin, Base):
    """One condition assessment of a room amenity."""

    __tablename__ = "amenity_conditions"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="amenityConditions",
        filter=("room_amenity_id", "condition", "assessed_on", "needs_maintenance", "needs_replacement"),
        order=("assessed_on",),
        write=Writes(
            STAFF,
            fields=(
                "room_amenity_id",
                "assessed_on",
                "condition",
                "damage_notes",
                "needs_maintenance",
                "needs_replacement",
            ),
            required=("room_amenity_id", "assessed_on"),
            immutable=("room_amenity_id",),
        ),
    )

    room_amenity: Mapped[RoomAmenity] = reference(back="conditions")
    assessed_on: Mapped[dt.date]
    condition: Mapped[ConditionGrade] = enum_column(ConditionGrade, ConditionGrade.GOOD)
    damage_notes: Mapped[str | None] = mapped_column(Text)
    needs_maintenance: Mapped[bool] = mapped_column(default=False, server_default="false")
    needs_replacement: Mapped[bool] = mapped_column(default=False, server_default="false")


class AmenityMaintenanceType(enum.Enum):
    INSPECTION = "INSPECTION"
    SERVICE = "SERVICE"
    REPAIR = "REPAIR"
    REPLACEMENT = "REPLACEMENT"


class AmenityMaintenance(HostelTenantMixin, Base):
    """Maintenance done on a room amenity: inspection, service, repair or replacement, and its cost."""

    __tablename__ = "amenity_maintenance"
    __table_args__ = hostel_table(extra=(CheckConstraint("cost >= 0", name="cost_non_negative"),))
    __entity__ = Entity(
        read=STAFF,
        list="amenityMaintenance",
        filter=("room_amenity_id", "maintenance_type", "performed_on"),
        order=("performed_on",),
        write=Writes(
            STAFF,
            fields=("room_amenity_id", "maintenance_type", "performed_on", "cost", "vendor", "notes"),
            required=("room_amenity_id", "maintenance_type", "performed_on"),
            immutable=("room_amenity_id",),
        ),
    )

    room_amenity: Mapped[RoomAmenity] = reference(back="maintenance")
    maintenance_type: Mapped[AmenityMaintenanceType] = enum_column(AmenityMaintenanceType)
    performed_on: Mapped[dt.date]
    cost: Mapped[Decimal] = mapped_column(
        default=Decimal("0"), server_default="0", comment="What the work cost, in the hostel's currency."
    )
    vendor: Mapped[str | None]
    notes: Mapped[str | None] = mapped_column(Text)


class AmenityUsage(HostelTenantMixin, Base):
    """Metered usage of an appliance over a period (meter readings entered by staff)."""

    __tablename__ = "amenity_usage"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("room_amenity_id", "period_start"),
            CheckConstraint("period_end >= period_start", name="period_ordered"),
            CheckConstraint("usage_hours >= 0 AND energy_kwh >= 0 AND operational_cost >= 0", name="non_negative"),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="amenityUsage",
        filter=("room_amenity_id", "period_start"),
        order=("period_start",),
        write=Writes(
            STAFF,
            fields=("room_amenity_id", "period_start", "period_end", "usage_hours", "energy_kwh", "operational_cost"),
            required=("room_amenity_id", "period_start", "period_end", "usage_hours", "energy_kwh", "operational_cost"),
            immutable=("room_amenity_id",),
        ),
    )

    room_amenity: Mapped[RoomAmenity] = reference()
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    usage_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    energy_kwh: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    operational_cost: Mapped[Decimal] = mapped_column(comment="Running cost over the period, in the hostel's currency.")


class AmenityFeedback(HostelTenantMixin, Base):
    """A resident's rating of an amenity of the room they live in."""

    __tablename__ = "amenity_feedback"
    __table_args__ = hostel_table(extra=(CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_resident_rows(),
        list="amenityFeedback",
        about="Staff see all; a resident their own.",
        filter=("room_amenity_id", "student_id", "rating", "reports_issue", "created_at"),
        order=("created_at", "rating"),
        write=Writes(
            {"create": RESIDENT, "update": RESIDENT},
            fields=("room_amenity_id", "rating", "comment", "reports_issue"),
            required=("room_amenity_id", "rating"),
            immutable=("room_amenity_id",),
            validate="resolvers.room.service.validate_feedback",
        ),
    )

    room_amenity: Mapped[RoomAmenity] = reference(back="feedback")
    student: Mapped[HostelStudent] = reference()
    rating: Mapped[int] = mapped_column(comment="1 (poor) to 5 (excellent).")
    comment: Mapped[str | None] = mapped_column(Text)
    reports_issue: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="The resident reports something broken or missing."
    )


class AmenityInventory(HostelTenantMixin, Base):
    """The asset record of a room amenity (one per amenity): tag, purchase, value, warranty, disposal."""

    __tablename__ = "amenity_inventory"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("room_amenity_id"),
            UniqueConstraint("hostel_id", "asset_tag"),
            CheckConstraint("purchase_cost IS NULL OR purchase_cost >= 0", name="cost_non_negative"),
        )
    )
    __entity__ = Entity(
        read=ADMINS,
        list="amenityInventory",
        filter=("room_amenity_id", "asset_tag", "warranty_until", "disposed_on"),
        order=("asset_tag", "purchased_on"),
        write=Writes(
            ADMINS,
            fields=(
                "room_amenity_id",
                "asset_tag",
                "purchased_on",
                "purchase_cost",
                "current_value",
                "warranty_until",
                "last_verified_on",
                "disposed_on",
            ),
            required=("room_amenity_id", "asset_tag"),
            immutable=("room_amenity_id",),
        ),
    )

    room_amenity: Mapped[RoomAmenity] = reference()
    asset_tag: Mapped[str] = mapped_column(comment="The label on the asset, unique in the hostel.")
    purchased_on: Mapped[dt.date | None]
    purchase_cost: Mapped[Decimal | None] = mapped_column(comment="In the hostel's currency.")
    current_value: Mapped[Decimal | None] = mapped_column(comment="Book value now, in the hostel's currency.")
    warranty_until: Mapped[dt.date | None]
    last_verified_on: Mapped[dt.date | None]
    disposed_on: Mapped[dt.date | None] = mapped_column(
        comment="Set once the asset is gone; still listed for the record."
    )
