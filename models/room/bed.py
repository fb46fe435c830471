"""Seed 000 `room/bed.py`: beds, their one-to-one satellites, residents' bed preferences and
the derived utilization."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auth.permissions import roles
from models.base import ActiveMixin, Base, ComputedMixin, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, MEMBERS, STAFF, own_resident_rows

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.hostel_student import HostelStudent
    from models.room.room import Room

SERVICE = "resolvers.room.service"
RESIDENT = roles("HOSTEL_STUDENT", description="roles: HOSTEL_STUDENT (a resident, as themselves)")


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
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("room_id", "bed_number"),
            UniqueConstraint("hostel_id", "current_student_id"),  # one bed per resident
            CheckConstraint("monthly_rent_override IS NULL OR monthly_rent_override >= 0", name="rent_non_negative"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        list="beds",
        filter=("room_id", "bed_number", "bed_type", "status", "current_student_id", "active"),
        order=("bed_number", "created_at"),
        write=Writes(
            ADMINS,
            fields=("room_id", "bed_number", "bed_type", "status", "monthly_rent_override"),
            required=("room_id", "bed_number"),
            immutable=("room_id",),
            validate=f"{SERVICE}.validate_bed",
            after=f"{SERVICE}.after_bed",
        ),
    )

    room: Mapped[Room] = reference(back="beds")
    bed_number: Mapped[str]
    bed_type: Mapped[BedType] = enum_column(BedType, BedType.SINGLE)
    status: Mapped[BedStatus] = enum_column(BedStatus, BedStatus.IN_SERVICE)
    monthly_rent_override: Mapped[Decimal | None] = mapped_column(
        comment="This bed's rent per month when it differs from the room's, in the hostel's currency."
    )
    current_student: Mapped[HostelStudent | None] = reference(comment="The resident sleeping in this bed today.")


class ConditionGrade(enum.Enum):
    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    FAIR = "FAIR"
    POOR = "POOR"


class BedCondition(HostelTenantMixin, Base):
    """A bed's condition and cleanliness at its last inspection (one per bed), kept by staff."""

    __tablename__ = "bed_conditions"
    __table_args__ = hostel_table(extra=(UniqueConstraint("bed_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="bedConditions",
        filter=("bed_id", "condition", "needs_maintenance", "needs_replacement"),
        order=("inspected_on",),
        write=Writes(
            STAFF,
            fields=(
                "bed_id",
                "condition",
                "cleanliness",
                "needs_maintenance",
                "needs_replacement",
                "inspected_on",
                "notes",
            ),
            required=("bed_id",),
            immutable=("bed_id",),
        ),
    )

    bed: Mapped[Bed] = reference()
    condition: Mapped[ConditionGrade] = enum_column(ConditionGrade, ConditionGrade.GOOD)
    cleanliness: Mapped[ConditionGrade] = enum_column(ConditionGrade, ConditionGrade.GOOD)
    needs_maintenance: Mapped[bool] = mapped_column(default=False, server_default="false")
    needs_replacement: Mapped[bool] = mapped_column(default=False, server_default="false")
    inspected_on: Mapped[dt.date | None]
    notes: Mapped[str | None]


class BedConfiguration(HostelTenantMixin, Base):
    """How a bed is fitted out (one per bed): frame, mattress, storage, power, light, curtain."""

    __tablename__ = "bed_configurations"
    __table_args__ = hostel_table(extra=(UniqueConstraint("bed_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        list="bedConfigurations",
        filter=("bed_id", "has_power_outlet", "has_storage"),
        order=("created_at",),
        write=Writes(
            ADMINS,
            fields=(
                "bed_id",
                "frame",
                "mattress_type",
                "has_storage",
                "has_power_outlet",
                "has_reading_light",
                "has_privacy_curtain",
            ),
            required=("bed_id",),
            immutable=("bed_id",),
        ),
    )

    bed: Mapped[Bed] = reference()
    frame: Mapped[str | None]
    mattress_type: Mapped[str | None]
    has_storage: Mapped[bool] = mapped_column(default=True, server_default="true")
    has_power_outlet: Mapped[bool] = mapped_column(default=True, server_default="true")
    has_reading_light: Mapped[bool] = mapped_column(default=False, server_default="false")
    has_privacy_curtain: Mapped[bool] = mapped_column(default=False, server_default="false")


class BedAccessibility(HostelTenantMixin, Base):
    """Whether a bed suits a resident with reduced mobility (one per bed)."""

    __tablename__ = "bed_accessibility"
    __table_args__ = hostel_table(extra=(UniqueConstraint("bed_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        list="bedAccessibility",
        filter=("bed_id", "wheelchair_accessible", "ground_level"),
        order=("created_at",),
        write=Writes(
            ADMINS,
            fields=("bed_id", "wheelchair_accessible", "ground_level", "grab_bars", "notes"),
            required=("bed_id",),
            immutable=("bed_id",),
        ),
    )

    bed: Mapped[Bed] = reference()
    wheelchair_accessible: Mapped[bool] = mapped_column(default=False, server_default="false")
    ground_level: Mapped[bool] = mapped_column(default=False, server_default="false")
    grab_bars: Mapped[bool] = mapped_column(default=False, server_default="false")
    notes: Mapped[str | None]


class BedPreference(HostelTenantMixin, Base):
    """A resident's wish for a particular bed (rank 1 = most wanted)."""

    __tablename__ = "bed_preferences"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("student_id", "bed_id"),
            CheckConstraint("rank >= 1", name="rank_positive"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_resident_rows(),
        list="bedPreferences",
        about="Staff see all; a resident their own.",
        filter=("bed_id", "student_id", "rank"),
        order=("rank", "created_at"),
        write=Writes(
            {"create": RESIDENT, "update": RESIDENT},
            fields=("bed_id", "rank", "reason"),
            required=("bed_id",),
            immutable=("bed_id",),
            validate=f"{SERVICE}.validate_bed_preference",
        ),
    )

    student: Mapped[HostelStudent] = reference()
    bed: Mapped[Bed] = reference()
    rank: Mapped[int] = mapped_column(default=1, server_default="1", comment="1 = the most wanted bed.")
    reason: Mapped[str | None]


class BedUtilization(ComputedMixin, HostelTenantMixin, Base):
    """How much a bed was occupied over a period, and what it earned (derived)."""

    __tablename__ = "bed_utilization"
    __table_args__ = hostel_table(extra=(UniqueConstraint("bed_id", "period_start", "period_end"),))
    __entity__ = Entity(
        read=STAFF,
        list="bedUtilization",
        about="Derived: see computedAt.",
        filter=("bed_id", "period_start", "occupancy_rate"),
        order=("period_start", "occupancy_rate"),
    )

    bed: Mapped[Bed] = reference()
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    occupied_days: Mapped[int]
    occupancy_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    revenue: Mapped[Decimal]
