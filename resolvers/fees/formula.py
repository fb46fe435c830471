"""The one pending formula (seed §8.1), in Python and in SQL alike.

    pending = amount + lateFeeAccrued - totalDiscountAmount - sponsorCoveredAmount
              - lateFeeWaived - principalPaid - lateFeePaid

Every list, report, check and export uses `pending()` or `pending_sql()`; nothing else
spells the formula out (the seed's bugs were four copies that drifted apart).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement

TERMS_ADDED = ("amount", "late_fee_accrued")
TERMS_SUBTRACTED = (
    "total_discount_amount",
    "sponsor_covered_amount",
    "late_fee_waived",
    "principal_paid",
    "late_fee_paid",
)


def pending(assignment: Any) -> Decimal:
    """Pending amount of an assignment (an ORM row, a plain object or a mapping)."""
    get = assignment.get if isinstance(assignment, dict) else (lambda k: getattr(assignment, k))
    total = sum((Decimal(get(k) or 0) for k in TERMS_ADDED), Decimal("0"))
    return total - sum((Decimal(get(k) or 0) for k in TERMS_SUBTRACTED), Decimal("0"))


def pending_sql(columns: Any) -> ColumnElement:
    """The same formula over a table or alias's columns (`table.c` or an ORM class)."""
    get = lambda k: getattr(columns, k)
    expr = get(TERMS_ADDED[0]) + get(TERMS_ADDED[1])
    for k in TERMS_SUBTRACTED:
        expr = expr - get(k)
    return expr


def pending_sql_text(alias: str) -> str:
    """The formula as SQL text for hand-written report queries: `pending_sql_text("a")`."""
    added = " + ".join(f"{alias}.{k}" for k in TERMS_ADDED)
    subtracted = " - ".join(f"{alias}.{k}" for k in TERMS_SUBTRACTED)
    return f"({added} - {subtracted})"


def principal_due(assignment: Any) -> Decimal:
    """Principal still owed: what discounts and payments apply to (seed §7.2)."""
    get = assignment.get if isinstance(assignment, dict) else (lambda k: getattr(assignment, k))
    return (
        Decimal(get("amount") or 0)
        - Decimal(get("total_discount_amount") or 0)
        - Decimal(get("sponsor_covered_amount") or 0)
        - Decimal(get("principal_paid") or 0)
    )


def late_fee_due(assignment: Any) -> Decimal:
    get = assignment.get if isinstance(assignment, dict) else (lambda k: getattr(assignment, k))
    return (
        Decimal(get("late_fee_accrued") or 0)
        - Decimal(get("late_fee_waived") or 0)
        - Decimal(get("late_fee_paid") or 0)
    )
