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


async def pending_totals(ctx: Any, student_ids: list[int]) -> dict[int, Decimal]:
    """The pending amount of each student's active assignments, summed by the one formula in
    one statement, over the assignments the caller may read (the type's row filter: a guardian
    their children's, finance staff the school's; anyone else none)."""
    from sqlalchemy import BigInteger, any_, func, select
    from sqlalchemy.dialects.postgresql import ARRAY

    import models
    from kit import db, planner
    from kit.registry import spec_for_model

    spec = spec_for_model(models.StudentFeeAssignment)
    bind = planner.Binder()
    a = planner.table_alias(spec, "pending_totals")
    visible = planner.visible(ctx, spec, a, bind)
    stmt = (
        select(a.c.student_id, func.sum(pending_sql(a.c)))
        .where(*visible, a.c.active, a.c.student_id == any_(bind(student_ids, ARRAY(BigInteger))))
        .group_by(a.c.student_id)
    )
    sql, names, constants = db.compile_statement(stmt, ("pending_totals", tuple(map(repr, bind.shapes))))
    rows = await ctx.db.fetch(sql, [bind.values[n] if n in bind.values else constants[n] for n in names])
    return {row[0]: row[1] for row in rows}
