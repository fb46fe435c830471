"""Who reads what in the school family (seed 001 §9): one place for the rules every school
domain declares with.

- school readers (platform roles, school admins, accountants, teachers) read the school's
  master data and records; school admins (and platform roles) write them;
- identity numbers (Aadhaar) are for school admins and platform roles only, contacts for
  school staff (field rules: a refused caller reads null with a FORBIDDEN error);
- class records (attendance, marks): school-wide readers see every row of the school, a
  teacher only the rows of the classes they teach (seed 001 §9.2), anyone else none.
"""

from __future__ import annotations

from typing import Any

from auth.permissions import PLATFORM, SCHOOL_ADMINS, SCHOOL_READERS, FieldRule, roles

READERS = roles(*SCHOOL_READERS)
ADMINS = roles(*SCHOOL_ADMINS)
PLATFORM_ONLY = roles(*PLATFORM)
# Teachers pass this rule; the assignment check (class teacher, or teacher of the subject in
# the class) is made inside the workflow and refuses with a FORBIDDEN payload error.
MARKERS = roles(*SCHOOL_ADMINS, "TEACHER")

IDENTITY_NUMBERS = FieldRule("school admins and platform roles", roles=frozenset({*PLATFORM, "SCHOOL_ADMIN"}))
CONTACTS = FieldRule("school staff", roles=frozenset({*PLATFORM, "SCHOOL_ADMIN", "ACCOUNTANT", "TEACHER"}))

# Roles that read a school's class records school-wide (the accountant reads for reports, seed 001 §9.2).
SCHOOL_WIDE_READERS = frozenset({*PLATFORM, "SCHOOL_ADMIN", "ACCOUNTANT"})


def own_school(ctx: Any, alias: Any, bind: Any) -> Any:
    """Platform roles see every school; everyone else the schools they hold a role in."""
    from sqlalchemy import BigInteger, any_
    from sqlalchemy.dialects.postgresql import ARRAY

    if not ctx.roles.isdisjoint(PLATFORM):
        return None
    mine = sorted(ctx.identity.school_roles) if ctx.identity is not None else []
    return "member", alias.c.id == any_(bind(mine, ARRAY(BigInteger)))


def taught_class_ids(ctx: Any, bind: Any) -> Any:
    """SELECT of the classes the calling teacher teaches in the active school: as class teacher
    or as the teacher of one of its (active) subjects — the rule of `may_act_on_class`."""
    from sqlalchemy import select, union

    import models

    t, c, cs = models.Teacher.__table__, models.SchoolClass.__table__, models.ClassSubject.__table__
    school = ctx.school_id if ctx.school_id is not None else -1
    user = ctx.user_id if ctx.user_id is not None else -1
    as_class_teacher = (
        select(c.c.id)
        .join(t, t.c.id == c.c.class_teacher_id)
        .where(t.c.user_id == bind(user), t.c.school_id == bind(school), c.c.school_id == bind(school))
    )
    as_subject_teacher = (
        select(cs.c.class_id)
        .join(t, t.c.id == cs.c.teacher_id)
        .where(t.c.user_id == bind(user), t.c.school_id == bind(school), cs.c.school_id == bind(school), cs.c.active)
    )
    return union(as_class_teacher, as_subject_teacher)


def school_in_context(ctx: Any, alias: Any, bind: Any) -> Any:
    """The school a caller may change: platform roles any; everyone else only the school they
    work in now (the tenant of the request), never another school they merely hold a role in."""
    if not ctx.roles.isdisjoint(PLATFORM):
        return None
    return "context", alias.c.id == bind(ctx.school_id if ctx.school_id is not None else -1)


def classes_taught(class_column: str = "class_id", via: tuple[str, str] | None = None) -> Any:
    """Row filter of a class record (attendance, marks, ...): school-wide readers see every row
    of the school; a teacher only the rows of the classes they teach; anyone else none. The
    class is the row's `class_column`, or with `via=(table name, fk)` the `class_column` of the
    row of that table its `fk` names (a mark's exam's class)."""
    from sqlalchemy import false, select

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        if not ctx.roles.isdisjoint(SCHOOL_WIDE_READERS):
            return None
        if "TEACHER" not in ctx.roles:
            return "none", false()
        taught = taught_class_ids(ctx, bind)
        if via is None:
            return "taught", alias.c[class_column].in_(taught)
        from models.base import Base

        table, fk = Base.metadata.tables[via[0]], via[1]
        return "taught", alias.c[fk].in_(select(table.c.id).where(table.c[class_column].in_(taught)))

    row_filter.__name__ = f"classes_taught_{via[1] if via else class_column}"
    return row_filter
