"""Audit columns are filled from the request context (session.info), never by callers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event
from sqlalchemy.orm import Session

from models.base import AuditMixin


@event.listens_for(Session, "before_flush")
def _stamp_audit_columns(session: Session, flush_context: object, instances: object) -> None:
    user_id = session.info.get("user_id")
    now = dt.datetime.now(dt.UTC)
    for obj in session.new:
        if isinstance(obj, AuditMixin):
            obj.created_by = user_id
            obj.created_at = now
    for obj in session.dirty:
        if isinstance(obj, AuditMixin) and session.is_modified(obj, include_collections=False):
            obj.updated_by = user_id
            obj.updated_at = now
