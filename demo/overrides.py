"""Values the generic generator (demo/values.py) cannot guess: per model name, attribute ->
value, or a callable taking the row built so far (column name -> value) and returning the value.

Add an entry when a generated demo row (or the contract test's create) breaks one of the
model's CHECK constraints: the failure names the model and the constraint. Keep entries to
the attributes the constraint needs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

OVERRIDES: dict[str, dict[str, Any]] = {
    "FeePayment": {"principal_paid": Decimal("1.00")},  # ck_fee_payments_amount_positive: a payment pays something
    "FeePaymentAllocation": {"principal_amount": Decimal("1.00")},  # ck_fee_payment_allocations_amount_positive
    "AcademicSession": {"active": False},  # uq_academic_sessions_one_active: the school's current one stays current
    "Room": {"capacity": 4},  # rooms of generated beds take more than one (a bed per contract run)
    # the service reads tiers as [{minDaysBefore, refundPercent}] (resolvers/booking/cancellation.py)
    # the hostel's own quota (no user), room for the tests' and the demo's uploads
    "FileQuota": {"user_id": None, "limit_bytes": 2_000_000_000},
    "CancellationPolicy": {
        "tiers": [{"minDaysBefore": 30, "refundPercent": "100"}, {"minDaysBefore": 7, "refundPercent": "50"}]
    },
    "RoutingRule": {"channels": ["IN_APP", "EMAIL"]},  # resolvers/notification/service.py: known channels, at least one
    # resolvers/complaint/service.py check_rule: a named target is staff of the hostel (none: its admins)
    "AutoEscalationRule": {"escalate_to_user_id": None},
}

# Nullable references a generated row must still fill, where a CHECK asks for one of several
# (demo/generated.py treats them as required).
REQUIRED_REFERENCES: dict[str, frozenset[str]] = {
    "DocumentUpload": frozenset({"student_id"}),  # ck_document_uploads_one_owner: a resident's or a booking's
}
