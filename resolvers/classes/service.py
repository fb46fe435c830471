"""Hooks of the class domain's generated mutations (named in `models/classes` declarations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

import models
from kit.errors import ErrorCode, user_error


async def no_student_left_behind(ctx: Any, session: Any, obj: Any, verb: str) -> None:
    """A class with actively enrolled students is not deactivated (CONFLICT, nothing changes):
    their attendance, marks and fees hang on it; move or withdraw them first. The class row is
    locked (get_for_update) while counting."""
    if verb != "deactivate":
        return
    E = models.StudentEnrollment
    enrolled = await session.scalar(
        select(func.count()).select_from(E).where(E.school_id == obj.school_id, E.class_id == obj.id, E.active)
    )
    if enrolled:
        raise user_error(
            ErrorCode.CONFLICT,
            f"This class has {enrolled} actively enrolled student(s): move or withdraw them before deactivating it.",
            "id",
        )


__all__ = ["no_student_left_behind"]
