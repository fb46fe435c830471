"""Seed 000 `hostel/hostel_policy.py`: house rules, who acknowledged which version, violations."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy import Text

from models.base import ActiveMixin, Base, CatalogueMixin, HostelTenantMixin, enum_column, hostel_table, many, ref


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
    __table_args__ = hostel_table(extra=(
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="effective_range"),
    ))
    __filterable__ = ("policy_type", "title", "requires_acknowledgment", "effective_from", "active")
    __sortable__ = ("title", "effective_from", "created_at")

    policy_type: Mapped[PolicyType] = enum_column(PolicyType, PolicyType.GENERAL)
    title: Mapped[str]
    content: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    effective_from: Mapped[dt.date]
    effective_to: Mapped[dt.date | None]
    requires_acknowledgment: Mapped[bool] = mapped_column(default=True, server_default="true")

    acknowledgments: Mapped[list[PolicyAcknowledgment]] = many("HostelPolicy", "PolicyAcknowledgment", "policy_id")
    violations: Mapped[list[HostelPolicyViolation]] = many("HostelPolicy", "HostelPolicyViolation", "policy_id")


class PolicyAcknowledgment(HostelTenantMixin, Base):
    __tablename__ = "policy_acknowledgments"
    __table_args__ = hostel_table(("policy_id", "hostel_policies"), ("student_id", "hostel_students"), extra=(
        UniqueConstraint("policy_id", "student_id", "policy_version"),
    ))
    __filterable__ = ("policy_id", "student_id", "policy_version", "acknowledged_at")
    __sortable__ = ("acknowledged_at",)

    policy_id: Mapped[int]
    student_id: Mapped[int]
    policy_version: Mapped[int]
    acknowledged_at: Mapped[dt.datetime]

    policy: Mapped[HostelPolicy] = ref("PolicyAcknowledgment", "policy_id", "HostelPolicy")
    student: Mapped[HostelStudent] = ref("PolicyAcknowledgment", "student_id", "HostelStudent")


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
    __tablename__ = "hostel_policy_violations"
    __table_args__ = hostel_table(("policy_id", "hostel_policies"), ("student_id", "hostel_students"))
    __filterable__ = ("policy_id", "student_id", "severity", "status", "occurred_at")
    __sortable__ = ("occurred_at", "created_at")

    policy_id: Mapped[int | None]
    student_id: Mapped[int]
    occurred_at: Mapped[dt.datetime]
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[ViolationSeverity] = enum_column(ViolationSeverity, ViolationSeverity.MINOR)
    evidence_urls: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    action_taken: Mapped[str | None]
    status: Mapped[ViolationStatus] = enum_column(ViolationStatus, ViolationStatus.OPEN)

    policy: Mapped[HostelPolicy | None] = ref("HostelPolicyViolation", "policy_id", "HostelPolicy")
    student: Mapped[HostelStudent] = ref("HostelPolicyViolation", "student_id", "HostelStudent")
