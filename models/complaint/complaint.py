"""The complaint itself (seed 000 `complaint/complaint.py`) and its timeline."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, HostelTenantMixin, enum_column, hostel_table, reference
from models.complaint.access import own_complaint_rows
from models.entity import Entity
from models.hostel.access import MEMBERS, own_resident_rows

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.hostel_student import HostelStudent
    from models.room.room import Room
    from models.user import User

__all__ = ["Complaint", "ComplaintStatusHistory"]


class ComplaintCategory(enum.Enum):
    ROOM = "ROOM"
    FACILITY = "FACILITY"
    PERSON = "PERSON"  # another resident, a staff member, a visitor
    CLEANLINESS = "CLEANLINESS"
    FOOD = "FOOD"
    NOISE = "NOISE"
    SECURITY = "SECURITY"
    OTHER = "OTHER"


class ComplaintPriority(enum.Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"


class ComplaintStatus(enum.Enum):
    OPEN = "OPEN"  # filed, nobody on it yet
    ASSIGNED = "ASSIGNED"  # a staff member is on it
    RESOLVED = "RESOLVED"  # waiting for the resident to confirm or reopen
    REOPENED = "REOPENED"  # the resident said it is not fixed
    CLOSED = "CLOSED"  # confirmed, or the confirmation window passed


class ComplaintEvent(enum.Enum):
    FILED = "FILED"
    ASSIGNED = "ASSIGNED"
    ESCALATED = "ESCALATED"
    RESOLVED = "RESOLVED"
    REOPENED = "REOPENED"
    CONFIRMED = "CONFIRMED"
    AUTO_CLOSED = "AUTO_CLOSED"


class Complaint(HostelTenantMixin, Base):
    """A complaint about a room, a facility or a person, filed by a resident (or by staff for
    them). Its SLA clocks (respond by, resolve by) come from its priority when filed; the
    status moves only through the complaint workflows (complaintAssign, complaintResolve, ...)."""

    __tablename__ = "complaints"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "reference"),
            CheckConstraint("resolution_due_at >= response_due_at", name="clocks_ordered"),
            CheckConstraint("escalation_level >= 0 AND reopen_count >= 0", name="counters_non_negative"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_resident_rows("student_id"),
        list="complaints",
        about="Staff see the hostel's complaints (the warden's board: filter by status, priority, "
        "slaBreachedAt, assignedToId); a resident only their own.",
        filter=(
            "reference",
            "category",
            "priority",
            "status",
            "student_id",
            "room_id",
            "assigned_to_id",
            "escalation_level",
            "response_due_at",
            "resolution_due_at",
            "sla_breached_at",
            "created_at",
        ),
        order=("created_at", "resolution_due_at", "response_due_at", "escalation_level"),
        hide=("attachment_file_ids",),  # read as `attachments` (schema/complaint.py), file rules applied
    )

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[ComplaintCategory] = enum_column(ComplaintCategory)
    priority: Mapped[ComplaintPriority] = enum_column(ComplaintPriority, ComplaintPriority.MEDIUM)
    status: Mapped[ComplaintStatus] = enum_column(
        ComplaintStatus,
        ComplaintStatus.OPEN,
        comment="Moved only by the complaint workflows; each move is in statusHistory.",
    )
    student: Mapped[HostelStudent] = reference(
        back="complaints", index=True, comment="The resident the complaint is filed for."
    )
    filed_by_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id"), comment="Who typed it: the resident, or a staff member on their behalf."
    )
    room: Mapped[Room | None] = reference(back="complaints", comment="The room it is about (or where it happened).")
    location: Mapped[str | None] = mapped_column(String(200), comment="A facility or place (laundry, mess hall, gate).")
    assigned_to: Mapped[User | None] = reference(tenant=False, index=True, comment="Who is on it now (staff).")
    response_due_at: Mapped[dt.datetime] = mapped_column(comment="SLA: someone should be on it by then.")
    resolution_due_at: Mapped[dt.datetime] = mapped_column(comment="SLA: it should be resolved by then.")
    first_response_at: Mapped[dt.datetime | None] = mapped_column(comment="When it was first assigned.")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(comment="The latest resolution.")
    confirm_by: Mapped[dt.datetime | None] = mapped_column(
        comment="While RESOLVED: the resident confirms or reopens until then; afterwards it closes."
    )
    closed_at: Mapped[dt.datetime | None]
    sla_breached_at: Mapped[dt.datetime | None] = mapped_column(
        comment="When a clock was first found run out (null: within SLA so far)."
    )
    escalation_level: Mapped[int] = mapped_column(default=0, server_default="0", comment="0: never escalated.")
    reopen_count: Mapped[int] = mapped_column(default=0, server_default="0")
    attachment_file_ids: Mapped[list[Any]] = mapped_column(
        default=list, server_default="[]", comment="Files (FileUpload ids) attached when it was filed."
    )
    # last: the column's name would hide reference() for the declarations after it
    reference: Mapped[str] = mapped_column(
        String(20), comment="The complaint's code (CMP-000123), unique in its hostel."
    )


class ComplaintStatusHistory(HostelTenantMixin, Base):
    """One step of a complaint's timeline: filed, assigned, escalated, resolved, reopened, closed."""

    __tablename__ = "complaint_status_history"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_complaint_rows(),
        list="complaintStatusHistory",
        about="Staff see the hostel's; a resident the timeline of their own complaints.",
        filter=("complaint_id", "event", "to_status", "created_at"),
        order=("created_at",),
        append_only=True,
    )

    complaint: Mapped[Complaint] = reference(back="status_history", index=True)
    event: Mapped[ComplaintEvent] = enum_column(ComplaintEvent)
    from_status: Mapped[ComplaintStatus | None] = enum_column(ComplaintStatus, nullable=True)
    to_status: Mapped[ComplaintStatus] = enum_column(ComplaintStatus)
    note: Mapped[str | None] = mapped_column(Text, comment="What the resident is told about the step.")
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), comment="Who made the step (null: the SLA job)."
    )
