"""Hooks of the school root's generated mutations (named in `models/school` declarations)."""

from __future__ import annotations

from typing import Any

from kit.clock import valid_zone
from kit.errors import ErrorCode, user_error


async def check_time_zone(ctx: Any, values: dict[str, Any]) -> dict[str, Any]:
    """`prepare` of a tenant's create/update (schools, hostels): timeZone must be an IANA zone."""
    if values.get("time_zone") is not None and not valid_zone(values["time_zone"]):
        raise user_error(
            ErrorCode.INVALID, f'"{values["time_zone"]}" is not an IANA time zone (e.g. "Asia/Kolkata").', "timeZone"
        )
    return values


__all__ = ["check_time_zone"]
