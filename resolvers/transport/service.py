"""Transport enrollment (seed 001 transport domain, §7.6, §10.6).

The seat count of a route (`transport_routes.current_strength`) is never read and written
back: a seat is taken by ONE conditional update that succeeds only while there is room,

    UPDATE transport_routes SET current_strength = current_strength + 1
     WHERE id = :route AND school_id = :school AND active AND current_strength < capacity
    RETURNING id

and freed by its mirror image (`- 1 WHERE current_strength > 0`). Concurrent enrollments on
one route queue on the route's row lock; each sees the count its predecessor committed, so
the count never passes the capacity (the table's CHECK constraint guards it as well).

One enrollment row per student and session (unique (school_id, student_id, session_id)):
an ended enrollment is reactivated, never duplicated. Two concurrent enrollments of one
student meet on that unique key (or on the existing row's lock); the loser gets CONFLICT.

Lock order, the same everywhere (no deadlocks): the student's session enrollment (shared),
the pickup point (shared), then the transport enrollment row, then the route row. Deactivating
a route or pickup point with active riders is refused (schema/transport.py): the deactivation
locks its row first, so an enrollment at the same moment is counted by it or refused here.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

import models
from kit import writes
from resolvers.transport import fees as transport_fees
from kit.errors import ErrorCode, user_error
from kit.workflow import Ref

log = logging.getLogger(__name__)

Route = models.TransportRoute


_session_of = writes.require_session
_school_of = writes.require_school


async def _check_student(ctx: Any, session: Any, school_id: int, student_id: int, session_id: int) -> None:
    """The student exists in this school, is active and actively enrolled in the session.

    The session enrollment is locked FOR SHARE: a withdrawal (which locks it FOR UPDATE and
    then ends the transport enrollment) either waits for this enrollment to commit and then
    sees it, or commits first and this check no longer finds an active enrollment."""
    Student, StudentEnrollment = models.Student, models.StudentEnrollment
    row = (
        await session.execute(
            select(StudentEnrollment.id, Student.active)
            .join(
                Student,
                (Student.id == StudentEnrollment.student_id) & (Student.school_id == StudentEnrollment.school_id),
            )
            .where(
                StudentEnrollment.student_id == student_id,
                StudentEnrollment.school_id == school_id,
                StudentEnrollment.session_id == session_id,
                StudentEnrollment.active,
            )
            .with_for_update(read=True, of=StudentEnrollment)
        )
    ).first()
    if row is not None:
        if not row.active:
            raise user_error(ErrorCode.INVALID, "This student is not active.", "studentId")
        return
    # the refusal path only: say why
    student = (
        await session.execute(
            select(Student.id, Student.active).where(Student.id == student_id, Student.school_id == school_id)
        )
    ).first()
    if student is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Student with this ID.", "studentId")
    if not student.active:
        raise user_error(ErrorCode.INVALID, "This student is not active.", "studentId")
    raise user_error(ErrorCode.INVALID, "This student is not enrolled in the academic session.", "studentId")


async def _pickup_point(session: Any, school_id: int, pickup_point_id: int) -> Any:
    PickupPoint = models.PickupPoint
    row = (
        await session.execute(
            select(
                PickupPoint.id,
                PickupPoint.name,
                PickupPoint.active,
                PickupPoint.route_id,
                Route.name.label("route_name"),
                Route.active.label("route_active"),
            )
            .join(Route, (Route.id == PickupPoint.route_id) & (Route.school_id == PickupPoint.school_id))
            .where(PickupPoint.id == pickup_point_id, PickupPoint.school_id == school_id)
            .with_for_update(read=True, of=PickupPoint)
        )
    ).first()
    if row is None:
        raise user_error(ErrorCode.NOT_FOUND, "No PickupPoint with this ID.", "pickupPointId")
    if not row.active:
        raise user_error(ErrorCode.INVALID, f"Pickup point {row.name} is not active.", "pickupPointId")
    if not row.route_active:
        raise user_error(ErrorCode.INVALID, f"Route {row.route_name} is not active.", "pickupPointId")
    return row


async def _take_seat(ctx: Any, session: Any, school_id: int, route_id: int, route_name: str) -> None:
    taken = (
        await session.execute(
            update(Route)
            .where(
                Route.id == route_id,
                Route.school_id == school_id,
                Route.active,
                Route.current_strength < Route.capacity,
            )
            .values(current_strength=Route.current_strength + 1, updated_at=writes.now_utc(), updated_by=ctx.user_id)
            .returning(Route.id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if taken is None:
        # the route changed since it was read (deactivated meanwhile) or, usually, it is full
        active = await session.scalar(select(Route.active).where(Route.id == route_id, Route.school_id == school_id))
        if not active:
            raise user_error(ErrorCode.INVALID, f"Route {route_name} is not active.", "pickupPointId")
        raise user_error(ErrorCode.CONFLICT, f"Route {route_name} is full.", "pickupPointId")


async def _free_seat(ctx: Any, session: Any, school_id: int, route_id: int) -> None:
    freed = (
        await session.execute(
            update(Route)
            .where(Route.id == route_id, Route.school_id == school_id, Route.current_strength > 0)
            .values(current_strength=Route.current_strength - 1, updated_at=writes.now_utc(), updated_by=ctx.user_id)
            .returning(Route.id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if freed is None:  # the count had drifted to 0 already: nothing to free, the enrollment still ends
        log.warning("transport route %s had no seat to free", route_id)


async def _active_enrollment(session: Any, school_id: int, student_id: int, session_id: int) -> Any:
    TE = models.TransportEnrollment
    return (
        await session.execute(
            select(TE)
            .where(TE.student_id == student_id, TE.session_id == session_id, TE.school_id == school_id, TE.active)
            .with_for_update(of=TE)
        )
    ).scalar_one_or_none()


async def enroll(
    ctx: Any, session: Any, student_id: Ref[models.Student], pickup_point_id: Ref[models.PickupPoint]
) -> int:
    """Enroll a student on a pickup point for the academic session in force (one enrollment per
    student and session; an ended one is reactivated). Takes a seat on the route atomically:
    CONFLICT when the route is full."""
    TE = models.TransportEnrollment
    school_id = _school_of(ctx)
    session_id = _session_of(ctx)
    await _check_student(ctx, session, school_id, student_id, session_id)
    point = await _pickup_point(session, school_id, pickup_point_id)
    existing = (
        await session.execute(
            select(TE)
            .where(TE.student_id == student_id, TE.session_id == session_id, TE.school_id == school_id)
            .with_for_update(of=TE)
        )
    ).scalar_one_or_none()
    if existing is not None and existing.active:
        raise user_error(ErrorCode.CONFLICT, "This student already rides in this academic session.", "studentId")
    if existing is not None:  # ended earlier in the session: the one row comes back
        existing.active = True
        existing.pickup_point_id = pickup_point_id
        enrollment = existing
        await session.flush()
    else:
        enrollment = TE(student_id=student_id, pickup_point_id=pickup_point_id, session_id=session_id, active=True)
        try:
            async with session.begin_nested():
                session.add(enrollment)
                await session.flush()
        except IntegrityError:
            # a concurrent request enrolled the same student first (unique student+session)
            raise user_error(
                ErrorCode.CONFLICT, "This student already rides in this academic session.", "studentId"
            ) from None
    await _take_seat(ctx, session, school_id, point.route_id, point.route_name)
    await transport_fees.ensure_assignment(ctx, session, school_id, session_id, student_id, pickup_point_id)
    return enrollment.id


async def unenroll(ctx: Any, session: Any, student_id: Ref[models.Student]) -> int:
    """End the student's transport enrollment in the academic session in force and free the seat."""
    school_id = _school_of(ctx)
    session_id = _session_of(ctx)
    enrollment = await _end(ctx, session, school_id, student_id, session_id)
    if enrollment is None:
        raise user_error(
            ErrorCode.NOT_FOUND,
            "This student has no active transport enrollment in this academic session.",
            "studentId",
        )
    return enrollment.id


async def _end(ctx: Any, session: Any, school_id: int, student_id: int, session_id: int) -> Any:
    enrollment = await _active_enrollment(session, school_id, student_id, session_id)
    if enrollment is None:
        return None
    route_id = await session.scalar(
        select(models.PickupPoint.route_id).where(
            models.PickupPoint.id == enrollment.pickup_point_id, models.PickupPoint.school_id == school_id
        )
    )
    enrollment.active = False
    await session.flush()
    await _free_seat(ctx, session, school_id, route_id)
    await transport_fees.end_assignments(ctx, session, school_id, session_id, student_id)
    return enrollment


async def end_enrollment(ctx: Any, session: Any, student_id: int, session_id: int) -> bool:
    """For workflows (student withdrawal) inside their own `mutation_scope`: end the student's
    active transport enrollment in `session_id` and free its seat. Returns whether there was
    one. The caller logs its own activity."""
    school_id = _school_of(ctx)
    return await _end(ctx, session, school_id, student_id, session_id) is not None


__all__ = ["end_enrollment", "enroll", "unenroll"]
