"""The date "today" of the request: in the active school's time zone (a school in India closes
its day at Indian midnight, not at UTC's). Outside a school tenant: UTC. Stored times stay UTC.

Work outside a request that is about one school (the console's late-fee accrual, the demo
data) uses `today_in(school.time_zone)`: never UTC's date.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from typing import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_zone: contextvars.ContextVar[str | None] = contextvars.ContextVar("tenant_time_zone", default=None)


def use_time_zone(name: str | None) -> contextvars.Token:
    return _zone.set(name)


def reset(token: contextvars.Token) -> None:
    _zone.reset(token)


def today() -> dt.date:
    return today_in(_zone.get())


def today_in(name: str | None, now: dt.datetime | None = None) -> dt.date:
    """The date in time zone `name` (UTC's without one or for an unknown name) at `now` (now)."""
    now = now or dt.datetime.now(dt.UTC)
    if name:
        try:
            return now.astimezone(ZoneInfo(name)).date()
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return now.astimezone(dt.UTC).date()


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@contextlib.contextmanager
def in_zone(name: str | None) -> Iterator[None]:
    """The block's "today" is in zone `name` (the request's again afterwards): work a request does
    in another tenant than its own (a visitor's booking in a hostel) follows that tenant's date."""
    token = _zone.set(name)
    try:
        yield
    finally:
        _zone.reset(token)


def wall_clock(at: dt.datetime) -> dt.datetime:
    """`at` (an aware UTC time) on the wall clock of the request's zone (UTC's without one):
    opening hours and other local times of day are compared with this, never with UTC's."""
    name = _zone.get()
    if name:
        try:
            return at.astimezone(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return at.astimezone(dt.UTC)
