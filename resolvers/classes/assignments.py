"""The teacher assignment check of seed 001 §9.2: a teacher acts on a class only as its
class teacher or as the teacher of one of its subjects. Admins and platform roles always may."""

from __future__ import annotations

from typing import Any

from auth.permissions import PLATFORM

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

# Roles that read a school's class records school-wide (the accountant reads for reports, seed 001 §9.2).
SCHOOL_WIDE_READERS = frozenset({*ADMINS, "ACCOUNTANT"})


def taught_class_ids(ctx: Any, bind: Any) -> Any:
    """SELECT of the classes the calling teacher teaches in the active school: as class teacher
    or as the teacher of one of its (active) subjects — the rule of `may_act_on_class`."""
    from sqlalchemy import select, union

    import models

    t, c, cs = models.Teacher.__table__, models.SchoolClass.__table__, models.ClassSubject.__table__
    school = ctx.school_id if ctx.school_id is not None else -1
    user = ctx.user_id if ctx.user_id is not None else -1
    as_class_teacher = select(c.c.id).join(t, t.c.id == c.c.class_teacher_id).where(
        t.c.user_id == bind(user), t.c.school_id == bind(school), c.c.school_id == bind(school))
    as_subject_teacher = select(cs.c.class_id).join(t, t.c.id == cs.c.teacher_id).where(
        t.c.user_id == bind(user), t.c.school_id == bind(school), cs.c.school_id == bind(school), cs.c.active)
    return union(as_class_teacher, as_subject_teacher)


def classes_taught(class_column: str = "class_id", via: tuple[Any, str] | None = None) -> Any:
    """Row filter of a class record (attendance, marks, ...): school-wide readers see every row
    of the school; a teacher only the rows of the classes they teach; anyone else none. The
    class is the row's `class_column`, or with `via=(table, fk)` the `class_column` of the
    `table` row its `fk` names (a mark's exam's class)."""
    from sqlalchemy import false, select

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        if not ctx.roles.isdisjoint(SCHOOL_WIDE_READERS):
            return None
        if "TEACHER" not in ctx.roles:
            return "none", false()
        taught = taught_class_ids(ctx, bind)
        if via is None:
            return "taught", alias.c[class_column].in_(taught)
        table, fk = via
        return "taught", alias.c[fk].in_(select(table.c.id).where(table.c[class_column].in_(taught)))

    row_filter.__name__ = f"classes_taught_{via[1] if via else class_column}"
    return row_filter
