"""Complaint analytics: computed from the complaints, assignments, resolutions and feedback of a
hostel, never typed in. The period is the 30 days up to `as_of` (the hostel's date); computing a
period again replaces its rows (so the hourly job and `complaintAnalyticsCompute` are idempotent).

- ComplaintAnalyticSnapshot: the period's complaints (volumes, speed, SLA, escalations,
  reopenings, satisfaction, per priority) and the hostel's backlog when computed;
- ComplaintCategoryMetric: the same per category;
- ComplaintStaffPerformance: per staff member, the assignments they took and the resolutions
  they made in the period, on time or not, how residents rated them, and their open workload.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from kit import clock
from kit.errors import ErrorCode, user_error
from kit.workflow import Doc
from resolvers.jobs.tasks import RETRY, SCHEDULE_QUEUE, _engine, app, scoped

log = logging.getLogger(__name__)

PERIOD_DAYS = 30
DONE = "c.status IN ('RESOLVED', 'CLOSED')"
PERIOD = "WITH p AS (SELECT * FROM complaints c WHERE c.hostel_id = :h AND c.created_at >= :t0 AND c.created_at < :t1) "
HOURS = "round(avg(extract(epoch FROM {end} - {start}) / 3600)::numeric, 2)"

SNAPSHOT = text(
    PERIOD + "INSERT INTO complaint_analytic_snapshots (hostel_id, period_start, period_end, computed_at, "
    "total_complaints, open_complaints, resolved_complaints, urgent_complaints, escalated_complaints, "
    "reopened_complaints, sla_breached_complaints, sla_compliance_rate, average_response_hours, "
    "average_resolution_hours, average_rating, backlog, by_priority) "
    "SELECT :h, :s, :e, :now, count(*), "
    "count(*) FILTER (WHERE c.status IN ('OPEN', 'ASSIGNED', 'REOPENED')), "
    f"count(*) FILTER (WHERE {DONE}), "
    "count(*) FILTER (WHERE c.priority = 'URGENT'), "
    "count(*) FILTER (WHERE c.escalation_level > 0), "
    "count(*) FILTER (WHERE c.reopen_count > 0), "
    "count(*) FILTER (WHERE c.sla_breached_at IS NOT NULL), "
    f"round(100.0 * count(*) FILTER (WHERE {DONE} AND c.resolved_at <= c.resolution_due_at) "
    f"  / nullif(count(*) FILTER (WHERE {DONE}), 0), 2), "
    + HOURS.format(end="c.first_response_at", start="c.created_at")
    + ", round((avg(extract(epoch FROM c.resolved_at - c.created_at) / 3600) "
    f"  FILTER (WHERE {DONE}))::numeric, 2), "
    "(SELECT round(avg(f.rating)::numeric, 2) FROM complaint_feedback f JOIN p ON p.id = f.complaint_id), "
    "(SELECT count(*) FROM complaints b WHERE b.hostel_id = :h AND b.status IN ('OPEN', 'ASSIGNED', 'REOPENED')), "
    "coalesce((SELECT jsonb_object_agg(x.priority, x.n) FROM (SELECT priority, count(*) AS n FROM p "
    "  GROUP BY priority) x), '{}'::jsonb) "
    "FROM p c RETURNING id"
)
CATEGORIES = text(
    PERIOD + "INSERT INTO complaint_category_metrics (hostel_id, period_start, period_end, computed_at, category, "
    "total_complaints, resolved_complaints, share_of_total, resolution_rate, average_resolution_hours, "
    "sla_breached_complaints) "
    "SELECT :h, :s, :e, :now, c.category, count(*), count(*) FILTER (WHERE " + DONE + "), "
    "round(100.0 * count(*) / (SELECT count(*) FROM p), 2), "
    "round(100.0 * count(*) FILTER (WHERE " + DONE + ") / count(*), 2), "
    "round((avg(extract(epoch FROM c.resolved_at - c.created_at) / 3600) FILTER (WHERE " + DONE + "))::numeric, 2), "
    "count(*) FILTER (WHERE c.sla_breached_at IS NOT NULL) "
    "FROM p c GROUP BY c.category"
)
IN_PERIOD = "{t}.hostel_id = :h AND {t}.{col} >= :t0 AND {t}.{col} < :t1"
RESOLVED_BY = "r.resolved_by_user_id = s.u AND " + IN_PERIOD.format(t="r", col="created_at")
STAFF = text(
    "WITH s AS (SELECT a.assigned_to_user_id AS u FROM complaint_assignments a WHERE "
    + IN_PERIOD.format(t="a", col="assigned_at")
    + " UNION SELECT r.resolved_by_user_id FROM complaint_resolutions r WHERE "
    + IN_PERIOD.format(t="r", col="created_at")
    + ") INSERT INTO complaint_staff_performance (hostel_id, period_start, period_end, computed_at, staff_user_id, "
    "assigned_complaints, resolved_complaints, resolved_within_sla, open_assignments, average_resolution_hours, "
    "average_rating) "
    "SELECT :h, :s, :e, :now, s.u, "
    "(SELECT count(DISTINCT a.complaint_id) FROM complaint_assignments a WHERE a.assigned_to_user_id = s.u AND "
    + IN_PERIOD.format(t="a", col="assigned_at")
    + "), (SELECT count(DISTINCT r.complaint_id) FROM complaint_resolutions r WHERE "
    + RESOLVED_BY
    + "), (SELECT count(DISTINCT r.complaint_id) FROM complaint_resolutions r WHERE r.within_sla AND "
    + RESOLVED_BY
    + "), (SELECT count(*) FROM complaints c WHERE c.hostel_id = :h AND c.assigned_to_id = s.u "
    "AND c.status = 'ASSIGNED'), "
    "(SELECT " + HOURS.format(end="r.created_at", start="c.created_at") + " FROM complaint_resolutions r "
    "JOIN complaints c ON c.id = r.complaint_id WHERE " + RESOLVED_BY + "), "
    "(SELECT round(avg(f.rating)::numeric, 2) FROM complaint_resolutions r JOIN complaint_feedback f "
    "ON f.complaint_id = r.complaint_id WHERE r.is_final_resolution AND " + RESOLVED_BY + ") "
    "FROM s"
)
TABLES = ("complaint_analytic_snapshots", "complaint_category_metrics", "complaint_staff_performance")


async def compute(db: Any, hostel_id: int, as_of: dt.date, zone: str, now: dt.datetime | None = None) -> int:
    """(Re)compute the period ending `as_of` (the hostel's local dates, `zone`) of one hostel on
    `db` (a session or connection scoped to it); the snapshot's id."""
    start = as_of - dt.timedelta(days=PERIOD_DAYS - 1)
    tz = ZoneInfo(zone)
    params = {
        "h": hostel_id,
        "s": start,
        "e": as_of,
        "t0": dt.datetime.combine(start, dt.time(), tzinfo=tz),
        "t1": dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=tz),
        "now": now or dt.datetime.now(dt.UTC),
    }
    for table in TABLES:
        await db.execute(
            text(f"DELETE FROM {table} WHERE hostel_id = :h AND period_start = :s AND period_end = :e"),
            {"h": hostel_id, "s": start, "e": as_of},
        )
    snapshot = (await db.execute(SNAPSHOT, params)).scalar_one()
    await db.execute(CATEGORIES, params)
    await db.execute(STAFF, params)
    return int(snapshot)


async def compute_now(
    ctx: Any,
    session: Any,
    as_of: Annotated[dt.date | None, Doc("The period's last day; default the hostel's today.")] = None,
) -> int:
    """Recompute the active hostel's complaint analytics for the 30 days up to `asOf` (rows of
    that period are replaced); returns the period's snapshot."""
    if ctx.hostel_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a hostel first (X-Tenant-Id with the Hostel's ID).")
    today = clock.today()  # the hostel's date
    as_of = as_of or today
    if as_of > today:
        raise user_error(ErrorCode.INVALID, f"asOf {as_of.isoformat()} is in the future.", "asOf")
    zone = await session.scalar(text("SELECT time_zone FROM hostels WHERE id = :h"), {"h": ctx.hostel_id})
    await session.flush()
    return await compute(session, ctx.hostel_id, as_of, zone or "UTC")


@app.periodic(cron="41 * * * *")
@app.task(
    name="compute_complaint_analytics",
    queue=SCHEDULE_QUEUE,
    queueing_lock="compute_complaint_analytics",
    retry=RETRY,
)
async def compute_complaint_analytics(timestamp: int) -> None:
    """Hourly: every active hostel's period up to its today (replaced, so running twice is a no-op)."""
    async with _engine().begin() as conn:
        await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
        hostels = (await conn.execute(text("SELECT id, time_zone FROM hostels WHERE active ORDER BY id"))).all()
    now = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    for hostel_id, zone in hostels:
        async with scoped(hostel_id=hostel_id) as conn:
            await compute(conn, hostel_id, clock.today_in(zone, now), zone, now)
    log.info("complaint analytics computed", extra={"hostels": len(hostels)})
