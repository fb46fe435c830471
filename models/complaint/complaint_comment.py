"""Comments and internal notes on a complaint (seed 000 `complaint/complaint_comment.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, HostelTenantMixin, reference, hostel_table
from models.complaint.access import own_complaint_rows
from models.complaint.complaint import Complaint
from models.entity import Entity
from models.hostel.access import MEMBERS

__all__ = ["ComplaintComment"]


class ComplaintComment(HostelTenantMixin, Base):
    """A message on a complaint, threaded (a reply names its parent). An internal note is for
    staff only: the resident never reads it, through any list, relation or node(id:)."""

    __tablename__ = "complaint_comments"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_complaint_rows(hidden_flag="is_internal"),
        list="complaintComments",
        about="Staff see every comment and internal note; a resident the public comments on their own complaints.",
        filter=("complaint_id", "parent_id", "author_user_id", "is_internal", "created_at"),
        order=("created_at",),
    )

    complaint: Mapped[Complaint] = reference(back="comments", index=True)
    parent: Mapped[ComplaintComment | None] = reference(back="replies", comment="The comment this one answers.")
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    is_internal: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="A note for staff only (never shown to the resident)."
    )
    mentions: Mapped[list[Any]] = mapped_column(
        default=list, server_default="[]", comment="Staff user ids the comment mentions (they were told)."
    )
    edited_at: Mapped[dt.datetime | None] = mapped_column(comment="When its author last corrected it.")
