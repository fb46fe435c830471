"""Seed 000 `audit/`: the audit entry every hostel mutation leaves (models/audit)."""

from __future__ import annotations

import models as m
from models.hostel.access import ADMINS
from kit.model_types import model_type, root_lists

AuditLog = model_type(m.AuditLog)

Query = root_lists(
    "AuditQuery",
    ("auditLogs", m.AuditLog, ADMINS, None, "Who did what in the hostel, newest last (append-only)."),
)

mutations = ()
