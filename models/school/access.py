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


# ---- families: guardians and students read their own (issue 18) --------------------------------
#
# A guardian's account is linked to the school's Guardian records, a student's (where the school
# enables student accounts) to their Student record, by an accepted FamilyInvitation
# (models/students). Everything a family reads is a row filter here, so root lists, node(id:),
# relations and filters obey it alike; the staff's own rules keep applying to staff.

FAMILY_ROLES = ("GUARDIAN", "STUDENT")
READERS_AND_FAMILIES = roles(*SCHOOL_READERS, *FAMILY_ROLES)


def family_kind(ctx: Any) -> str:
    """Which family roles the caller holds in the active school: "", "g", "s" or "gs" (part of
    the branch name: the statement's shape depends on it)."""
    return ("g" if "GUARDIAN" in ctx.roles else "") + ("s" if "STUDENT" in ctx.roles else "")


def _linked(ctx: Any, bind: Any, column: str) -> Any:
    """SELECT of the records (`guardian_id` or `student_id`) the caller's accepted, unrevoked
    invitations of the active school link their account to."""
    from sqlalchemy import select

    import models

    fi = models.FamilyInvitation.__table__
    return select(fi.c[column]).where(
        fi.c.user_id == bind(ctx.user_id if ctx.user_id is not None else -1),
        fi.c.school_id == bind(ctx.school_id if ctx.school_id is not None else -1),
        fi.c.accepted_at.is_not(None),
        fi.c.revoked_at.is_(None),
        fi.c[column].is_not(None),
    )


def linked_guardian_ids(ctx: Any, bind: Any) -> Any:
    return _linked(ctx, bind, "guardian_id")


def family_student_ids(ctx: Any, bind: Any) -> Any:
    """SELECT of the students the caller reads as family in the active school: a guardian's
    children (through their linked Guardian records), a student themselves when the school
    enables student accounts."""
    from sqlalchemy import exists, select, union

    import models

    school = bind(ctx.school_id if ctx.school_id is not None else -1)
    parts = []
    if "GUARDIAN" in ctx.roles:
        sg = models.StudentGuardian.__table__
        parts.append(
            select(sg.c.student_id).where(
                sg.c.school_id == school, sg.c.guardian_id.in_(linked_guardian_ids(ctx, bind))
            )
        )
    if "STUDENT" in ctx.roles:
        s = models.School.__table__
        enabled = exists().where(s.c.id == school, s.c.student_accounts)
        parts.append(_linked(ctx, bind, "student_id").where(enabled))
    return parts[0] if len(parts) == 1 else union(*parts)


def family_class_ids(ctx: Any, bind: Any) -> Any:
    """SELECT of the classes the caller's family students are or were enrolled in, or are in now."""
    from sqlalchemy import select, union

    import models

    e, s = models.StudentEnrollment.__table__, models.Student.__table__
    school = bind(ctx.school_id if ctx.school_id is not None else -1)
    return union(
        select(e.c.class_id).where(e.c.school_id == school, e.c.student_id.in_(family_student_ids(ctx, bind))),
        select(s.c.current_class_id).where(
            s.c.school_id == school, s.c.id.in_(family_student_ids(ctx, bind)), s.c.current_class_id.is_not(None)
        ),
    )


def locked_exam_ids(ctx: Any, bind: Any, classes: bool = False) -> Any:
    """SELECT of the exams whose marks a family reads: LOCKED ones (marks are final), of the
    family's classes when `classes`."""
    from sqlalchemy import select

    import models

    ex = models.Exam.__table__
    query = select(ex.c.id).where(ex.c.school_id == bind(ctx.school_id or -1), ex.c.status == "LOCKED")
    return query.where(ex.c.class_id.in_(family_class_ids(ctx, bind))) if classes else query


def family_rows(
    column: str = "student_id",
    *,
    ids: Any = family_student_ids,
    via: tuple[str, str] | None = None,
    staff: frozenset[str] | tuple[str, ...] = SCHOOL_READERS,
    staff_rows: Any = None,
    where: Any = None,
) -> Any:
    """Row filter of a record a family reads: staff (`staff` roles) see what `staff_rows` lets
    them (default: every row of the school); guardians and students only the rows whose `column`
    is in `ids(ctx, bind)` (default: their family's students), or with `via=(table, fk)` the rows
    whose `fk` names a row of that table whose `column` is; `where(ctx, alias, bind)` adds a
    condition for families (LOCKED exams only, shared documents only); anyone else none. A
    caller who is both staff and family sees the union."""
    from sqlalchemy import and_, false, or_, select

    staff_roles = frozenset(staff)

    def family_condition(ctx: Any, alias: Any, bind: Any) -> Any:
        if via is None:
            condition = alias.c[column].in_(ids(ctx, bind))
        else:
            from models.base import Base

            table, fk = Base.metadata.tables[via[0]], via[1]
            condition = alias.c[fk].in_(select(table.c.id).where(table.c[column].in_(ids(ctx, bind))))
        return condition if where is None else and_(condition, where(ctx, alias, bind))

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        family = family_kind(ctx)
        if not ctx.roles.isdisjoint(staff_roles):
            result = staff_rows(ctx, alias, bind) if staff_rows is not None else None
            if result is None or not family:
                return result
            branch, condition = result if isinstance(result, tuple) else ("staff", result)
            return f"{branch}+family-{family}", or_(condition, family_condition(ctx, alias, bind))
        if not family:
            return "none", false()
        return f"family-{family}", family_condition(ctx, alias, bind)

    row_filter.__name__ = f"family_rows_{via[1] if via else column}"
    return row_filter


def _locked_marks(ctx: Any, alias: Any, bind: Any) -> Any:
    return alias.c.exam_id.in_(locked_exam_ids(ctx, bind))


def _shared(ctx: Any, alias: Any, bind: Any) -> Any:
    return alias.c.shared_with_family


def _locked(ctx: Any, alias: Any, bind: Any) -> Any:
    return alias.c.status == "LOCKED"


def family_teacher_ids(ctx: Any, bind: Any) -> Any:
    """SELECT of the teachers of the family's classes (class teachers and subject teachers)."""
    from sqlalchemy import select, union

    import models

    c, cs = models.SchoolClass.__table__, models.ClassSubject.__table__
    classes = family_class_ids(ctx, bind)
    return union(
        select(c.c.class_teacher_id).where(c.c.id.in_(classes), c.c.class_teacher_id.is_not(None)),
        select(cs.c.teacher_id).where(cs.c.class_id.in_(classes), cs.c.active, cs.c.teacher_id.is_not(None)),
    )


# the declarations of the school family use these
own_guardian_records = family_rows("id", ids=linked_guardian_ids)
own_guardian_links = family_rows("guardian_id", ids=linked_guardian_ids)
family_classes = family_rows("id", ids=family_class_ids)
family_class_records = family_rows("class_id", ids=family_class_ids)
family_teachers = family_rows("id", ids=family_teacher_ids)
family_exams = family_rows("class_id", ids=family_class_ids, where=_locked)
family_exam_subjects = family_rows("exam_id", ids=lambda ctx, bind: locked_exam_ids(ctx, bind, classes=True))
shared_documents = family_rows(staff=(*PLATFORM, "SCHOOL_ADMIN"), where=_shared)


def family_marks() -> Any:
    return family_rows(staff_rows=classes_taught(via=("exams", "exam_id")), where=_locked_marks)


def family_attendance() -> Any:
    return family_rows(staff_rows=classes_taught("class_id"))
