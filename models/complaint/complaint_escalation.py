"""Escalations of complaints and the rules that make them (seed 000 `complaint/complaint_escalation.py`)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, HostelTenantMixin, enum_column, hostel_table, reference
from models.complaint.complaint import Complaint, ComplaintPriority
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, STAFF

__all__ = ["ComplaintEscalation", "AutoEscalationRule"]


class ComplaintEscalationTrigger(enum.Enum):
    MANUAL = "MANUAL"  # a staff member, by hand
    RESPONSE_OVERDUE = "RESPONSE_OVERDUE"  # nobody took it before its response clock ran out
    RESOLUTION_OVERDUE = "RESOLUTION_OVERDUE"  # not resolved before its resolution clock ran out


class AutoEscalationRule(ActiveMixin, HostelTenantMixin, Base):
    """The SLA of one priority in this hostel: respond within `responseHours`, resolve within
    `resolutionHours`; a complaint past either is escalated once by the SLA job and its target
    told. A priority without an active rule keeps the built-in SLA and is not escalated
    automatically. At most one active rule per priority."""

    __tablename__ = "auto_escalation_rules"
    __table_args__ = hostel_table(
        extra=(
            Index(
                "uq_auto_escalation_rules_one_active",
                "hostel_id",
                "priority",
                unique=True,
                postgresql_where=text("active"),
            ),
            CheckConstraint("response_hours > 0 AND resolution_hours >= response_hours", name="hours_ordered"),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="autoEscalationRules",
        about="The hostel's SLA and automatic escalation per priority (staff; admins change them).",
        filter=("priority", "active"),
        order=("priority", "created_at"),
        write=Writes(
            ADMINS,
            fields=("name", "priority", "response_hours", "resolution_hours", "escalate_to_user_id"),
            required=("name", "priority", "response_hours", "resolution_hours"),
            immutable=("priority",),
            validate="resolvers.complaint.service.check_rule",
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    priority: Mapped[ComplaintPriority] = enum_column(ComplaintPriority)
    response_hours: Mapped[int] = mapped_column(comment="Hours from filing to the first assignment.")
    resolution_hours: Mapped[int] = mapped_column(comment="Hours from filing to the resolution.")
    escalate_to_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), comment="The staff member told of an escalation (null: the hostel's admins)."
    )


class ComplaintEscalation(HostelTenantMixin, Base):
    """A complaint raised to the next level: by hand, or by the SLA job when a clock ran out
    (once per complaint and clock, enforced by the database)."""

    __tablename__ = "complaint_escalations"
    __table_args__ = hostel_table(
        extra=(
            Index(
                "uq_complaint_escalations_auto_once",
                "hostel_id",
                "complaint_id",
                "trigger",
                unique=True,
                postgresql_where=text("trigger <> 'MANUAL'"),
            ),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="complaintEscalations",
        about="Every escalation of the hostel's complaints (staff).",
        filter=("complaint_id", "trigger", "level", "escalated_to_user_id", "created_at"),
        order=("created_at",),
        append_only=True,
    )

    complaint: Mapped[Complaint] = reference(back="escalations", index=True)
    rule: Mapped[AutoEscalationRule | None] = reference(comment="The rule whose clock ran out (automatic ones).")
    trigger: Mapped[ComplaintEscalationTrigger] = enum_column(ComplaintEscalationTrigger)
    level: Mapped[int] = mapped_column(comment="The complaint's level after this escalation (1 is the first).")
    escalated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="Null: the SLA job.")
    escalated_to_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), comment="Who was told (null: the hostel's admins)."
    )
    reason: Mapped[str] = mapped_column(Text)
    escalated_at: Mapped[dt.datetime]
