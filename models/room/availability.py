"""Seed 000 `room/room_availability.py`: availability windows and rules (configuration), and
the derived state, forecasts, alerts and optimization runs (resolvers/hostel/analytics.py)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, ComputedMixin, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, STAFF

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.room.room import Room
    from models.room.room_type import RoomTypeDefinition

DERIVED = "Derived: see computedAt."


class RoomAvailabilityState(enum.Enum):
    AVAILABLE = "AVAILABLE"
    PARTLY_AVAILABLE = "PARTLY_AVAILABLE"
    FULL = "FULL"
    BLOCKED = "BLOCKED"


class RoomAvailability(ComputedMixin, HostelTenantMixin, Base):
    """A room's state on a day, derived from assignments, bookings and blocks."""

    __tablename__ = "room_availability"
    __table_args__ = hostel_table(extra=(UniqueConstraint("room_id", "as_of"),))
    __entity__ = Entity(
        read=STAFF,
        list="roomAvailability",
        about=DERIVED,
        filter=("room_id", "as_of", "state", "free_beds"),
        order=("as_of", "free_beds"),
    )

    room: Mapped[Room] = reference()
    as_of: Mapped[dt.date]
    state: Mapped[RoomAvailabilityState] = enum_column(RoomAvailabilityState)
    capacity: Mapped[int]
    occupied_beds: Mapped[int]
    reserved_beds: Mapped[int]
    free_beds: Mapped[int]
    effective_monthly_rent: Mapped[Decimal] = mapped_column(
        comment="The room's rent per month on that day, with the availability window's adjustment."
    )


class WindowType(enum.Enum):
    PEAK = "PEAK"
    OFF_PEAK = "OFF_PEAK"
    SEASONAL = "SEASONAL"
    CUSTOM = "CUSTOM"


class AvailabilityWindow(ActiveMixin, HostelTenantMixin, Base):
    """A date window with its own price adjustment and minimum stay (whole hostel or one room type)."""

    __tablename__ = "availability_windows"
    __table_args__ = hostel_table(
        extra=(
            CheckConstraint("ends_on >= starts_on", name="window_ordered"),
            CheckConstraint("price_adjustment_percent BETWEEN -100 AND 500", name="adjustment_range"),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="availabilityWindows",
        filter=("room_type_id", "window_type", "starts_on", "ends_on", "active"),
        order=("starts_on",),
        write=Writes(
            ADMINS,
            fields=(
                "room_type_id",
                "name",
                "window_type",
                "starts_on",
                "ends_on",
                "price_adjustment_percent",
                "min_stay_months",
            ),
            required=("name", "starts_on", "ends_on"),
        ),
    )

    room_type: Mapped[RoomTypeDefinition | None] = reference(
        comment="The room type it applies to; the whole hostel when null."
    )
    name: Mapped[str]
    window_type: Mapped[WindowType] = enum_column(WindowType, WindowType.CUSTOM)
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date] = mapped_column(comment="Last day of the window (inclusive).")
    price_adjustment_percent: Mapped[Decimal] = mapped_column(
        Numeric(6, 2),
        default=Decimal("0"),
        server_default="0",
        comment="Added to the rent in the window, in percent (-100 to 500; negative: a discount).",
    )
    min_stay_months: Mapped[int | None]


class AvailabilityRuleType(enum.Enum):
    MIN_STAY = "MIN_STAY"
    MAX_ADVANCE_DAYS = "MAX_ADVANCE_DAYS"
    HOLD_BACK_BEDS = "HOLD_BACK_BEDS"  # keep N beds of a type out of public availability


class AvailabilityRule(ActiveMixin, HostelTenantMixin, Base):
    """A rule on what is offered: a minimum stay, how far ahead one books, beds held back from
    public availability (per room type, or hostel-wide when no type is named)."""

    __tablename__ = "availability_rules"
    __table_args__ = hostel_table(extra=(CheckConstraint("value >= 0", name="value_non_negative"),))
    __entity__ = Entity(
        read=STAFF,
        list="availabilityRules",
        filter=("room_type_id", "rule_type", "active"),
        order=("name",),
        write=Writes(
            ADMINS,
            fields=("room_type_id", "name", "rule_type", "value", "description"),
            required=("name", "rule_type", "value"),
            validate="resolvers.room.service.hold_back_names_a_type",
        ),
    )

    room_type: Mapped[RoomTypeDefinition | None] = reference()
    name: Mapped[str]
    rule_type: Mapped[AvailabilityRuleType] = enum_column(AvailabilityRuleType)
    value: Mapped[int] = mapped_column(comment="Months (MIN_STAY), days (MAX_ADVANCE_DAYS) or beds (HOLD_BACK_BEDS).")
    description: Mapped[str | None]


class AvailabilityForecast(ComputedMixin, HostelTenantMixin, Base):
    """Expected free beds of a room type on a future day: known commitments (bookings,
    assignments, notices) plus the recent cancellation rate."""

    __tablename__ = "availability_forecasts"
    __table_args__ = hostel_table(extra=(UniqueConstraint("room_type_id", "forecast_for"),))
    __entity__ = Entity(
        read=STAFF,
        list="availabilityForecasts",
        about=DERIVED,
        filter=("room_type_id", "forecast_for"),
        order=("forecast_for",),
    )

    room_type: Mapped[RoomTypeDefinition] = reference()
    forecast_for: Mapped[dt.date]
    total_beds: Mapped[int]
    committed_beds: Mapped[int]
    expected_free_beds: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    waitlist_demand: Mapped[int]
    method: Mapped[str] = mapped_column(comment="How the figure was forecast.")


class AvailabilityAlertType(enum.Enum):
    LOW_AVAILABILITY = "LOW_AVAILABILITY"
    SOLD_OUT = "SOLD_OUT"
    HIGH_DEMAND = "HIGH_DEMAND"


class RoomAvailabilityAlert(ComputedMixin, HostelTenantMixin, Base):
    """A room type running low, sold out or in high demand on a day (derived)."""

    __tablename__ = "room_availability_alerts"
    __table_args__ = hostel_table(extra=(UniqueConstraint("room_type_id", "for_date", "alert_type"),))
    __entity__ = Entity(
        read=STAFF,
        list="roomAvailabilityAlerts",
        about=DERIVED,
        filter=("room_type_id", "alert_type", "for_date", "acknowledged"),
        order=("for_date", "computed_at"),
    )

    room_type: Mapped[RoomTypeDefinition] = reference()
    alert_type: Mapped[AvailabilityAlertType] = enum_column(AvailabilityAlertType)
    for_date: Mapped[dt.date]
    free_beds: Mapped[int]
    waitlisted: Mapped[int]
    message: Mapped[str] = mapped_column(Text)
    acknowledged: Mapped[bool] = mapped_column(default=False, server_default="false")


class AvailabilityOptimization(ComputedMixin, HostelTenantMixin, Base):
    """Price suggestions per room type from occupancy and waitlist demand."""

    __tablename__ = "availability_optimizations"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF, list="availabilityOptimizations", about=DERIVED, filter=("computed_at",), order=("computed_at",)
    )

    horizon_start: Mapped[dt.date]
    horizon_end: Mapped[dt.date]
    occupancy_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    recommendations: Mapped[list[Any]] = mapped_column(
        default=list, server_default="[]", comment="Price suggestions per room type."
    )
