"""Seed 000 `room/bed_assignment.py`: who sleeps in which bed when, the rules and preferences
that steer automatic assignment, conflicts met, optimization runs and the change history."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import (
    ActiveMixin,
    Base,
    ComputedMixin,
    HostelTenantMixin,
    enum_column,
    hostel_table,
    no_overlap,
    reference,
)
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, MEMBERS, STAFF, own_resident_rows

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.booking import Booking
    from models.hostel_student import HostelStudent
    from models.room.bed import Bed
    from models.room.room import Room
    from models.room.room_type import RoomTypeDefinition


class BedAssignmentStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    CANCELLED = "CANCELLED"


class BedAssignment(HostelTenantMixin, Base):
    """A resident in a bed for [starts_on, ends_on) (open while ends_on is NULL). The database
    refuses two ACTIVE assignments of one bed whose dates overlap (ex_bed_assignments_no_overlap)."""

    __tablename__ = "bed_assignments"
    __table_args__ = hostel_table(
        extra=(
            CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name="dates_ordered"),
            CheckConstraint("monthly_rent >= 0", name="rent_non_negative"),
            no_overlap("ex_bed_assignments_no_overlap", "bed_id", "starts_on", "ends_on", "status = 'ACTIVE'"),
            no_overlap(
                "ex_bed_assignments_one_bed_per_student", "student_id", "starts_on", "ends_on", "status = 'ACTIVE'"
            ),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_resident_rows(),
        list="bedAssignments",
        about="Staff see all; a resident their own.",
        filter=("bed_id", "room_id", "student_id", "booking_id", "status", "starts_on", "ends_on"),
        order=("starts_on", "created_at"),
    )

    bed: Mapped[Bed] = reference()
    room: Mapped[Room] = reference()
    student: Mapped[HostelStudent] = reference()
    booking: Mapped[Booking | None] = reference(comment="The booking the stay came from (none for a walk-in).")
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None] = mapped_column(comment="First day no longer in the bed; open while null.")
    status: Mapped[BedAssignmentStatus] = enum_column(BedAssignmentStatus, BedAssignmentStatus.ACTIVE)
    monthly_rent: Mapped[Decimal] = mapped_column(
        comment="The resident's rent per month, fixed when assigned (a later room price change does not move it)."
    )
    check_in_condition_notes: Mapped[str | None]
    check_out_condition_notes: Mapped[str | None]


class AssignmentStrategy(enum.Enum):
    FIRST_FIT = "FIRST_FIT"
    FILL_ROOMS = "FILL_ROOMS"  # complete partly occupied rooms first
    SPREAD = "SPREAD"  # emptiest rooms first
    SAME_INSTITUTION = "SAME_INSTITUTION"


class AssignmentRule(ActiveMixin, HostelTenantMixin, Base):
    """How a bed is picked when a booking is approved without one (highest priority active rule)."""

    __tablename__ = "assignment_rules"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="assignmentRules",
        filter=("name", "strategy", "priority", "active"),
        order=("priority", "name"),
        write=Writes(
            ADMINS, fields=("name", "strategy", "priority", "prefer_lower_floors", "description"), required=("name",)
        ),
    )

    name: Mapped[str]
    strategy: Mapped[AssignmentStrategy] = enum_column(AssignmentStrategy, AssignmentStrategy.FILL_ROOMS)
    priority: Mapped[int] = mapped_column(
        default=100, server_default="100", comment="The active rule of highest priority is the one applied."
    )
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
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="assignmentConflicts",
        filter=("bed_id", "booking_id", "conflict_type", "resolved", "created_at"),
        order=("created_at",),
        write=Writes(STAFF, fields=("resolved",), verbs=("update",)),
    )

    bed: Mapped[Bed] = reference()
    booking: Mapped[Booking | None] = reference()
    conflict_type: Mapped[ConflictType] = enum_column(ConflictType)
    details: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="Set by staff once the warden has dealt with it."
    )


class AssignmentOptimization(ComputedMixin, HostelTenantMixin, Base):
    """A rebalancing suggestion: rooms that could be consolidated to free whole rooms."""

    __tablename__ = "assignment_optimizations"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="assignmentOptimizations",
        about="Derived: see computedAt.",
        filter=("computed_at",),
        order=("computed_at",),
    )

    beds_considered: Mapped[int]
    partly_occupied_rooms: Mapped[int]
    rooms_freeable: Mapped[int]
    suggested_moves: Mapped[list[Any]] = mapped_column(
        default=list, server_default="[]", comment="Moves that would free whole rooms (resident, from bed, to bed)."
    )
    occupancy_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class AssignmentChange(enum.Enum):
    ASSIGNED = "ASSIGNED"
    TRANSFERRED = "TRANSFERRED"
    ENDED = "ENDED"


class RoomAssignmentHistory(HostelTenantMixin, Base):
    """Append-only trail of bed assignment changes."""

    __tablename__ = "room_assignment_history"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_resident_rows(),
        list="roomAssignmentHistory",
        about="Staff see all; a resident their own.",
        filter=("bed_assignment_id", "student_id", "change", "created_at"),
        order=("created_at",),
        append_only=True,
    )

    bed_assignment: Mapped[BedAssignment] = reference()
    student: Mapped[HostelStudent] = reference()
    change: Mapped[AssignmentChange] = enum_column(AssignmentChange)
    from_bed: Mapped[Bed | None] = reference()
    to_bed: Mapped[Bed | None] = reference()
    effective_on: Mapped[dt.date]
    reason: Mapped[str | None]


class AssignmentPreference(ActiveMixin, HostelTenantMixin, Base):
    """What automatic assignment should favour: hostel-wide (no student) or for one resident."""

    __tablename__ = "assignment_preferences"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="assignmentPreferences",
        filter=("student_id", "preferred_floor", "preferred_room_type_id", "active"),
        order=("created_at",),
        write=Writes(
            ADMINS,
            fields=("student_id", "preferred_floor", "preferred_room_type_id", "quiet_room", "near_washroom", "notes"),
        ),
    )

    student: Mapped[HostelStudent | None] = reference(comment="The resident it is for; hostel-wide when null.")
    preferred_floor: Mapped[int | None]
    preferred_room_type: Mapped[RoomTypeDefinition | None] = reference()
    quiet_room: Mapped[bool] = mapped_column(default=False, server_default="false")
    near_washroom: Mapped[bool] = mapped_column(default=False, server_default="false")
    notes: Mapped[str | None]
