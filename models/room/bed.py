"""Seed 000 `room/bed.py`: beds, their one-to-one satellites, residents' bed preferences and
the derived utilization."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, ComputedMixin, HostelTenantMixin, enum_column, hostel_table, ref


class BedType(enum.Enum):
    SINGLE = "SINGLE"
    BUNK_LOWER = "BUNK_LOWER"
    BUNK_UPPER = "BUNK_UPPER"
    DOUBLE = "DOUBLE"


class BedStatus(enum.Enum):
    IN_SERVICE = "IN_SERVICE"
    OUT_OF_SERVICE = "OUT_OF_SERVICE"


class Bed(ActiveMixin, HostelTenantMixin, Base):
    """A bed. `current_student_id` is the resident sleeping in it today, kept in step with the
    active BedAssignment by the resident workflows (the room board reads it in one join)."""

    __tablename__ = "beds"
    __table_args__ = hostel_table(("room_id", "rooms"), ("current_student_id", "hostel_students"), extra=(
        UniqueConstraint("room_id", "bed_number"),
        UniqueConstraint("hostel_id", "current_student_id"),  # one bed per resident
        CheckConstraint("monthly_rent_override IS NULL OR monthly_rent_override >= 0", name="rent_non_negative"),
    ))
    __filterable__ = ("room_id", "bed_number", "bed_type", "status", "current_student_id", "active")
    __sortable__ = ("bed_number", "created_at")

    room_id: Mapped[int]
    bed_number: Mapped[str]
    bed_type: Mapped[BedType] = enum_column(BedType, BedType.SINGLE)
    status: Mapped[BedStatus] = enum_column(BedStatus, BedStatus.IN_SERVICE)
    monthly_rent_override: Mapped[Decimal | None]
    current_student_id: Mapped[int | None]

    room: Mapped[Room] = ref("Bed", "room_id", "Room")
    current_student: Mapped[HostelStudent | None] = ref("Bed", "current_student_id", "HostelStudent")


class ConditionGrade(enum.Enum):
    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    FAIR = "FAIR"
    POOR = "POOR"


class BedCondition(HostelTenantMixin, Base):
    __tablename__ = "bed_conditions"
    __table_args__ = hostel_table(("bed_id", "beds"), extra=(UniqueConstraint("bed_id"),))
    __filterable__ = ("bed_id", "condition", "needs_maintenance", "needs_replacement")
    __sortable__ = ("inspected_on",)

    bed_id: Mapped[int]
    condition: Mapped[ConditionGrade] = enum_column(ConditionGrade, ConditionGrade.GOOD)
    cleanliness: Mapped[ConditionGrade] = enum_column(ConditionGrade, ConditionGrade.GOOD)
    needs_maintenance: Mapped[bool] = mapped_column(default=False, server_default="false")
    needs_replacement: Mapped[bool] = mapped_column(default=False, server_default="false")
    inspected_on: Mapped[dt.date | None]
    notes: Mapped[str | None]

    bed: Mapped[Bed] = ref("BedCondition", "bed_id", "Bed")


class BedConfiguration(HostelTenantMixin, Base):
    __tablename__ = "bed_configurations"
    __table_args__ = hostel_table(("bed_id", "beds"), extra=(UniqueConstraint("bed_id"),))
    __filterable__ = ("bed_id", "has_power_outlet", "has_storage")
    __sortable__ = ("created_at",)

    bed_id: Mapped[int]
    frame: Mapped[str | None]
    mattress_type: Mapped[str | None]
    has_storage: Mapped[bool] = mapped_column(default=True, server_default="true")
    has_power_outlet: Mapped[bool] = mapped_column(default=True, server_default="true")
    has_reading_light: Mapped[bool] = mapped_column(default=False, server_default="false")
    has_privacy_curtain: Mapped[bool] = mapped_column(default=False, server_default="false")

    bed: Mapped[Bed] = ref("BedConfiguration", "bed_id", "Bed")


class BedAccessibility(HostelTenantMixin, Base):
    __tablename__ = "bed_accessibility"
    __table_args__ = hostel_table(("bed_id", "beds"), extra=(UniqueConstraint("bed_id"),))
    __filterable__ = ("bed_id", "wheelchair_accessible", "ground_level")
    __sortable__ = ("created_at",)

    bed_id: Mapped[int]
    wheelchair_accessible: Mapped[bool] = mapped_column(default=False, server_default="false")
    ground_level: Mapped[bool] = mapped_column(default=False, server_default="false")
    grab_bars: Mapped[bool] = mapped_column(default=False, server_default="false")
    notes: Mapped[str | None]

    bed: Mapped[Bed] = ref("BedAccessibility", "bed_id", "Bed")


class BedPreference(HostelTenantMixin, Base):
    """A resident's wish for a particular bed (rank 1 = most wanted)."""

    __tablename__ = "bed_preferences"
    __table_args__ = hostel_table(("bed_id", "beds"), ("student_id", "hostel_students"), extra=(
        UniqueConstraint("student_id", "bed_id"),
        CheckConstraint("rank >= 1", name="rank_positive"),
    ))
    __filterable__ = ("bed_id", "student_id", "rank")
    __sortable__ = ("rank", "created_at")

    student_id: Mapped[int]
    bed_id: Mapped[int]
    rank: Mapped[int] = mapped_column(default=1, server_default="1")
    reason: Mapped[str | None]

    student: Mapped[HostelStudent] = ref("BedPreference", "student_id", "HostelStudent")
    bed: Mapped[Bed] = ref("BedPreference", "bed_id", "Bed")


class BedUtilization(ComputedMixin, HostelTenantMixin, Base):
    __tablename__ = "bed_utilization"
    __table_args__ = hostel_table(("bed_id", "beds"), extra=(UniqueConstraint("bed_id", "period_start", "period_end"),))
    __filterable__ = ("bed_id", "period_start", "occupancy_rate")
    __sortable__ = ("period_start", "occupancy_rate")

    bed_id: Mapped[int]
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    occupied_days: Mapped[int]
    occupancy_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    revenue: Mapped[Decimal]

    bed: Mapped[Bed] = ref("BedUtilization", "bed_id", "Bed")
