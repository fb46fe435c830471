"""Seed 000 `hostel/hostel_policy.py`: house rules, who acknowledged which version, violations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy import Text

from models.base import ActiveMixin, Base, CatalogueMixin, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, CATALOGUE, MEMBERS, own_resident_rows

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.hostel_student import HostelStudent


class PolicyType(enum.Enum):
    GENERAL = "GENERAL"
    CURFEW = "CURFEW"
    VISITOR = "VISITOR"
    PAYMENT = "PAYMENT"
    CONDUCT = "CONDUCT"
    SAFETY = "SAFETY"
    MESS = "MESS"


class HostelPolicy(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """A policy document; editing its content raises the version, so acknowledgments of an
    older version no longer count."""

    __tablename__ = "hostel_policies"
    __table_args__ = hostel_table(
        extra=(
            CheckConstraint("version >= 1", name="version_positive"),
            CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="effective_range"),
        )
    )
    __entity__ = Entity(
        read=CATALOGUE,
        list="hostelPolicies",
        about="House rules: public for visitors.",
        filter=("policy_type", "title", "requires_acknowledgment", "effective_from", "active"),
        order=("title", "effective_from", "created_at"),
        write=Writes(
            ADMINS,
            fields=("policy_type", "title", "content", "effective_from", "effective_to", "requires_acknowledgment"),
            required=("title", "content", "effective_from"),
            validate="resolvers.hostel.service.policy_version",
        ),
    )

    policy_type: Mapped[PolicyType] = enum_column(PolicyType, PolicyType.GENERAL)
    title: Mapped[str]
    content: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(
        default=1,
        server_default="1",
        comment="Raised by every change of the content; acknowledgments name the version they accepted.",
    )
    effective_from: Mapped[dt.date]
    effective_to: Mapped[dt.date | None]
    requires_acknowledgment: Mapped[bool] = mapped_column(default=True, server_default="true")


class PolicyAcknowledgment(HostelTenantMixin, Base):
    """A resident's acknowledgment of one version of a house rule (`hostelPolicyAcknowledge`)."""

    __tablename__ = "policy_acknowledgments"
    __table_args__ = hostel_table(extra=(UniqueConstraint("policy_id", "student_id", "policy_version"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_resident_rows(),
        list="policyAcknowledgments",
        about="Staff see all; a resident their own.",
        filter=("policy_id", "student_id", "policy_version", "acknowledged_at"),
        order=("acknowledged_at",),
    )

    policy: Mapped[HostelPolicy] = reference(back="acknowledgments")
    student: Mapped[HostelStudent] = reference()
    policy_version: Mapped[int] = mapped_column(
        comment="The version of the policy acknowledged; a newer version needs a new acknowledgment."
    )
    acknowledged_at: Mapped[dt.datetime]


class ViolationSeverity(enum.Enum):
    MINOR = "MINOR"
    MODERATE = "MODERATE"
    MAJOR = "MAJOR"
    CRITICAL = "CRITICAL"


class ViolationStatus(enum.Enum):
    OPEN = "OPEN"
    ACTION_TAKEN = "ACTION_TAKEN"
    DISMISSED = "DISMISSED"


class HostelPolicyViolation(HostelTenantMixin, Base):
    """A resident's breach of a house rule, recorded by staff with evidence and the action taken
    (`hostelPolicyViolationRecord`)."""

    __tablename__ = "hostel_policy_violations"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_resident_rows(),
        list="hostelPolicyViolations",
        about="Staff see all; a resident their own.",
        filter=("policy_id", "student_id", "severity", "status", "occurred_at"),
        order=("occurred_at", "created_at"),
    )

    policy: Mapped[HostelPolicy | None] = reference(back="violations")
    student: Mapped[HostelStudent] = reference()
    occurred_at: Mapped[dt.datetime]
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[ViolationSeverity] = enum_column(ViolationSeverity, ViolationSeverity.MINOR)
    evidence_urls: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    action_taken: Mapped[str | None]
    status: Mapped[ViolationStatus] = enum_column(
        ViolationStatus, ViolationStatus.OPEN, comment="ACTION_TAKEN when recorded with an action, else OPEN."
    )
