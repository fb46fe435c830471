"""Seed 000 `audit/`: the audit entry every hostel mutation leaves. `AuditLog` and its root
list `auditLogs` are declared on the model (models/audit); nothing is written by hand here."""

from __future__ import annotations

import strawberry


@strawberry.type
class Query:
    """No hand-written query: `auditLogs` is declared on the model."""


mutations = ()
