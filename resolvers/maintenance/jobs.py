"""Maintenance work on the job queue, each also callable on demand:

- `run_schedules(hostel_id, day)` (periodic `run_maintenance_schedules`, every 15 minutes over
  the active hostels, each at its own local date): every active schedule due on or before the
  day gets one `MaintenanceScheduleExecution` for its due date (unique per schedule and date, so
  a second run, or two workers at once, make nothing more) and, unless its room is out of
  service, a request (source SCHEDULE), assigned at once when the schedule names someone. The
  schedule then moves to its first due date after the day: dates missed while no worker ran are
  not caught up one by one (one request covers them).
- `compute_figures(db, hostel_id, start, end)` (periodic `compute_maintenance_figures`, hourly,
  the month to date; the `maintenanceFiguresCompute` mutation for any period): the period's
  `MaintenanceAnalytic`, one `CategoryPerformanceMetric` per issue type and its `ExpenseReport`,
  upserted on their unique keys with `computed_at`, so computing again replaces them.

Dates are the hostel's local dates (its time zone); money sums are NUMERIC in SQL, Decimal here.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import text

import models as m
from kit import clock
from kit.errors import ErrorCode, user_error
from kit.workflow import Doc
from resolvers.jobs.tasks import RETRY, SCHEDULE_QUEUE, _engine, app, scoped
from resolvers.maintenance import service

log = logging.getLogger(__name__)

TERMINAL = ("COMPLETED", "VERIFIED", "REJECTED", "CANCELLED")
STEP = {
    m.ScheduleFrequency.DAYS: lambda n: relativedelta(days=n),
    m.ScheduleFrequency.WEEKS: lambda n: relativedelta(weeks=n),
    m.ScheduleFrequency.MONTHS: lambda n: relativedelta(months=n),
}


def next_after(due: dt.date, frequency: m.ScheduleFrequency, every: int, day: dt.date) -> dt.date:
    """The first date of the schedule's rhythm (from `due`, every `every` units) after `day`.
    Months count from the first due date, so a schedule on the 31st lands on each month's last day."""
    k = 1
    while (nxt := due + STEP[frequency](every * k)) <= day:
        k += 1
    return nxt


async def run_schedules(hostel_id: int, day: dt.date) -> int:
    """Open the requests of the schedules due by `day` in one hostel, in one transaction of its
    own; how many were opened."""
    async with scoped(hostel_id=hostel_id) as conn:
        return await run_schedules_in(conn, hostel_id, day)


async def run_schedules_in(conn: Any, hostel_id: int, day: dt.date) -> int:
    """`run_schedules` on a connection or session scoped to the hostel (the demo's)."""
    opened = 0
    due = (
        await conn.execute(
            text(
                "SELECT s.*, r.active AS room_active, r.status AS room_status, a.active AS amenity_active "
                "FROM maintenance_schedules s "
                "LEFT JOIN rooms r ON r.hostel_id = s.hostel_id AND r.id = s.room_id "
                "LEFT JOIN hostel_amenities a ON a.hostel_id = s.hostel_id AND a.id = s.amenity_id "
                "WHERE s.hostel_id = :h AND s.active AND s.next_due_on <= :d "
                "ORDER BY s.id FOR UPDATE OF s SKIP LOCKED"
            ),
            {"h": hostel_id, "d": day},
        )
    ).all()
    for s in due:
        frequency = m.ScheduleFrequency(s.frequency)
        out_of_service = (s.room_id is not None and (not s.room_active or s.room_status == "CLOSED")) or (
            s.amenity_id is not None and not s.amenity_active
        )
        # the schedule's row is locked: no other run passes here for it until this one commits
        # (and the unique key would refuse a second execution of the date anyway)
        done = await conn.scalar(
            text(
                "SELECT 1 FROM maintenance_schedule_executions WHERE hostel_id = :h AND schedule_id = :s AND due_on = :d"
            ),
            {"h": hostel_id, "s": s.id, "d": s.next_due_on},
        )
        if done:
            continue
        request_id = None
        if not out_of_service:
            request_id = await service.open_request(
                conn,
                hostel_id=hostel_id,
                issue_type_id=s.issue_type_id,
                title=s.title,
                user_id=None,
                source=m.MaintenanceSource.SCHEDULE,
                description=s.description,
                room_id=s.room_id,
                amenity_id=s.amenity_id,
                floor=s.floor,
                estimated_cost=s.estimated_cost,
                due_on=max(s.next_due_on, day),
            )
            if s.assign_to_user_id is not None:
                await _assign(conn, hostel_id, request_id, s.assign_to_user_id, max(s.next_due_on, day))
            opened += 1
        await conn.execute(
            m.MaintenanceScheduleExecution.__table__.insert().values(
                hostel_id=hostel_id,
                schedule_id=s.id,
                due_on=s.next_due_on,
                status=m.ScheduleExecutionStatus.SKIPPED if out_of_service else m.ScheduleExecutionStatus.CREATED,
                request_id=request_id,
            )
        )
        await conn.execute(
            text(
                "UPDATE maintenance_schedules SET next_due_on = :n, updated_at = now() WHERE hostel_id = :h AND id = :s"
            ),
            {"n": next_after(s.next_due_on, frequency, s.interval_count, day), "h": hostel_id, "s": s.id},
        )
    return opened


async def _assign(conn: Any, hostel_id: int, request_id: int, user_id: int, day: dt.date) -> None:
    """The schedule's assignee takes the new request, unless it waits for approval."""
    t = m.MaintenanceRequest.__table__
    row = (await conn.execute(t.select().where(t.c.hostel_id == hostel_id, t.c.id == request_id))).first()
    if row.status is not m.MaintenanceRequestStatus.OPEN:
        return
    await conn.execute(
        m.MaintenanceAssignment.__table__.insert().values(
            hostel_id=hostel_id, request_id=request_id, assigned_to_id=user_id, scheduled_on=day
        )
    )
    await service._move(conn, row, m.MaintenanceRequestStatus.ASSIGNED, None, "schedule", assigned_to_id=user_id)
    await service.notify(
        conn,
        hostel_id=hostel_id,
        user_ids=[user_id],
        type=service.ASSIGNED,
        data={"reference": row.request_number, "title": row.title, "day": day.isoformat()},
        source="maintenance",
    )


def _rate(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else (Decimal(part * 100) / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def compute_figures(db: Any, hostel_id: int, start: dt.date, end: dt.date) -> int:
    """The period's analytics, category metrics and expense report (see the module's
    docstring); the MaintenanceAnalytic's id. `db`: a request's session or a job's connection."""
    now = dt.datetime.now(dt.UTC)
    p = {"h": hostel_id, "s": start, "e": end}
    tz = await db.scalar(text("SELECT coalesce(time_zone, 'UTC') FROM hostels WHERE id = :h"), p)
    p["tz"] = tz
    local = "(({}) AT TIME ZONE :tz)::date"
    opened_in = local.format("r.created_at") + " BETWEEN :s AND :e"
    completed_in = local.format("r.completed_at") + " BETWEEN :s AND :e"
    a = (
        await db.execute(
            text(
                "SELECT "
                f" count(*) FILTER (WHERE {opened_in}) AS opened, "
                f" count(*) FILTER (WHERE {opened_in} AND r.source = 'SCHEDULE') AS preventive, "
                f" count(*) FILTER (WHERE {completed_in}) AS completed, "
                f" avg(extract(epoch FROM r.completed_at - r.created_at) / 3600) FILTER (WHERE {completed_in}) AS hours "
                "FROM maintenance_requests r WHERE r.hostel_id = :h"
            ),
            p,
        )
    ).one()
    # open at the period's end: the last move made by then is not a final one
    at_end = (
        await db.execute(
            text(
                "SELECT count(*) AS open, count(*) FILTER (WHERE r.due_on < :e) AS overdue "
                "FROM maintenance_requests r "
                "JOIN LATERAL (SELECT h.to_status FROM maintenance_status_history h WHERE h.hostel_id = r.hostel_id "
                "  AND h.request_id = r.id AND " + local.format("h.created_at") + " <= :e "
                "  ORDER BY h.created_at DESC, h.id DESC LIMIT 1) last ON true "
                f"WHERE r.hostel_id = :h AND last.to_status NOT IN {TERMINAL}"
            ),
            p,
        )
    ).one()
    costs = (
        await db.execute(
            text(
                "SELECT c.cost_type, t.code, c.over_budget, sum(c.amount) AS amount "
                "FROM maintenance_costs c JOIN maintenance_requests r ON r.hostel_id = c.hostel_id AND r.id = c.request_id "
                "JOIN maintenance_issue_types t ON t.hostel_id = r.hostel_id AND t.id = r.issue_type_id "
                "WHERE c.hostel_id = :h AND " + local.format("c.created_at") + " BETWEEN :s AND :e "
                "GROUP BY c.cost_type, t.code, c.over_budget"
            ),
            p,
        )
    ).all()
    by_type: dict[str, Decimal] = {t.value: Decimal("0") for t in m.MaintenanceCostType}
    by_category: dict[str, Decimal] = {}
    over = Decimal("0")
    for row in costs:
        by_type[row.cost_type] += row.amount
        by_category[row.code] = by_category.get(row.code, Decimal("0")) + row.amount
        if row.over_budget:
            over += row.amount
    total = sum(by_type.values(), Decimal("0"))
    analytic_id = await db.scalar(
        text(
            "INSERT INTO maintenance_analytics (hostel_id, period_start, period_end, requests_opened, requests_completed, "
            " requests_open_at_end, overdue_open, average_completion_hours, total_cost, preventive_share, computed_at) "
            "VALUES (:h, :s, :e, :opened, :completed, :open, :overdue, :hours, :total, :share, :now) "
            "ON CONFLICT (hostel_id, period_start, period_end) DO UPDATE SET requests_opened = EXCLUDED.requests_opened, "
            " requests_completed = EXCLUDED.requests_completed, requests_open_at_end = EXCLUDED.requests_open_at_end, "
            " overdue_open = EXCLUDED.overdue_open, average_completion_hours = EXCLUDED.average_completion_hours, "
            " total_cost = EXCLUDED.total_cost, preventive_share = EXCLUDED.preventive_share, "
            " computed_at = EXCLUDED.computed_at, updated_at = EXCLUDED.computed_at RETURNING id"
        ),
        {
            **p,
            "opened": a.opened,
            "completed": a.completed,
            "open": at_end.open,
            "overdue": at_end.overdue,
            "hours": None if a.hours is None else Decimal(a.hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            "total": total,
            "share": _rate(a.preventive, a.opened) or Decimal("0"),
            "now": now,
        },
    )
    categories = (
        await db.execute(
            text(
                "SELECT t.id, t.code, "
                f" count(r.id) FILTER (WHERE {opened_in}) AS opened, "
                f" count(r.id) FILTER (WHERE {completed_in}) AS completed, "
                f" count(r.id) FILTER (WHERE {completed_in} AND "
                + local.format("r.completed_at")
                + " <= r.due_on) AS on_time, "
                " (SELECT b.amount FROM maintenance_category_budgets b JOIN maintenance_budget_allocations y "
                "   ON y.hostel_id = b.hostel_id AND y.id = b.allocation_id "
                "   WHERE b.hostel_id = t.hostel_id AND b.issue_type_id = t.id AND :s BETWEEN y.starts_on AND y.ends_on) AS budget "
                "FROM maintenance_issue_types t LEFT JOIN maintenance_requests r "
                " ON r.hostel_id = t.hostel_id AND r.issue_type_id = t.id "
                "WHERE t.hostel_id = :h AND t.active GROUP BY t.id, t.code ORDER BY t.id"
            ),
            p,
        )
    ).all()
    for c in categories:
        await db.execute(
            text(
                "INSERT INTO maintenance_category_metrics (hostel_id, issue_type_id, period_start, period_end, "
                " requests_opened, requests_completed, completed_on_time, on_time_rate, total_cost, budget_amount, computed_at) "
                "VALUES (:h, :t, :s, :e, :opened, :completed, :on_time, :rate, :cost, :budget, :now) "
                "ON CONFLICT (hostel_id, issue_type_id, period_start, period_end) DO UPDATE SET "
                " requests_opened = EXCLUDED.requests_opened, requests_completed = EXCLUDED.requests_completed, "
                " completed_on_time = EXCLUDED.completed_on_time, on_time_rate = EXCLUDED.on_time_rate, "
                " total_cost = EXCLUDED.total_cost, budget_amount = EXCLUDED.budget_amount, "
                " computed_at = EXCLUDED.computed_at, updated_at = EXCLUDED.computed_at"
            ),
            {
                **p,
                "t": c.id,
                "opened": c.opened,
                "completed": c.completed,
                "on_time": c.on_time,
                "rate": _rate(c.on_time, c.completed),
                "cost": by_category.get(c.code, Decimal("0")),
                "budget": c.budget,
                "now": now,
            },
        )
    invoices = await db.scalar(
        text(
            "SELECT coalesce(sum(amount), 0) FROM maintenance_vendor_invoices WHERE hostel_id = :h "
            "AND invoice_date BETWEEN :s AND :e AND status <> 'REJECTED'"
        ),
        p,
    )
    await db.execute(
        text(
            "INSERT INTO maintenance_expense_reports (hostel_id, period_start, period_end, total_cost, labour_cost, "
            " material_cost, vendor_cost, other_cost, over_budget_cost, invoices_total, requests_completed, by_category, "
            " computed_at) VALUES (:h, :s, :e, :total, :labour, :material, :vendor, :other, :over, :invoices, "
            " :completed, CAST(:by AS jsonb), :now) "
            "ON CONFLICT (hostel_id, period_start, period_end) DO UPDATE SET total_cost = EXCLUDED.total_cost, "
            " labour_cost = EXCLUDED.labour_cost, material_cost = EXCLUDED.material_cost, "
            " vendor_cost = EXCLUDED.vendor_cost, other_cost = EXCLUDED.other_cost, "
            " over_budget_cost = EXCLUDED.over_budget_cost, invoices_total = EXCLUDED.invoices_total, "
            " requests_completed = EXCLUDED.requests_completed, by_category = EXCLUDED.by_category, "
            " computed_at = EXCLUDED.computed_at, updated_at = EXCLUDED.computed_at"
        ),
        {
            **p,
            "total": total,
            "labour": by_type["LABOUR"],
            "material": by_type["MATERIAL"],
            "vendor": by_type["VENDOR"],
            "other": by_type["OTHER"],
            "over": over,
            "invoices": invoices,
            "completed": a.completed,
            "by": json.dumps({k: str(v) for k, v in sorted(by_category.items())}),
            "now": now,
        },
    )
    return int(analytic_id)


async def _hostels() -> list[Any]:
    async with _engine().begin() as conn:
        await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
        return list((await conn.execute(text("SELECT id, time_zone FROM hostels WHERE active ORDER BY id"))).all())


@app.periodic(cron="*/15 * * * *")
@app.task(
    name="run_maintenance_schedules", queue=SCHEDULE_QUEUE, queueing_lock="run_maintenance_schedules", retry=RETRY
)
async def run_maintenance_schedules(timestamp: int) -> None:
    made = sum([await run_schedules(h.id, clock.today_in(h.time_zone)) for h in await _hostels()])
    if made:
        log.info("maintenance schedules ran", extra={"requests": made})


@app.periodic(cron="41 * * * *")
@app.task(
    name="compute_maintenance_figures", queue=SCHEDULE_QUEUE, queueing_lock="compute_maintenance_figures", retry=RETRY
)
async def compute_maintenance_figures(timestamp: int) -> None:
    for h in await _hostels():
        today = clock.today_in(h.time_zone)
        async with scoped(hostel_id=h.id) as conn:
            await compute_figures(conn, h.id, today.replace(day=1), today)


async def figures_compute(
    ctx: Any,
    session: Any,
    period_start: dt.date,
    period_end: Annotated[dt.date | None, Doc("Default: today (the hostel's date); not in the future.")] = None,
) -> int:
    """Compute the active hostel's maintenance analytics, category performance and expense
    report for a period now (the hourly job does the month to date); earlier figures of the
    same period are replaced. Returns the period's MaintenanceAnalytic."""
    if ctx.hostel_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a hostel first (X-Tenant-Id with the Hostel's ID).")
    end = period_end or clock.today()
    if end > clock.today():
        raise user_error(ErrorCode.INVALID, "Figures are computed up to today, not for the future.", "periodEnd")
    if period_start > end:
        raise user_error(ErrorCode.INVALID, "The period ends before it starts.", "periodStart")
    if (end - period_start).days > 366:
        raise user_error(ErrorCode.INVALID, "A period of at most a year.", "periodStart")
    return await compute_figures(session, int(ctx.hostel_id), period_start, end)
