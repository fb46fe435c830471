"""Seed 000 `room/bed_assignment.py`: who sleeps in which bed when, the rules and preferences
that steer automatic assignment, conflicts met, optimization runs and the change history."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import (ActiveMixin, Base, ComputedMixin, HostelTenantMixin, enum_column, hostel_table, no_overlap,
                         ref)


class BedAssignmentStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    CANCELLED = "CANCELLED"


class BedAssignment(HostelTenantMixin, Base):
    """A resident in a bed for [starts_on, ends_on) (open while ends_on is NULL). The database
    refuses two ACTIVE assignments of one bed whose dates overlap (ex_bed_assignments_no_overlap)."""

    __tablename__ = "bed_assignments"
    __table_args__ = hostel_table(("bed_id", "beds"), ("room_id", "rooms"), ("student_id", "hostel_students"),
                                  ("booking_id", "bookings"), extra=(
        CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name="dates_ordered"),
        CheckConstraint("monthly_rent >= 0", name="rent_non_negative"),
        no_overlap("ex_bed_assignments_no_overlap", "bed_id", "starts_on", "ends_on", "status = 'ACTIVE'"),
        no_overlap("ex_bed_assignments_one_bed_per_student", "student_id", "starts_on", "ends_on", "status = 'ACTIVE'"),
    ))
    __filterable__ = ("bed_id", "room_id", "student_id", "booking_id", "status", "starts_on", "ends_on")
    __sortable__ = ("starts_on", "created_at")

    bed_id: Mapped[int]
    room_id: Mapped[int]
    student_id: Mapped[int]
    booking_id: Mapped[int | None]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    status: Mapped[BedAssignmentStatus] = enum_column(BedAssignmentStatus, BedAssignmentStatus.ACTIVE)
    monthly_rent: Mapped[Decimal]
    check_in_condition_notes: Mapped[str | None]
    check_out_condition_notes: Mapped[str | None]

    bed: Mapped[Bed] = ref("BedAssignment", "bed_id", "Bed")
    room: Mapped[Room] = ref("BedAssignment", "room_id", "Room")
    student: Mapped[HostelStudent] = ref("BedAssignment", "student_id", "HostelStudent")
    booking: Mapped[Booking | None] = ref("BedAssignment", "booking_id", "Booking")


class AssignmentStrategy(enum.Enum):
    FIRST_FIT = "FIRST_FIT"
    FILL_ROOMS = "FILL_ROOMS"  # complete partly occupied rooms first
    SPREAD = "SPREAD"  # emptiest rooms first
    SAME_INSTITUTION = "SAME_INSTITUTION"


class AssignmentRule(ActiveMixin, HostelTenantMixin, Base):
    """How a bed is picked when a booking is approved without one (highest priority active rule)."""

    __tablename__ = "assignment_rules"
    __table_args__ = hostel_table()
    __filterable__ = ("name", "strategy", "priority", "active")
    __sortable__ = ("priority", "name")

    name: Mapped[str]
    strategy: Mapped[AssignmentStrategy] = enum_column(AssignmentStrategy, AssignmentStrategy.FILL_ROOMS)
    priority: Mapped[int] = mapped_column(default=100, server_default="100")
    prefer_lower_floors: Mapped[bool] = mapped_column(default=False, server_default="false")
    description: Mapped[str | None]


class ConflictType(enum.Enum):
    DOUBLE_BOOKING = "DOUBLE_BOOKING"
    GENDER_RULE = "GENDER_RULE"
    CAPACITY = "CAPACITY"
    BED_OUT_OF_SERVICE = "BED_OUT_OF_SERVICE"


class AssignmentConflict(HostelTenantMixin, Base):
    """A refused assignment attempt, kept for the warden (written after the refusal)."""

    __tablename__ = "assignment_conflicts"
    __table_args__ = hostel_table(("bed_id", "beds"), ("booking_id", "bookings"))
    __filterable__ = ("bed_id", "booking_id", "conflict_type", "resolved", "created_at")
    __sortable__ = ("created_at",)

    bed_id: Mapped[int]
    booking_id: Mapped[int | None]
    conflict_type: Mapped[ConflictType] = enum_column(ConflictType)
    details: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(default=False, server_default="false")

    bed: Mapped[Bed] = ref("AssignmentConflict", "bed_id", "Bed")
    booking: Mapped[Booking | None] = ref("AssignmentConflict", "booking_id", "Booking")


class AssignmentOptimization(ComputedMixin, HostelTenantMixin, Base):
    """A rebalancing suggestion: rooms that could be consolidated to free whole rooms."""

    __tablename__ = "assignment_optimizations"
    __table_args__ = hostel_table()
    __filterable__ = ("computed_at",)
    __sortable__ = ("computed_at",)

    beds_considered: Mapped[int]
    partly_occupied_rooms: Mapped[int]
    rooms_freeable: Mapped[int]
    suggested_moves: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    occupancy_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class AssignmentChange(enum.Enum):
    ASSIGNED = "ASSIGNED"
    TRANSFERRED = "TRANSFERRED"
    ENDED = "ENDED"


class RoomAssignmentHistory(HostelTenantMixin, Base):
    """Append-only trail of bed assignment changes."""

    __tablename__ = "room_assignment_history"
    __table_args__ = hostel_table(("bed_assignment_id", "bed_assignments"), ("student_id", "hostel_students"),
                                  ("from_bed_id", "beds"), ("to_bed_id", "beds"))
    __filterable__ = ("bed_assignment_id", "student_id", "change", "created_at")
    __sortable__ = ("created_at",)

    bed_assignment_id: Mapped[int]
    student_id: Mapped[int]
    change: Mapped[AssignmentChange] = enum_column(AssignmentChange)
    from_bed_id: Mapped[int | None]
    to_bed_id: Mapped[int | None]
    effective_on: Mapped[dt.date]
    reason: Mapped[str | None]

    bed_assignment: Mapped[BedAssignment] = ref("RoomAssignmentHistory", "bed_assignment_id", "BedAssignment")
    student: Mapped[HostelStudent] = ref("RoomAssignmentHistory", "student_id", "HostelStudent")
    from_bed: Mapped[Bed | None] = ref("RoomAssignmentHistory", "from_bed_id", "Bed")
    to_bed: Mapped[Bed | None] = ref("RoomAssignmentHistory", "to_bed_id", "Bed")


class AssignmentPreference(ActiveMixin, HostelTenantMixin, Base):
    """What automatic assignment should favour: hostel-wide (no student) or for one resident."""

    __tablename__ = "assignment_preferences"
    __table_args__ = hostel_table(("student_id", "hostel_students"), ("preferred_room_type_id", "room_type_definitions"))
    __filterable__ = ("student_id", "preferred_floor", "preferred_room_type_id", "active")
    __sortable__ = ("created_at",)

    student_id: Mapped[int | None]
    preferred_floor: Mapped[int | None]
    preferred_room_type_id: Mapped[int | None]
    quiet_room: Mapped[bool] = mapped_column(default=False, server_default="false")
    near_washroom: Mapped[bool] = mapped_column(default=False, server_default="false")
    notes: Mapped[str | None]

    student: Mapped[HostelStudent | None] = ref("AssignmentPreference", "student_id", "HostelStudent")
    preferred_room_type: Mapped[RoomTypeDefinition | None] = ref("AssignmentPreference", "preferred_room_type_id",
                                                                 "RoomTypeDefinition")
