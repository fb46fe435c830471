"""Scalars: money as exact decimals in strings, dates, UTC date-times, JSON."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

from strawberry.schema.types.scalar import ScalarDefinition
from strawberry.scalars import JSON

__all__ = ["JSON", "SCALAR_OVERRIDES"]


class RefusedDecimal(decimal.Decimal):
    """A decimal the input cleaning refuses (kit/inputs.py): written with an
    exponent ("1e3"), or not a number at all ("NaN", "Infinity"). The scalar lets it through
    so that a mutation answers with an INVALID error naming the field in its payload (a
    coercion error would name no field of the payload and skip the project's error shape),
    and filters and other arguments with BAD_USER_INPUT; nothing reads it before then."""

    problem: str


def _refused(text: str, problem: str) -> RefusedDecimal:
    result = RefusedDecimal(text)
    result.problem = problem
    return result


def _parse_decimal(value: Any) -> decimal.Decimal:
    # Money never passes through a float: strings and integers only.
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError('Decimal values are sent as strings, for example "1250.50"')
    text = str(value)
    try:
        result = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError(f'"{value}" is not a decimal number') from None
    if not result.is_finite():
        return _refused(text, f'"{text}" is not a finite number: send digits, for example "1250.50".')
    if not _PLAIN.fullmatch(text):
        example = f"{result:f}" if abs(result.adjusted()) < 20 else "1250.50"
        if "e" in text.lower():
            return _refused(text, f'"{text}" is written with an exponent: send plain digits, for example "{example}".')
        return _refused(text, f'"{text}" is not a plain decimal number: send digits, for example "{example}".')
    return result


TWO_PLACES = decimal.Decimal("0.01")


def _serialize_decimal(value: Any) -> str:
    """Plain notation with at least two decimal places: money always reads "0.00", "1250.50",
    never "0", "1.25E+3" or "12.5" (a value with more places keeps them: coordinates)."""
    value = decimal.Decimal(value)
    if not value.is_finite():
        raise ValueError("a Decimal result must be finite")
    if value.as_tuple().exponent > -2:
        value = value.quantize(TWO_PLACES)
    return f"{value:f}"


_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _serialize_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:  # stored values are timestamptz; a naive one is a bug upstream
        raise ValueError("naive datetime cannot be serialised")
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime values are ISO 8601 strings with a time zone")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f'"{value}" is not an ISO 8601 date-time') from None
    if parsed.tzinfo is None:
        raise ValueError(f'"{value}" has no time zone; send UTC, for example "2026-01-31T09:30:00Z"')
    return parsed.astimezone(dt.UTC)


def _parse_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueError('Date values are ISO 8601 strings, for example "2026-06-01"')
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f'"{value}" is not an ISO 8601 date (YYYY-MM-DD)') from None


DecimalScalar = ScalarDefinition(
    name="Decimal",
    description='An exact decimal number, sent and returned as a string of plain digits ("1250.50"; no exponent, no NaN; money: 2 decimal places).',
    specified_by_url=None,
    serialize=_serialize_decimal,
    parse_value=_parse_decimal,
    parse_literal=None,
)
DateTimeScalar = ScalarDefinition(
    name="DateTime",
    description='A point in time, ISO 8601, always returned in UTC ("2026-01-31T09:30:00Z").',
    specified_by_url=None,
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
    parse_literal=None,
)
DateScalar = ScalarDefinition(
    name="Date",
    description='A calendar date, ISO 8601 ("2026-06-01").',
    specified_by_url=None,
    serialize=dt.date.isoformat,
    parse_value=_parse_date,
    parse_literal=None,
)

SCALAR_OVERRIDES = {decimal.Decimal: DecimalScalar, dt.datetime: DateTimeScalar, dt.date: DateScalar}
