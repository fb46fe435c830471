"""Seed 000 `room/room.py`: rooms and their one-to-one satellites (specification, maintenance
status, access control, occupancy limits) plus the append-only price history."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, HostelTenantMixin, enum_column, hostel_table, many, ref


class RoomStatus(enum.Enum):
    IN_SERVICE = "IN_SERVICE"
    UNDER_MAINTENANCE = "UNDER_MAINTENANCE"
    CLOSED = "CLOSED"


class Room(ActiveMixin, HostelTenantMixin, Base):
    """A room. Its price changes only through `roomPriceChange`, which writes RoomPricingHistory;
    occupancy is not stored here but derived from bed assignments and bookings."""

    __tablename__ = "rooms"
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), extra=(
        UniqueConstraint("hostel_id", "room_number"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("monthly_rent >= 0", name="rent_non_negative"),
    ))
    __filterable__ = ("room_number", "floor", "wing", "room_type_id", "status", "capacity", "monthly_rent", "active")
    __sortable__ = ("room_number", "floor", "monthly_rent")

    room_type_id: Mapped[int]
    room_number: Mapped[str]
    floor: Mapped[int]
    wing: Mapped[str | None]
    capacity: Mapped[int]
    monthly_rent: Mapped[Decimal]
    status: Mapped[RoomStatus] = enum_column(RoomStatus, RoomStatus.IN_SERVICE)
    notes: Mapped[str | None]

    room_type: Mapped[RoomTypeDefinition] = ref("Room", "room_type_id", "RoomTypeDefinition")
    beds: Mapped[list[Bed]] = many("Room", "Bed", "room_id", order_by="Bed.bed_number")
    pricing_history: Mapped[list[RoomPricingHistory]] = many("Room", "RoomPricingHistory", "room_id")
    amenities: Mapped[list[RoomAmenity]] = many("Room", "RoomAmenity", "room_id")


class BathroomType(enum.Enum):
    ATTACHED = "ATTACHED"
    SHARED = "SHARED"
    COMMON = "COMMON"


class RoomSpecification(HostelTenantMixin, Base):
    __tablename__ = "room_specifications"
    __table_args__ = hostel_table(("room_id", "rooms"), extra=(UniqueConstraint("room_id"),))
    __filterable__ = ("room_id", "bathroom_type", "has_balcony")
    __sortable__ = ("created_at",)

    room_id: Mapped[int]
    area_sqft: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    ceiling_height_ft: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    windows: Mapped[int] = mapped_column(default=1, server_default="1")
    electrical_points: Mapped[int] = mapped_column(default=2, server_default="2")
    bathroom_type: Mapped[BathroomType] = enum_column(BathroomType, BathroomType.COMMON)
    has_balcony: Mapped[bool] = mapped_column(default=False, server_default="false")
    fire_safety: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")

    room: Mapped[Room] = ref("RoomSpecification", "room_id", "Room")


class RoomPricingHistory(HostelTenantMixin, Base):
    """Append-only: one row for every change of a room's monthly rent."""

    __tablename__ = "room_pricing_history"
    __table_args__ = hostel_table(("room_id", "rooms"))
    __filterable__ = ("room_id", "effective_from", "created_at")
    __sortable__ = ("created_at", "effective_from")

    room_id: Mapped[int]
    old_monthly_rent: Mapped[Decimal]
    new_monthly_rent: Mapped[Decimal]
    effective_from: Mapped[dt.date]
    reason: Mapped[str | None]

    room: Mapped[Room] = ref("RoomPricingHistory", "room_id", "Room")


class MaintenanceState(enum.Enum):
    OK = "OK"
    INSPECTION_DUE = "INSPECTION_DUE"
    NEEDS_ATTENTION = "NEEDS_ATTENTION"
    IN_PROGRESS = "IN_PROGRESS"


class RoomMaintenanceStatus(HostelTenantMixin, Base):
    __tablename__ = "room_maintenance_status"
    __table_args__ = hostel_table(("room_id", "rooms"), extra=(UniqueConstraint("room_id"),))
    __filterable__ = ("room_id", "state", "next_inspection_on")
    __sortable__ = ("next_inspection_on",)

    room_id: Mapped[int]
    state: Mapped[MaintenanceState] = enum_column(MaintenanceState, MaintenanceState.OK)
    last_inspected_on: Mapped[dt.date | None]
    next_inspection_on: Mapped[dt.date | None]
    open_issues: Mapped[int] = mapped_column(default=0, server_default="0")
    notes: Mapped[str | None] = mapped_column(Text)

    room: Mapped[Room] = ref("RoomMaintenanceStatus", "room_id", "Room")


class AccessMethod(enum.Enum):
    KEY = "KEY"
    RFID = "RFID"
    PIN = "PIN"
    BIOMETRIC = "BIOMETRIC"


class RoomAccessControl(HostelTenantMixin, Base):
    """How the room is locked. Codes and key serials are never stored here, only the setup."""

    __tablename__ = "room_access_control"
    __table_args__ = hostel_table(("room_id", "rooms"), extra=(UniqueConstraint("room_id"),))
    __filterable__ = ("room_id", "access_method")
    __sortable__ = ("created_at",)

    room_id: Mapped[int]
    access_method: Mapped[AccessMethod] = enum_column(AccessMethod, AccessMethod.KEY)
    keys_issued: Mapped[int] = mapped_column(default=0, server_default="0")
    has_door_sensor: Mapped[bool] = mapped_column(default=False, server_default="false")
    alert_on_forced_entry: Mapped[bool] = mapped_column(default=False, server_default="false")
    staff_access_allowed: Mapped[bool] = mapped_column(default=True, server_default="true")

    room: Mapped[Room] = ref("RoomAccessControl", "room_id", "Room")


class GenderRule(enum.Enum):
    ANY = "ANY"
    MALE_ONLY = "MALE_ONLY"
    FEMALE_ONLY = "FEMALE_ONLY"


class RoomOccupancyLimit(HostelTenantMixin, Base):
    """Who and how many may live in the room; availability and assignment obey it."""

    __tablename__ = "room_occupancy_limits"
    __table_args__ = hostel_table(("room_id", "rooms"), extra=(
        UniqueConstraint("room_id"),
        CheckConstraint("max_occupants >= 1 AND min_occupants >= 0 AND min_occupants <= max_occupants",
                        name="occupant_range"),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="age_range"),
    ))
    __filterable__ = ("room_id", "gender_rule", "max_occupants")
    __sortable__ = ("created_at",)

    room_id: Mapped[int]
    max_occupants: Mapped[int]
    min_occupants: Mapped[int] = mapped_column(default=0, server_default="0")
    gender_rule: Mapped[GenderRule] = enum_column(GenderRule, GenderRule.ANY)
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]

    room: Mapped[Room] = ref("RoomOccupancyLimit", "room_id", "Room")
