"""Seed 000 `audit/audit_log.py`: `AuditLog`, who did what to which entity of a hostel, from
where, when. Written by every mutation of the hostel family (kit/writes.py
`log_activity`, the counterpart of the school family's ActivityLog); append-only.

The seed's old/new values, compliance flags and the field-level EntityChangeLog belong to
the audit issue; this is the entry every mutation leaves today.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, HostelTenantMixin, hostel_table
from models.entity import Entity
from models.hostel.access import ADMINS


class AuditLog(HostelTenantMixin, Base):
    """Who did what to which entity of the hostel, from where and when (one entry per mutation)."""

    __tablename__ = "audit_logs"
    __table_args__ = hostel_table(extra=(Index("idx_audit_logs_hostel_occurred", "hostel_id", "occurred_at"),))
    __entity__ = Entity(
        read=ADMINS,
        list="auditLogs",
        about="Who did what in the hostel, newest last (append-only).",
        filter=("action", "entity_type", "entity_id", "user_id", "occurred_at"),
        order=("occurred_at",),
        append_only=True,
    )

    user_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str | None] = mapped_column(String(100))
    entity_id: Mapped[int | None]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[dt.datetime]
