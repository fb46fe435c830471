"""The resident's feedback on a closed complaint (seed 000 `complaint/complaint_feedback.py`)."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, HostelTenantMixin, enum_column, hostel_table, reference
from models.complaint.access import own_complaint_rows
from models.complaint.complaint import Complaint
from models.entity import Entity
from models.hostel.access import MEMBERS

__all__ = ["ComplaintFeedback"]


class FeedbackSentiment(enum.Enum):
    POSITIVE = "POSITIVE"
    NEUTRAL = "NEUTRAL"
    NEGATIVE = "NEGATIVE"


def _rating(name: str) -> CheckConstraint:
    return CheckConstraint(f"{name} IS NULL OR {name} BETWEEN 1 AND 5", name=f"{name}_1_to_5")


class ComplaintFeedback(HostelTenantMixin, Base):
    """How satisfied the resident was once their complaint closed: one per complaint (the
    database refuses a second), given by the resident it was filed for."""

    __tablename__ = "complaint_feedback"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "complaint_id"),
            CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),
            _rating("response_time_rating"),
            _rating("staff_rating"),
            _rating("resolution_rating"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_complaint_rows(),
        list="complaintFeedback",
        about="Staff see the hostel's feedback; a resident their own.",
        filter=("complaint_id", "rating", "sentiment", "follow_up_required", "created_at"),
        order=("created_at", "rating"),
        append_only=True,
    )

    complaint: Mapped[Complaint] = reference(back="feedback", index=True)
    rating: Mapped[int] = mapped_column(comment="Overall, 1 (very unhappy) to 5 (very happy).")
    response_time_rating: Mapped[int | None]
    staff_rating: Mapped[int | None]
    resolution_rating: Mapped[int | None]
    comments: Mapped[str | None] = mapped_column(Text)
    sentiment: Mapped[FeedbackSentiment] = enum_column(FeedbackSentiment, comment="From the rating: 4-5, 3, 1-2.")
    follow_up_required: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="A rating of 2 or less: the warden should call back."
    )
