"""Assignment history of a complaint (seed 000 `complaint/complaint_assignment.py`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, HostelTenantMixin, hostel_table, reference
from models.complaint.complaint import Complaint
from models.entity import Entity
from models.hostel.access import STAFF

__all__ = ["ComplaintAssignment"]


class ComplaintAssignment(HostelTenantMixin, Base):
    """A complaint given to a staff member, until it is given to someone else: the current one
    has no `endedAt` (at most one per complaint, enforced by the database)."""

    __tablename__ = "complaint_assignments"
    __table_args__ = hostel_table(
        extra=(
            Index(
                "uq_complaint_assignments_one_current",
                "hostel_id",
                "complaint_id",
                unique=True,
                postgresql_where=text("ended_at IS NULL"),
            ),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="complaintAssignments",
        about="Who had which complaint when, with the workload they carried (staff).",
        filter=("complaint_id", "assigned_to_user_id", "assigned_at", "ended_at"),
        order=("assigned_at",),
    )

    complaint: Mapped[Complaint] = reference(back="assignments", index=True)
    assigned_to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, comment="The staff member.")
    assigned_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None] = mapped_column(comment="When it was given to someone else or resolved.")
    workload_score: Mapped[int] = mapped_column(
        comment="Unresolved complaints the assignee had when given this one, this one included."
    )
    duration_minutes: Mapped[int | None] = mapped_column(comment="How long it was theirs (once ended).")
    note: Mapped[str | None] = mapped_column(Text)
