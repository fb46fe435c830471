"""Rounding of money and percentages, one rule for every domain: to the paisa (two places),
half up. Money is Decimal end to end (DESIGN.md)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part: int | Decimal, whole: int | Decimal, empty: Any = None) -> Any:
    """part / whole in percent with two places (half up); `empty` when whole is 0."""
    if not whole:
        return empty
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)
