"""Seed 000 `room/room_availability.py`: availability windows and rules (configuration), and
the derived state, forecasts, alerts and optimization runs (resolvers/hostel/analytics.py)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, ComputedMixin, HostelTenantMixin, enum_column, hostel_table, ref


class RoomAvailabilityState(enum.Enum):
    AVAILABLE = "AVAILABLE"
    PARTLY_AVAILABLE = "PARTLY_AVAILABLE"
    FULL = "FULL"
    BLOCKED = "BLOCKED"


class RoomAvailability(ComputedMixin, HostelTenantMixin, Base):
    """A room's state on a day, derived from assignments, bookings and blocks."""

    __tablename__ = "room_availability"
    __table_args__ = hostel_table(("room_id", "rooms"), extra=(UniqueConstraint("room_id", "as_of"),))
    __filterable__ = ("room_id", "as_of", "state", "free_beds")
    __sortable__ = ("as_of", "free_beds")

    room_id: Mapped[int]
    as_of: Mapped[dt.date]
    state: Mapped[RoomAvailabilityState] = enum_column(RoomAvailabilityState)
    capacity: Mapped[int]
    occupied_beds: Mapped[int]
    reserved_beds: Mapped[int]
    free_beds: Mapped[int]
    effective_monthly_rent: Mapped[Decimal]

    room: Mapped[Room] = ref("RoomAvailability", "room_id", "Room")


class WindowType(enum.Enum):
    PEAK = "PEAK"
    OFF_PEAK = "OFF_PEAK"
    SEASONAL = "SEASONAL"
    CUSTOM = "CUSTOM"


class AvailabilityWindow(ActiveMixin, HostelTenantMixin, Base):
    """A date window with its own price adjustment and minimum stay (whole hostel or one room type)."""

    __tablename__ = "availability_windows"
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), extra=(
        CheckConstraint("ends_on >= starts_on", name="window_ordered"),
        CheckConstraint("price_adjustment_percent BETWEEN -100 AND 500", name="adjustment_range"),
    ))
    __filterable__ = ("room_type_id", "window_type", "starts_on", "ends_on", "active")
    __sortable__ = ("starts_on",)

    room_type_id: Mapped[int | None]
    name: Mapped[str]
    window_type: Mapped[WindowType] = enum_column(WindowType, WindowType.CUSTOM)
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    price_adjustment_percent: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("0"), server_default="0")
    min_stay_months: Mapped[int | None]

    room_type: Mapped[RoomTypeDefinition | None] = ref("AvailabilityWindow", "room_type_id", "RoomTypeDefinition")


class AvailabilityRuleType(enum.Enum):
    MIN_STAY = "MIN_STAY"
    MAX_ADVANCE_DAYS = "MAX_ADVANCE_DAYS"
    HOLD_BACK_BEDS = "HOLD_BACK_BEDS"  # keep N beds of a type out of public availability


class AvailabilityRule(ActiveMixin, HostelTenantMixin, Base):
    __tablename__ = "availability_rules"
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), extra=(
        CheckConstraint("value >= 0", name="value_non_negative"),
    ))
    __filterable__ = ("room_type_id", "rule_type", "active")
    __sortable__ = ("name",)

    room_type_id: Mapped[int | None]
    name: Mapped[str]
    rule_type: Mapped[AvailabilityRuleType] = enum_column(AvailabilityRuleType)
    value: Mapped[int]
    description: Mapped[str | None]

    room_type: Mapped[RoomTypeDefinition | None] = ref("AvailabilityRule", "room_type_id", "RoomTypeDefinition")


class AvailabilityForecast(ComputedMixin, HostelTenantMixin, Base):
    """Expected free beds of a room type on a future day: known commitments (bookings,
    assignments, notices) plus the recent cancellation rate."""

    __tablename__ = "availability_forecasts"
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), extra=(
        UniqueConstraint("room_type_id", "forecast_for"),
    ))
    __filterable__ = ("room_type_id", "forecast_for")
    __sortable__ = ("forecast_for",)

    room_type_id: Mapped[int]
    forecast_for: Mapped[dt.date]
    total_beds: Mapped[int]
    committed_beds: Mapped[int]
    expected_free_beds: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    waitlist_demand: Mapped[int]
    method: Mapped[str]

    room_type: Mapped[RoomTypeDefinition] = ref("AvailabilityForecast", "room_type_id", "RoomTypeDefinition")


class AvailabilityAlertType(enum.Enum):
    LOW_AVAILABILITY = "LOW_AVAILABILITY"
    SOLD_OUT = "SOLD_OUT"
    HIGH_DEMAND = "HIGH_DEMAND"


class RoomAvailabilityAlert(ComputedMixin, HostelTenantMixin, Base):
    __tablename__ = "room_availability_alerts"
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), extra=(
        UniqueConstraint("room_type_id", "for_date", "alert_type"),
    ))
    __filterable__ = ("room_type_id", "alert_type", "for_date", "acknowledged")
    __sortable__ = ("for_date", "computed_at")

    room_type_id: Mapped[int]
    alert_type: Mapped[AvailabilityAlertType] = enum_column(AvailabilityAlertType)
    for_date: Mapped[dt.date]
    free_beds: Mapped[int]
    waitlisted: Mapped[int]
    message: Mapped[str] = mapped_column(Text)
    acknowledged: Mapped[bool] = mapped_column(default=False, server_default="false")

    room_type: Mapped[RoomTypeDefinition] = ref("RoomAvailabilityAlert", "room_type_id", "RoomTypeDefinition")


class AvailabilityOptimization(ComputedMixin, HostelTenantMixin, Base):
    """Price suggestions per room type from occupancy and waitlist demand."""

    __tablename__ = "availability_optimizations"
    __table_args__ = hostel_table()
    __filterable__ = ("computed_at",)
    __sortable__ = ("computed_at",)

    horizon_start: Mapped[dt.date]
    horizon_end: Mapped[dt.date]
    occupancy_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    recommendations: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
