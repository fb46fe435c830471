"""Resolutions of a complaint (seed 000 `complaint/complaint_resolution.py`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, HostelTenantMixin, hostel_table, reference
from models.complaint.access import own_complaint_rows
from models.complaint.complaint import Complaint
from models.entity import Entity
from models.hostel.access import MEMBERS

__all__ = ["ComplaintResolution"]


class ComplaintResolution(HostelTenantMixin, Base):
    """What was done to resolve a complaint. The standing one is `isFinalResolution`: at most one
    per complaint (a partial unique index); a reopening takes that mark away and records why."""

    __tablename__ = "complaint_resolutions"
    __table_args__ = hostel_table(
        extra=(
            Index(
                "uq_complaint_resolutions_one_final",
                "hostel_id",
                "complaint_id",
                unique=True,
                postgresql_where=text("is_final_resolution"),
            ),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_complaint_rows(),
        list="complaintResolutions",
        about="Staff see the hostel's; a resident the resolutions of their own complaints.",
        filter=("complaint_id", "is_final_resolution", "resolved_by_user_id", "created_at"),
        order=("created_at",),
    )

    complaint: Mapped[Complaint] = reference(back="resolutions", index=True)
    resolved_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(Text, comment="What the resident is told was done.")
    actions_taken: Mapped[str | None] = mapped_column(Text)
    follow_up_required: Mapped[bool] = mapped_column(default=False, server_default="false")
    follow_up_date: Mapped[dt.date | None]
    within_sla: Mapped[bool] = mapped_column(comment="Resolved before the resolution clock ran out.")
    is_final_resolution: Mapped[bool] = mapped_column(
        default=True, server_default="true", comment="The standing resolution (false once reopened)."
    )
    reopened_at: Mapped[dt.datetime | None]
    reopen_reason: Mapped[str | None] = mapped_column(Text)
