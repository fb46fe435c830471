"""What a text or decimal value may hold: one check for inputs (kit/inputs.py), filter operands
(kit/planner.py) and what services write (kit/writes.py)."""

from __future__ import annotations

import decimal
from typing import Any

from sqlalchemy import Numeric, String

from kit.scalars import RefusedDecimal

DEFAULT_TEXT_MAX = 10_000  # text columns without a length (TEXT)


def text_limit(column: Any) -> int:
    length = getattr(getattr(column, "type", None), "length", None)
    return length if isinstance(getattr(column, "type", None), String) and length else DEFAULT_TEXT_MAX


def value_problem(value: Any, limit: int | None) -> str | None:
    """What is wrong with one text or decimal value, as a sentence ending in a full stop."""
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL byte (\\u0000), which text cannot hold."
        if limit is not None and len(value) > limit:
            return f"is at most {limit} characters (got {len(value)})."
        return None
    if isinstance(value, RefusedDecimal):
        return value.problem
    return None


def decimal_problem(value: decimal.Decimal, column: Any) -> str | None:
    problem = value_problem(value, None)
    if problem:
        return problem
    kind = getattr(column, "type", None)
    if isinstance(kind, Numeric) and kind.precision:
        whole = kind.precision - (kind.scale or 0)
        if abs(value) >= decimal.Decimal(10) ** whole:
            return f"is too large: at most {whole} digits before the decimal point."
    elif value.adjusted() >= 17:
        return "is too large."
    return None
