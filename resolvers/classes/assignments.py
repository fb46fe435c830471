"""The teacher assignment check of seed 001 §9.2: a teacher acts on a class only as its
class teacher or as the teacher of one of its subjects. Admins and platform roles always may."""

from __future__ import annotations

from typing import Any

from auth.permissions import PLATFORM
from models.school.access import SCHOOL_WIDE_READERS, classes_taught, taught_class_ids  # noqa: F401  (rules beside the models)

ADMINS = frozenset({*PLATFORM, "SCHOOL_ADMIN"})

# RLS scopes these to the active school; the tenant predicate is repeated for the reader.
TEACHES_SQL = """
SELECT EXISTS (
  SELECT 1 FROM teachers t
   WHERE t.user_id = $1 AND t.school_id = $2
     AND (EXISTS (SELECT 1 FROM school_classes c WHERE c.id = $3 AND c.school_id = $2 AND c.class_teacher_id = t.id)
          OR EXISTS (SELECT 1 FROM class_subjects cs WHERE cs.class_id = $3 AND cs.school_id = $2 AND cs.active
                       AND cs.teacher_id = t.id AND ($4::bigint IS NULL OR cs.subject_id = $4::bigint))))
"""

MY_CLASSES_SQL = """
SELECT DISTINCT c.id FROM teachers t
  JOIN school_classes c ON c.school_id = t.school_id AND c.active
 WHERE t.user_id = $1 AND t.school_id = $2 AND ($3::bigint IS NULL OR c.session_id = $3::bigint)
   AND (c.class_teacher_id = t.id OR EXISTS (SELECT 1 FROM class_subjects cs WHERE cs.class_id = c.id
                                              AND cs.teacher_id = t.id AND cs.active))
"""


async def may_act_on_class(ctx: Any, class_id: int, subject_id: int | None = None) -> bool:
    """Admins always; a teacher when assigned to the class (or, with `subject_id`, when they
    teach that subject in it, or are its class teacher)."""
    if not ctx.roles.isdisjoint(ADMINS):
        return True
    if "TEACHER" not in ctx.roles or ctx.school_id is None or ctx.user_id is None:
        return False
    rows = await ctx.db.fetch(TEACHES_SQL, (ctx.user_id, ctx.school_id, class_id, subject_id), setup=True)
    return bool(rows[0][0])


async def my_class_ids(ctx: Any, session_id: int | None) -> list[int]:
    """The classes the calling teacher is assigned to in a session."""
    if ctx.school_id is None or ctx.user_id is None:
        return []
    rows = await ctx.db.fetch(MY_CLASSES_SQL, (ctx.user_id, ctx.school_id, session_id), setup=True)
    return [r[0] for r in rows]


# ---- what a teacher reads: the rows of the classes they teach ---------------------------------

# The rule of `taught_class_ids` as one statement, for readers written in SQL (attendance stats).
TAUGHT_SQL = """
SELECT c.id FROM school_classes c JOIN teachers t ON t.id = c.class_teacher_id AND t.school_id = c.school_id
 WHERE t.user_id = $1 AND t.school_id = $2
UNION
SELECT cs.class_id FROM class_subjects cs JOIN teachers t ON t.id = cs.teacher_id AND t.school_id = cs.school_id
 WHERE t.user_id = $1 AND t.school_id = $2 AND cs.active
"""


async def readable_class_ids(ctx: Any) -> list[int] | None:
    """The classes whose records (attendance, marks) the caller reads: None for school-wide
    readers (every class), the classes taught for a teacher, none for anyone else — the row
    filter `classes_taught`, for readers that aggregate in SQL."""
    if not ctx.roles.isdisjoint(SCHOOL_WIDE_READERS):
        return None
    if "TEACHER" not in ctx.roles or ctx.school_id is None or ctx.user_id is None:
        return []
    rows = await ctx.db.fetch(TAUGHT_SQL, (ctx.user_id, ctx.school_id), setup=True)
    return [r[0] for r in rows]
