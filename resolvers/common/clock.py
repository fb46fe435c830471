"""The date "today" of the request: in the active school's time zone (a school in India closes
its day at Indian midnight, not at UTC's). Outside a school tenant: UTC. Stored times stay UTC.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_zone: contextvars.ContextVar[str | None] = contextvars.ContextVar("tenant_time_zone", default=None)


def use_time_zone(name: str | None) -> contextvars.Token:
    return _zone.set(name)


def reset(token: contextvars.Token) -> None:
    _zone.reset(token)


def today() -> dt.date:
    name = _zone.get()
    if name:
        try:
            return dt.datetime.now(ZoneInfo(name)).date()
        except ZoneInfoNotFoundError:
            pass
    return dt.datetime.now(dt.UTC).date()


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
