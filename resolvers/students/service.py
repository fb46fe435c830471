"""Academic sessions and the student life cycle (seed 001 §4, §6, §7.5, §7.6).

Every function runs inside the caller's `mutation_scope` (one savepoint): an expected
failure raises `UserErrors` and leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update

import models
from kit import clock
from kit import writes
from kit.registry import spec_for_model
from kit.errors import ErrorCode, user_error
from kit.workflow import Ref

SESSION = spec_for_model(models.AcademicSession)


today = clock.today
_session_id = writes.require_session


# ---- academic sessions ----------------------------------------------------------------------


async def create_session(
    ctx: Any, session: Any, name: str, start_date: dt.date | None = None, end_date: dt.date | None = None
) -> int:
    """Create an academic session; the school's first one becomes active and current."""
    start, end = start_date, end_date
    if start and end and end <= start:
        raise user_error(ErrorCode.INVALID, "endDate must be after startDate.", "endDate")
    if ctx.school_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a school first (X-Tenant-Id).")
    school = (
        await session.execute(select(models.School).where(models.School.id == ctx.school_id).with_for_update())
    ).scalar_one()
    has_active = await session.scalar(select(func.count()).where(models.AcademicSession.active))
    row = models.AcademicSession(name=name.strip(), start_date=start, end_date=end, active=not has_active)
    session.add(row)
    await session.flush()
    if not has_active:  # the school's first session becomes its current one
        school.current_session_id = row.id
    return row.id


async def activate_session(ctx: Any, session: Any, id: Ref[models.AcademicSession]) -> int:  # noqa: A002 - the input field
    """One active session per school (seed §7.6); School.currentSessionId follows."""
    session_pk = id
    if ctx.school_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a school first (X-Tenant-Id).")
    school = (
        await session.execute(select(models.School).where(models.School.id == ctx.school_id).with_for_update())
    ).scalar_one()
    target = await writes.get_for_update(ctx, session, SESSION, session_pk)
    await session.execute(
        update(models.AcademicSession)
        .where(models.AcademicSession.active, models.AcademicSession.id != session_pk)
        .values(active=False)
    )
    await session.flush()
    target.active = True
    school.current_session_id = target.id
    return target.id


# ---- admission and enrollment -----------------------------------------------------------------


@dataclass
class GuardianData:
    name: str
    contact_number: str
    relation: str | None = None
    email: str | None = None
    occupation: str | None = None
    primary: bool = False


async def _class_in_session(ctx: Any, session: Any, class_id: int, session_id: int, field: str) -> models.SchoolClass:
    row = (
        await session.execute(select(models.SchoolClass).where(models.SchoolClass.id == class_id))
    ).scalar_one_or_none()
    if row is None:
        raise user_error(ErrorCode.NOT_FOUND, "No SchoolClass with this ID.", field)
    if not row.active or row.session_id != session_id:
        raise user_error(ErrorCode.INVALID, "The class is not an active class of this academic session.", field)
    return row


async def _check_capacity(session: Any, school_id: int) -> None:
    """Refuse an admission beyond the active subscription's studentLimit. The subscription
    row is locked, so parallel admissions queue here and cannot overshoot together."""
    plan = (
        await session.execute(
            select(models.SchoolSubscription)
            .where(models.SchoolSubscription.active)
            .order_by(models.SchoolSubscription.id.desc())
            .limit(1)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if plan is None or plan.student_limit is None:
        return
    enrolled = await session.scalar(
        select(func.count())
        .select_from(models.Student)
        .where(models.Student.active, models.Student.current_status == models.StudentStatus.ENROLLED)
    )
    if enrolled >= plan.student_limit:
        raise user_error(
            ErrorCode.LOCKED,
            f"The school's plan ({plan.plan_name}) allows {plan.student_limit} students; upgrade it to admit more.",
        )


async def admit(
    ctx: Any,
    session: Any,
    student: dict[str, Any],
    class_id: int,
    roll_number: int | None,
    admission_type: models.AdmissionType | None,
    guardians: list[GuardianData],
) -> int:
    session_id = _session_id(ctx)
    if not guardians:
        raise user_error(ErrorCode.INVALID, "Name at least one guardian.", "guardians")
    if sum(1 for g in guardians if g.primary) > 1:
        raise user_error(ErrorCode.INVALID, "Only one guardian can be the primary one.", "guardians")
    await _check_capacity(session, ctx.school_id)
    school_class = await _class_in_session(ctx, session, class_id, session_id, "classId")
    row = models.Student(
        **{**student, "date_of_admission": student.get("date_of_admission") or today()},
        current_status=models.StudentStatus.ENROLLED,
        current_class_id=class_id,
    )
    session.add(row)
    await session.flush()
    session.add(
        models.StudentEnrollment(
            student_id=row.id,
            class_id=class_id,
            section=school_class.section,
            session_id=session_id,
            roll_number=roll_number,
            enrollment_date=today(),
            start_date=today(),
            admission_type=admission_type or models.AdmissionType.NEW,
        )
    )
    for index, g in enumerate(guardians):
        contact = g.contact_number.strip()
        existing = (
            await session.execute(select(models.Guardian).where(models.Guardian.contact_number == contact))
        ).scalar_one_or_none()
        if existing is None:  # a sibling's guardian is found by contact number and reused
            existing = models.Guardian(
                name=g.name.strip(), contact_number=contact, relation=g.relation, email=g.email, occupation=g.occupation
            )
            session.add(existing)
            await session.flush()
        elif not existing.active:
            raise user_error(
                ErrorCode.INVALID,
                "This contact number belongs to a deactivated guardian.",
                "guardians",
                str(index),
                "contactNumber",
            )
        session.add(
            models.StudentGuardian(
                student_id=row.id,
                guardian_id=existing.id,
                primary_guardian=g.primary or (index == 0 and not any(x.primary for x in guardians)),
            )
        )
    await session.flush()
    await writes.log_activity(session, ctx, "studentAdmit", "Student", row.id)
    return row.id


async def enroll(
    ctx: Any,
    session: Any,
    student_id: Ref[models.Student],
    class_id: Ref[models.SchoolClass],
    roll_number: int | None = None,
    admission_type: models.AdmissionType | None = None,
) -> int:
    """Enroll a student in a class of the current session (one active enrollment per session)."""
    session_id = _session_id(ctx)
    student = await writes.get_for_update(ctx, session, spec_for_model(models.Student), student_id)
    if not student.active:
        raise user_error(ErrorCode.INVALID, "The student is not active.", "studentId")
    school_class = await _class_in_session(ctx, session, class_id, session_id, "classId")
    current = await session.scalar(
        select(models.StudentEnrollment.id).where(
            models.StudentEnrollment.student_id == student_id,
            models.StudentEnrollment.session_id == session_id,
            models.StudentEnrollment.active,
        )
    )
    if current is not None:
        raise user_error(
            ErrorCode.CONFLICT, "The student already has an active enrollment in this session.", "studentId"
        )
    row = models.StudentEnrollment(
        student_id=student_id,
        class_id=class_id,
        section=school_class.section,
        session_id=session_id,
        roll_number=roll_number,
        enrollment_date=today(),
        start_date=today(),
        admission_type=admission_type,
    )
    session.add(row)
    student.current_class_id = class_id
    student.current_status = models.StudentStatus.ENROLLED
    await session.flush()
    return row.id


# ---- deactivation ---------------------------------------------------------------------------


async def after_student(ctx: Any, session: Any, student: models.Student, verb: str) -> None:
    """`studentDeactivate` of a student still enrolled in a class or riding a school bus is refused
    (CONFLICT, nothing changes), like a class with students or a route with riders: deactivated
    as it was, they kept their class place and their seat (the class and the route then could not be
    deactivated either). `studentWithdraw` ends both (and the fees still to come) first. The student
    row is locked (get_for_update), as enrollment locks it, so none slips in meanwhile."""
    if verb != "deactivate":
        return
    SE, TE = models.StudentEnrollment, models.TransportEnrollment
    enrolled = await session.scalar(
        select(func.count())
        .select_from(SE)
        .where(SE.student_id == student.id, SE.school_id == student.school_id, SE.active)
    )
    riding = await session.scalar(
        select(func.count())
        .select_from(TE)
        .where(TE.student_id == student.id, TE.school_id == student.school_id, TE.active)
    )
    if enrolled or riding:
        what = " and ".join(
            w for w, n in (("actively enrolled in a class", enrolled), ("riding a school bus", riding)) if n
        )
        raise user_error(
            ErrorCode.CONFLICT, f"The student is {what}: withdraw them (studentWithdraw) before deactivating.", "id"
        )


# ---- withdrawal (seed §7.5) -------------------------------------------------------------------


async def withdraw(
    ctx: Any, session: Any, student_id: Ref[models.Student], date_of_leaving: dt.date, reason: str
) -> int:
    """Withdraw a student from the current session: enrollment ended, transport seat freed."""
    leaving = date_of_leaving
    session_id = _session_id(ctx)
    if leaving > today():
        raise user_error(ErrorCode.INVALID, "The date of leaving cannot be in the future.", "dateOfLeaving")
    enrollment = (
        await session.execute(
            select(models.StudentEnrollment)
            .where(
                models.StudentEnrollment.student_id == student_id,
                models.StudentEnrollment.session_id == session_id,
                models.StudentEnrollment.active,
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if enrollment is None:
        # a parallel withdrawal that won the lock, or none to withdraw from: either way, nothing to do
        raise user_error(ErrorCode.NOT_FOUND, "The student has no active enrollment in this session.", "studentId")
    student = await writes.get_for_update(ctx, session, spec_for_model(models.Student), student_id)
    enrollment.active = False
    enrollment.end_date = leaving
    student.reason_for_leaving = reason
    student.date_of_leaving = leaving
    student.current_status = models.StudentStatus.WITHDRAWN
    try:
        from resolvers.transport.service import end_enrollment
    except ImportError:  # transport workflows not installed
        end_enrollment = None
    if end_enrollment is not None:
        await end_enrollment(ctx, session, student_id, session_id)
    # seed §7.5: future fee assignments with nothing paid are deactivated; any with a payment stay
    await session.execute(
        update(models.StudentFeeAssignment)
        .where(
            models.StudentFeeAssignment.student_id == student_id,
            models.StudentFeeAssignment.session_id == session_id,
            models.StudentFeeAssignment.active,
            models.StudentFeeAssignment.due_date > leaving,
            models.StudentFeeAssignment.principal_paid == 0,
            models.StudentFeeAssignment.late_fee_paid == 0,
        )
        .values(active=False, version=models.StudentFeeAssignment.version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return student_id


# ---- promotion (seed §7.6) --------------------------------------------------------------------


async def promote(
    ctx: Any,
    session: Any,
    source_class_id: int,
    target_class_id: int,
    student_ids: list[int] | None,
    promotion_type: models.PromotionType,
    promoted_by: str,
) -> int:
    source = (
        await session.execute(select(models.SchoolClass).where(models.SchoolClass.id == source_class_id))
    ).scalar_one_or_none()
    target = (
        await session.execute(select(models.SchoolClass).where(models.SchoolClass.id == target_class_id))
    ).scalar_one_or_none()
    if source is None:
        raise user_error(ErrorCode.NOT_FOUND, "No SchoolClass with this ID.", "sourceClassId")
    if target is None:
        raise user_error(ErrorCode.NOT_FOUND, "No SchoolClass with this ID.", "targetClassId")
    if target.session_id == source.session_id:
        raise user_error(ErrorCode.INVALID, "Promote into a class of another academic session.", "targetClassId")
    open_exams = await session.scalar(
        select(func.count())
        .select_from(models.Exam)
        .where(
            models.Exam.class_id == source.id,
            models.Exam.session_id == source.session_id,
            models.Exam.active,
            models.Exam.status.is_distinct_from(models.ExamStatus.LOCKED),
        )
    )
    if open_exams:
        raise user_error(
            ErrorCode.LOCKED,
            f"{open_exams} exam(s) of the class are not locked yet; lock them before promoting.",
            "sourceClassId",
        )
    enrollments = (
        (
            await session.execute(
                select(models.StudentEnrollment)
                .where(
                    models.StudentEnrollment.class_id == source.id,
                    models.StudentEnrollment.session_id == source.session_id,
                    models.StudentEnrollment.active,
                )
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    by_student = {e.student_id: e for e in enrollments}
    chosen = list(by_student) if student_ids is None else student_ids
    missing = [i for i, s in enumerate(chosen) if s not in by_student]
    if missing:
        raise user_error(ErrorCode.INVALID, "Not actively enrolled in the source class.", "studentIds", str(missing[0]))
    if not chosen:
        raise user_error(ErrorCode.INVALID, "No students to promote.", "studentIds")
    taken = (
        (
            await session.execute(
                select(models.StudentEnrollment.student_id).where(
                    models.StudentEnrollment.student_id.in_(chosen),
                    models.StudentEnrollment.session_id == target.session_id,
                    models.StudentEnrollment.active,
                )
            )
        )
        .scalars()
        .all()
    )
    if taken:
        raise user_error(
            ErrorCode.CONFLICT,
            f"{len(taken)} student(s) already have an enrollment in the target session.",
            "studentIds",
            str(chosen.index(taken[0])),
        )
    now = dt.datetime.now(dt.UTC)
    for student_id in chosen:
        enrollment = by_student[student_id]
        enrollment.active = False
        enrollment.end_date = today()
    await session.flush()
    base = {"school_id": ctx.school_id, "created_at": now, "created_by": ctx.user_id}
    await session.execute(
        insert(models.PromotionRecord),
        [
            {
                **base,
                "student_id": s,
                "source_session_id": source.session_id,
                "target_session_id": target.session_id,
                "source_class_id": source.id,
                "target_class_id": target.id,
                "promotion_type": promotion_type,
                "promoted_by": promoted_by,
                "promoted_at": now,
            }
            for s in chosen
        ],
    )
    await session.execute(
        insert(models.StudentEnrollment),
        [
            {
                **base,
                "student_id": s,
                "class_id": target.id,
                "section": target.section,
                "session_id": target.session_id,
                "roll_number": by_student[s].roll_number,
                "enrollment_date": today(),
                "start_date": today(),
                "admission_type": models.AdmissionType.PROMOTION,
            }
            for s in chosen
        ],
    )
    await session.execute(
        update(models.Student).where(models.Student.id.in_(chosen)).values(current_class_id=target.id)
    )
    await writes.log_activity(session, ctx, "studentsPromote", "SchoolClass", source.id)
    return len(chosen)
