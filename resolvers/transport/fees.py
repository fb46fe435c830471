"""The fee side of transport (seed §10.6): enrolling on a pickup point creates, or
reactivates, the student's transport fee assignment at the point's amount and frequency;
ending the enrollment deactivates it while nothing has been paid on it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from kit import clock

TRANSPORT_FEE_TYPE = "Transport"


async def ensure_assignment(
    ctx: Any, session: Any, school_id: int, session_id: int, student_id: int, pickup_point_id: int
) -> None:
    point = (
        await session.execute(
            text("SELECT amount, frequency FROM pickup_points WHERE id = :p AND school_id = :s"),
            {"p": pickup_point_id, "s": school_id},
        )
    ).one()
    params = {"s": school_id, "session": session_id, "user": ctx.user_id, "now": dt.datetime.now(dt.UTC)}
    await session.execute(
        text(
            "INSERT INTO fee_types (school_id, name, description, created_at, created_by) "
            "VALUES (:s, :name, 'School transport', :now, :user) ON CONFLICT (name, school_id) DO NOTHING"
        ),
        {**params, "name": TRANSPORT_FEE_TYPE},
    )
    fee_type = (
        await session.execute(
            text("SELECT id FROM fee_types WHERE school_id = :s AND name = :name"),
            {"s": school_id, "name": TRANSPORT_FEE_TYPE},
        )
    ).scalar_one()
    structure = (
        await session.execute(
            text(
                "SELECT id FROM fee_structures WHERE school_id = :s AND session_id = :session AND fee_type_id = :ft AND class_id IS NULL "
                "AND amount = :amount AND frequency = :freq AND active ORDER BY id LIMIT 1"
            ),
            {**params, "ft": fee_type, "amount": point.amount, "freq": point.frequency},
        )
    ).scalar_one_or_none()
    if structure is None:
        structure = (
            await session.execute(
                text(
                    "INSERT INTO fee_structures (school_id, session_id, fee_type_id, amount, frequency, due_day_of_month, created_at, created_by) "
                    "VALUES (:s, :session, :ft, :amount, :freq, 10, :now, :user) RETURNING id"
                ),
                {**params, "ft": fee_type, "amount": point.amount, "freq": point.frequency},
            )
        ).scalar_one()
    existing = (
        await session.execute(
            text(
                "SELECT id, active FROM student_fee_assignments WHERE school_id = :s AND student_id = :student AND session_id = :session "
                "AND fee_structure_id = :fs FOR UPDATE"
            ),
            {**params, "student": student_id, "fs": structure},
        )
    ).first()
    if existing is not None:
        if not existing.active:
            await session.execute(
                text(
                    "UPDATE student_fee_assignments SET active = true, version = version + 1, "
                    "updated_at = :now, updated_by = :user WHERE id = :id"
                ),
                {**params, "id": existing.id},
            )
        return
    today = clock.today()
    due = today.replace(day=10) if today.day <= 10 else (today.replace(day=1) + dt.timedelta(days=32)).replace(day=10)
    await session.execute(
        text(
            "INSERT INTO student_fee_assignments (school_id, student_id, fee_structure_id, session_id, amount, due_date, "
            "late_fee_type, late_fee_value, late_fee_grace_days, late_fee_cap_type, late_fee_cap_value, created_at, created_by) "
            "VALUES (:s, :student, :fs, :session, :amount, :due, 'NONE', 0, 0, 'NONE', 0, :now, :user)"
        ),
        {**params, "student": student_id, "fs": structure, "amount": Decimal(point.amount), "due": due},
    )


async def end_assignments(ctx: Any, session: Any, school_id: int, session_id: int, student_id: int) -> None:
    await session.execute(
        text(
            "UPDATE student_fee_assignments a SET active = false, version = a.version + 1, updated_at = :now, updated_by = :user "
            "FROM fee_structures fs JOIN fee_types ft ON ft.id = fs.fee_type_id AND ft.school_id = fs.school_id "
            "WHERE a.fee_structure_id = fs.id AND a.school_id = fs.school_id AND ft.name = :name AND a.school_id = :s "
            "AND a.student_id = :student AND a.session_id = :session AND a.active AND a.principal_paid = 0 AND a.late_fee_paid = 0"
        ),
        {
            "s": school_id,
            "session": session_id,
            "student": student_id,
            "name": TRANSPORT_FEE_TYPE,
            "now": dt.datetime.now(dt.UTC),
            "user": ctx.user_id,
        },
    )
