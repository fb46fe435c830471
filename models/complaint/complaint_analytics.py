"""Complaint figures computed from the operational rows (seed 000 `complaint/complaint_analytics.py`):
by the hourly job and on demand (resolvers/complaint/analytics.py), never typed in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, ComputedMixin, HostelTenantMixin, enum_column, hostel_table
from models.complaint.complaint import ComplaintCategory
from models.entity import Entity
from models.hostel.access import STAFF

__all__ = ["ComplaintAnalyticSnapshot", "ComplaintCategoryMetric", "ComplaintStaffPerformance"]

DERIVED = "Derived from the hostel's complaints by the hourly job or complaintAnalyticsCompute: see computedAt."
Rate = Numeric(5, 2)  # a percentage, 0.00-100.00
Hours = Numeric(10, 2)


class ComplaintAnalyticSnapshot(ComputedMixin, HostelTenantMixin, Base):
    """The hostel's complaints filed in a period (the 30 days up to `periodEnd`): volumes,
    speed, SLA, escalations, reopenings and satisfaction, and the backlog when computed."""

    __tablename__ = "complaint_analytic_snapshots"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "period_start", "period_end"),))
    __entity__ = Entity(
        read=STAFF,
        list="complaintAnalyticSnapshots",
        about=DERIVED,
        filter=("period_start", "period_end", "computed_at"),
        order=("period_end", "computed_at"),
    )

    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    total_complaints: Mapped[int]
    open_complaints: Mapped[int] = mapped_column(comment="Of those filed in the period, still not resolved.")
    resolved_complaints: Mapped[int] = mapped_column(comment="Resolved or closed.")
    urgent_complaints: Mapped[int]
    escalated_complaints: Mapped[int]
    reopened_complaints: Mapped[int]
    sla_breached_complaints: Mapped[int]
    sla_compliance_rate: Mapped[Decimal | None] = mapped_column(Rate, comment="Resolved within SLA, % of resolved.")
    average_response_hours: Mapped[Decimal | None] = mapped_column(Hours)
    average_resolution_hours: Mapped[Decimal | None] = mapped_column(Hours)
    average_rating: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    backlog: Mapped[int] = mapped_column(comment="All unresolved complaints of the hostel when computed.")
    by_priority: Mapped[dict[str, Any]] = mapped_column(
        default=dict, server_default="{}", comment="Complaints of the period per priority."
    )


class ComplaintCategoryMetric(ComputedMixin, HostelTenantMixin, Base):
    """One category's complaints filed in a period."""

    __tablename__ = "complaint_category_metrics"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "period_start", "period_end", "category"),))
    __entity__ = Entity(
        read=STAFF,
        list="complaintCategoryMetrics",
        about=DERIVED,
        filter=("period_start", "period_end", "category", "computed_at"),
        order=("period_end", "total_complaints", "computed_at"),
    )

    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    category: Mapped[ComplaintCategory] = enum_column(ComplaintCategory)
    total_complaints: Mapped[int]
    resolved_complaints: Mapped[int]
    share_of_total: Mapped[Decimal] = mapped_column(Rate, comment="% of the period's complaints.")
    resolution_rate: Mapped[Decimal] = mapped_column(Rate)
    average_resolution_hours: Mapped[Decimal | None] = mapped_column(Hours)
    sla_breached_complaints: Mapped[int]


class ComplaintStaffPerformance(ComputedMixin, HostelTenantMixin, Base):
    """One staff member's complaint work in a period: assignments taken, resolved, on time,
    and how residents rated the outcome."""

    __tablename__ = "complaint_staff_performance"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "period_start", "period_end", "staff_user_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="complaintStaffPerformance",
        about=DERIVED,
        filter=("period_start", "period_end", "staff_user_id", "computed_at"),
        order=("period_end", "resolved_complaints", "computed_at"),
    )

    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_complaints: Mapped[int] = mapped_column(comment="Assignments taken in the period.")
    resolved_complaints: Mapped[int] = mapped_column(comment="Of those, resolved by them.")
    resolved_within_sla: Mapped[int]
    open_assignments: Mapped[int] = mapped_column(comment="Complaints theirs now, unresolved (workload).")
    average_resolution_hours: Mapped[Decimal | None] = mapped_column(Hours)
    average_rating: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
