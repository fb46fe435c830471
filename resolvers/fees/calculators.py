"""The pure money rules of seed 001: late fees (§7.4) and the funding snapshot (§7.3).

No database here: the payment path, the daily accrual command and the tests all call these.
Amounts are Decimal, rounded half up to 2 places.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kit.money import money
from resolvers.fees.formula import principal_due

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def _get(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, dict) else getattr(row, key)


def _has(row: Any, key: str) -> bool:
    return key in row if isinstance(row, dict) else hasattr(row, key)


def _enum_name(value: Any) -> str | None:
    return None if value is None else getattr(value, "value", value)


@dataclass(frozen=True)
class Accrual:
    amount: Decimal  # to add to late_fee_accrued now (0: nothing to do)
    applied: bool  # late_fee_applied afterwards
    reason: str
    accrued_on: dt.date | None = None  # daily fees: late_fee_accrued_on afterwards


def late_fee_accrual(assignment: Any, on: dt.date) -> Accrual:
    """How much late fee to accrue on `on`, from the assignment's snapshot (§5.1, §7.4).

    - grace: nothing until `due_date + grace_days` has passed;
    - FLAT: the value once; PERCENTAGE: value % of the unpaid principal once (`late_fee_applied`);
    - DAILY_PERCENTAGE: value % of the principal unpaid now, for each overdue day not charged yet
      (`late_fee_accrued_on` remembers the last one), so a part payment lowers the following
      days' charge and running it twice for one day adds nothing;
    - caps: FIXED (total accrued at most the value) or PERCENTAGE (of the unpaid principal).
    """
    kind = _enum_name(_get(assignment, "late_fee_type")) or "NONE"
    applied = bool(_get(assignment, "late_fee_applied"))
    accrued = Decimal(_get(assignment, "late_fee_accrued") or 0)
    due = _get(assignment, "due_date")
    if kind == "NONE" or due is None:
        return Accrual(ZERO, applied, "no late fee")
    overdue_days = (on - due).days - int(_get(assignment, "late_fee_grace_days") or 0)
    unpaid = principal_due(assignment)
    if overdue_days <= 0 or unpaid <= 0:
        return Accrual(ZERO, applied, "not overdue")
    # `or -1` is equivalent: a negative fee is charged as max(0, ...) = 0, like a fee of 0 (`or 1`: tested)
    value = Decimal(_get(assignment, "late_fee_value") or 0)  # pragma: no mutate - see above
    if kind == "FLAT":
        target = accrued if applied else accrued + value
    elif kind == "PERCENTAGE":
        target = accrued if applied else accrued + unpaid * value / HUNDRED
    elif kind == "DAILY_PERCENTAGE":
        grace_end = due + dt.timedelta(days=int(_get(assignment, "late_fee_grace_days") or 0))
        last = _get(assignment, "late_fee_accrued_on") if _has(assignment, "late_fee_accrued_on") else None
        days = (on - max(grace_end, last or grace_end)).days
        if days <= 0:
            return Accrual(ZERO, applied, "already accrued for this day")
        target = accrued + unpaid * value / HUNDRED * days
    else:
        raise ValueError(f"unknown late fee type {kind}")
    cap_kind = _enum_name(_get(assignment, "late_fee_cap_type")) or "NONE"
    # `or -1` is equivalent: a cap below 0 leaves max(0, ...) = 0 to charge, like a cap of 0 (`or 1`: tested)
    cap_value = Decimal(_get(assignment, "late_fee_cap_value") or 0)  # pragma: no mutate - see above
    # `<= "FIXED"` / `>= "PERCENTAGE"` are equivalent: of LateFeeCapType's values only FIXED sorts at or
    # before "FIXED", and NONE (the only other one left) sorts before "PERCENTAGE"; `is`, `!=`...: tested
    if cap_kind == "FIXED":  # pragma: no mutate - see above
        target = min(target, cap_value)
    elif cap_kind == "PERCENTAGE":  # pragma: no mutate - see above
        target = min(target, unpaid * cap_value / HUNDRED)
    amount = max(ZERO, money(target) - accrued)
    once = kind in ("FLAT", "PERCENTAGE")
    reason = f"{kind} late fee, {overdue_days} day(s) after grace" + (
        f", capped {cap_kind}" if cap_kind != "NONE" else ""
    )
    return Accrual(amount, applied or (once and amount > 0), reason, accrued_on=None if once else on)


def funding_cover(base_amount: Decimal, discount_amount: Decimal, arrangement: Any, on: dt.date) -> Decimal:
    """The sponsor's share of a fee (§7.3): of the amount net of discounts, within the
    arrangement's validity window; FULL covers it all, PARTIAL a fixed amount or a
    percentage, never more than the net."""
    net = max(ZERO, Decimal(base_amount) - Decimal(discount_amount))
    if arrangement is None or not _get(arrangement, "active"):
        return ZERO
    valid_from, valid_to = _get(arrangement, "valid_from"), _get(arrangement, "valid_to")
    if (valid_from is not None and on < valid_from) or (valid_to is not None and on > valid_to):
        return ZERO
    # `<= "FULL"` / `<= "FIXED_AMOUNT"` are equivalent: the other value of FundingCoverageType (PARTIAL) and of
    # FundingCoverageMode (PERCENTAGE) sort after them; `is`, `!=`...: tested
    if _enum_name(_get(arrangement, "coverage_type")) == "FULL":  # pragma: no mutate - see above
        return money(net)
    value = Decimal(_get(arrangement, "coverage_value") or 0)
    if _enum_name(_get(arrangement, "coverage_mode")) == "FIXED_AMOUNT":  # pragma: no mutate - see above
        return money(min(value, net))
    return money(min(net * value / HUNDRED, net))
