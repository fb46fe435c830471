"""Plausible values for any model's columns, generated from the column alone.

One generator serves the generated demo rows (demo/generated.py) and the generic contract
test (tests/test_entity_contract.py), so a value that breaks a model's CHECK constraints is
fixed once, in demo/overrides.py.

- enums: the first member; booleans: false; numbers: 1 (a unique integer column: a fresh
  number); JSON: {}; arrays: []; UUIDs: fresh;
- text: the column's name and a fresh suffix (unique), cut to the column's length;
- dates, date-times and times: near today, later for columns declared later in the table, so
  that `ends_on > starts_on`-style checks hold without an override.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Time,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import JSON

from demo.overrides import OVERRIDES

_counter = itertools.count(1)
_RUN = uuid.uuid4().hex[:4]  # values unique across runs on the same database too


def fresh() -> int:
    return next(_counter)


def override(model: type, attr: str) -> tuple[bool, Any]:
    """(True, value) when demo/overrides.py gives `model`'s `attr` a value (a callable gets the row so far)."""
    values = OVERRIDES.get(model.__name__, {})
    return (attr in values), values.get(attr)


def _temporal_position(column: Any) -> int:
    """Index of the column among its table's dates and times (later columns get later values)."""
    temporal = [c.name for c in column.table.columns if isinstance(c.type, (Date, DateTime, Time))]
    return temporal.index(column.name) if column.name in temporal else 0


def column_value(column: Any, today: dt.date | None = None) -> Any:
    """A value for a plain (non-reference) column; TypeError for a type the generator does not know."""
    kind = column.type
    today = today or dt.date.today()
    unique = bool(column.unique) or any(
        column.name in c.columns and len(c.columns) <= 2
        for c in column.table.constraints
        if c.__class__.__name__ == "UniqueConstraint"
    )
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return next(iter(kind.enum_class))
    if isinstance(kind, Enum):
        return kind.enums[0]
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, (Integer, BigInteger, SmallInteger)):
        return fresh() + 1000 if unique else 1
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return Decimal(1).quantize(Decimal(1).scaleb(-(kind.scale or 0)))
    if isinstance(kind, Float):
        return 1.0
    if isinstance(kind, DateTime):
        hours = _temporal_position(column)
        return dt.datetime.combine(today - dt.timedelta(days=10), dt.time(8), dt.UTC) + dt.timedelta(hours=hours)
    if isinstance(kind, Date):
        return today - dt.timedelta(days=10) + dt.timedelta(days=_temporal_position(column))
    if isinstance(kind, Time):
        return dt.time(8 + min(_temporal_position(column), 12))
    if isinstance(kind, (JSONB, JSON)):
        return {}
    if isinstance(kind, ARRAY):
        return []
    if isinstance(kind, Uuid):
        return uuid.uuid4()
    if isinstance(kind, String):  # String, Text, Unicode
        text = f"{column.name.replace('_', '-')}-{_RUN}{fresh()}"
        length = kind.length
        return text if not length or len(text) <= length else text[-length:]
    raise TypeError(
        f"{column.table.name}.{column.name}: no generated value for {kind!r}; give it one in demo/overrides.py"
    )


def reference_target(column: Any) -> Any | None:
    """The table a reference column points at (None for a plain column)."""
    for fk in column.foreign_keys:
        return fk.column.table
    return None


__all__ = ["column_value", "fresh", "override", "reference_target"]
