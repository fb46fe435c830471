"""Seed 000 `room/room.py`: rooms and their one-to-one satellites (specification, maintenance
status, access control, occupancy limits) plus the append-only price history."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, MEMBERS, STAFF

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.room.room_type import RoomTypeDefinition

SERVICE = "resolvers.room.service"


class RoomStatus(enum.Enum):
    IN_SERVICE = "IN_SERVICE"
    UNDER_MAINTENANCE = "UNDER_MAINTENANCE"
    CLOSED = "CLOSED"


class Room(ActiveMixin, HostelTenantMixin, Base):
    """A room. Its price changes only through `roomPriceChange`, which writes RoomPricingHistory;
    occupancy is not stored here but derived from bed assignments and bookings."""

    __tablename__ = "rooms"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "room_number"),
            CheckConstraint("capacity >= 1", name="capacity_positive"),
            CheckConstraint("monthly_rent >= 0", name="rent_non_negative"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        list="rooms",
        filter=("room_number", "floor", "wing", "room_type_id", "status", "capacity", "monthly_rent", "active"),
        order=("room_number", "floor", "monthly_rent"),
        write=Writes(
            ADMINS,
            fields=("room_type_id", "room_number", "floor", "wing", "capacity", "monthly_rent", "status", "notes"),
            required=("room_type_id", "room_number", "floor", "capacity", "monthly_rent"),
            immutable=("monthly_rent",),
            validate=f"{SERVICE}.validate_room",
            after=f"{SERVICE}.after_room",
        ),
    )

    room_type: Mapped[RoomTypeDefinition] = reference(back="rooms")
    room_number: Mapped[str]
    floor: Mapped[int]
    wing: Mapped[str | None]
    capacity: Mapped[int] = mapped_column(comment="Most beds the room takes; never below its active beds.")
    monthly_rent: Mapped[Decimal] = mapped_column(
        comment="Rent of a bed per month, in the hostel's currency; changes only through roomPriceChange."
    )
    status: Mapped[RoomStatus] = enum_column(RoomStatus, RoomStatus.IN_SERVICE)
    notes: Mapped[str | None]


class BathroomType(enum.Enum):
    ATTACHED = "ATTACHED"
    SHARED = "SHARED"
    COMMON = "COMMON"


class RoomSpecification(HostelTenantMixin, Base):
    """A room's physical specification (one per room): area, windows, power points, bathroom."""

    __tablename__ = "room_specifications"
    __table_args__ = hostel_table(extra=(UniqueConstraint("room_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        list="roomSpecifications",
        filter=("room_id", "bathroom_type", "has_balcony"),
        order=("created_at",),
        write=Writes(
            ADMINS,
            fields=(
                "room_id",
                "area_sqft",
                "ceiling_height_ft",
                "windows",
                "electrical_points",
                "bathroom_type",
                "has_balcony",
                "fire_safety",
            ),
            required=("room_id",),
            immutable=("room_id",),
        ),
    )

    room: Mapped[Room] = reference()
    area_sqft: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    ceiling_height_ft: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    windows: Mapped[int] = mapped_column(default=1, server_default="1")
    electrical_points: Mapped[int] = mapped_column(default=2, server_default="2")
    bathroom_type: Mapped[BathroomType] = enum_column(BathroomType, BathroomType.COMMON)
    has_balcony: Mapped[bool] = mapped_column(default=False, server_default="false")
    fire_safety: Mapped[dict[str, Any]] = mapped_column(
        default=dict, server_default="{}", comment="Fire safety equipment of the room (name -> detail)."
    )


class RoomPricingHistory(HostelTenantMixin, Base):
    """Append-only: one row for every change of a room's monthly rent."""

    __tablename__ = "room_pricing_history"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="roomPricingHistory",
        about="Every change of a room's rent (append-only).",
        filter=("room_id", "effective_from", "created_at"),
        order=("created_at", "effective_from"),
        append_only=True,
    )

    room: Mapped[Room] = reference(back="pricing_history")
    old_monthly_rent: Mapped[Decimal]
    new_monthly_rent: Mapped[Decimal]
    effective_from: Mapped[dt.date]
    reason: Mapped[str | None]


class MaintenanceState(enum.Enum):
    OK = "OK"
    INSPECTION_DUE = "INSPECTION_DUE"
    NEEDS_ATTENTION = "NEEDS_ATTENTION"
    IN_PROGRESS = "IN_PROGRESS"


class RoomMaintenanceStatus(HostelTenantMixin, Base):
    """A room's maintenance state (one per room): inspections and open issues, kept by staff."""

    __tablename__ = "room_maintenance_status"
    __table_args__ = hostel_table(extra=(UniqueConstraint("room_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="roomMaintenanceStatuses",
        filter=("room_id", "state", "next_inspection_on"),
        order=("next_inspection_on",),
        write=Writes(
            STAFF,
            fields=("room_id", "state", "last_inspected_on", "next_inspection_on", "open_issues", "notes"),
            required=("room_id",),
            immutable=("room_id",),
        ),
    )

    room: Mapped[Room] = reference()
    state: Mapped[MaintenanceState] = enum_column(MaintenanceState, MaintenanceState.OK)
    last_inspected_on: Mapped[dt.date | None]
    next_inspection_on: Mapped[dt.date | None]
    open_issues: Mapped[int] = mapped_column(default=0, server_default="0")
    notes: Mapped[str | None] = mapped_column(Text)


class AccessMethod(enum.Enum):
    KEY = "KEY"
    RFID = "RFID"
    PIN = "PIN"
    BIOMETRIC = "BIOMETRIC"


class RoomAccessControl(HostelTenantMixin, Base):
    """How the room is locked. Codes and key serials are never stored here, only the setup."""

    __tablename__ = "room_access_control"
    __table_args__ = hostel_table(extra=(UniqueConstraint("room_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="roomAccessControls",
        filter=("room_id", "access_method"),
        order=("created_at",),
        write=Writes(
            ADMINS,
            fields=(
                "room_id",
                "access_method",
                "keys_issued",
                "has_door_sensor",
                "alert_on_forced_entry",
                "staff_access_allowed",
            ),
            required=("room_id",),
            immutable=("room_id",),
        ),
    )

    room: Mapped[Room] = reference()
    access_method: Mapped[AccessMethod] = enum_column(AccessMethod, AccessMethod.KEY)
    keys_issued: Mapped[int] = mapped_column(default=0, server_default="0")
    has_door_sensor: Mapped[bool] = mapped_column(default=False, server_default="false")
    alert_on_forced_entry: Mapped[bool] = mapped_column(default=False, server_default="false")
    staff_access_allowed: Mapped[bool] = mapped_column(
        default=True, server_default="true", comment="Staff may open the room without the resident."
    )


class GenderRule(enum.Enum):
    ANY = "ANY"
    MALE_ONLY = "MALE_ONLY"
    FEMALE_ONLY = "FEMALE_ONLY"


class RoomOccupancyLimit(HostelTenantMixin, Base):
    """Who and how many may live in the room; availability and assignment obey it."""

    __tablename__ = "room_occupancy_limits"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("room_id"),
            CheckConstraint(
                "max_occupants >= 1 AND min_occupants >= 0 AND min_occupants <= max_occupants", name="occupant_range"
            ),
            CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="age_range"),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="roomOccupancyLimits",
        filter=("room_id", "gender_rule", "max_occupants"),
        order=("created_at",),
        write=Writes(
            ADMINS,
            fields=("room_id", "max_occupants", "min_occupants", "gender_rule", "min_age", "max_age"),
            required=("room_id", "max_occupants"),
            immutable=("room_id",),
            validate=f"{SERVICE}.validate_occupancy_limit",
        ),
    )

    room: Mapped[Room] = reference()
    max_occupants: Mapped[int] = mapped_column(
        comment="At most the room's capacity, and never below the residents living in it."
    )
    min_occupants: Mapped[int] = mapped_column(default=0, server_default="0")
    gender_rule: Mapped[GenderRule] = enum_column(
        GenderRule,
        GenderRule.ANY,
        comment="Who may live in the room; a single-gender hostel allows only its own gender.",
    )
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
