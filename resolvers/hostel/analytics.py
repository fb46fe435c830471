"""Derived hostel analytics: computed from the operational rows for one hostel and an as-of
date, never typed in. Used by `campus compute-analytics [--hostel SLUG] [--date YYYY-MM-DD]`
(gateway/cli.py) and the `hostelAnalyticsCompute` mutation. Every row carries `computed_at`
(the time of the computation); rows are upserted on their unique keys, so computing again
replaces figures instead of adding rows. Percentages are Decimal with two places (half up).

Bed states come from resolvers/hostel/reads.py (`bed_state`: OCCUPIED, RESERVED, BLOCKED,
FREE, over the bookable beds, with ended assignments counted on the days they covered);
"free for a new booking" is the availability snapshot's `free_on` as hostel staff see it
(beds held back by HOLD_BACK_BEDS rules count as free, committed bookings without a bed and
room occupancy limits are taken off). A month of rent is 30 days of rent.

Periods, for as-of date D:
- the period: month to date, [first day of D's month, D + 1);
- the horizon: [D, D + 30) for forecasts, price suggestions; [D, D + 90) for DayAvailability;
  [D, D + 14) for availability alerts.

Figures (each table's docstring in `compute` says which of these it stores):
- occupancy rate of a day = occupied beds / beds x 100; of a period = occupied bed-days /
  bed-days x 100 (beds: the bookable beds);
- booked revenue = sum over bookings in CONFIRMED, CHECKED_IN or COMPLETED of
  monthly_rent x (days of the stay inside the period) / 30; of a day: monthly_rent / 30 of
  each such booking whose stay covers the day;
- refunds = sum of RefundTransaction amounts created in the period (any status);
- bookings created = bookings created in the period; confirmed / cancelled / check-ins =
  status-history moves to CONFIRMED / CANCELLED / CHECKED_IN made in the period;
- cancellation rate (forecasts) = moves to CANCELLED or NO_SHOW / moves to CANCELLED, NO_SHOW
  or CHECKED_IN, over the 90 days before D.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kit import clock
from kit.sql import Run
from kit.money import money
from resolvers.hostel.availability import Snapshot, days, snapshot
from resolvers.hostel.reads import (
    BLOCKED,
    FREE,
    OCCUPIED,
    RESERVED,
    Counts,
    bed_state,
    count_beds,
    occupancy_snapshot,
    percent,
    unassigned_on,
)
from kit.ids import encode_gid

FORECAST_DAYS = 30
CALENDAR_DAYS = 90
ALERT_DAYS = 14
CANCELLATION_WINDOW = 90
MONTH_DAYS = Decimal(30)
ZERO = Decimal("0.00")

# (beds, occupied) of another hostel on a day, read in a scoped read of that hostel (public ones)
PeerReader = Callable[[int, dt.date], Awaitable["Counts | None"]]


@dataclass
class Summary:
    hostel_id: int
    as_of: dt.date
    analytic_id: int | None = None
    rows: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        parts = ", ".join(f"{name} {count}" for name, count in self.rows.items())
        return f"hostel {self.hostel_id} as of {self.as_of.isoformat()}: {parts}"


# ---- reads --------------------------------------------------------------------------------------

HOSTELS_SQL = """
SELECT h.id, h.city, h.starting_price_monthly, h.total_beds, (h.is_public AND h.active),
       (SELECT count(*) FROM hostel_amenities a WHERE a.hostel_id = h.id AND a.active)
  FROM hostels h
 WHERE h.id = $1
    OR (h.is_public AND h.active AND h.city IS NOT NULL AND h.city = (SELECT city FROM hostels WHERE id = $1))
 ORDER BY h.id
"""

ROOM_TYPES_SQL = """
SELECT t.id, t.name, t.base_price_monthly, t.beds_per_room,
       (SELECT count(*) FROM room_type_features f WHERE f.room_type_id = t.id AND f.hostel_id = t.hostel_id AND f.active)
  FROM room_type_definitions t WHERE t.hostel_id = $1 AND t.active ORDER BY t.id
"""

ROOMS_SQL = """
SELECT r.id, r.room_type_id, r.capacity, r.monthly_rent, (r.active AND r.status = 'IN_SERVICE')
  FROM rooms r WHERE r.hostel_id = $1 ORDER BY r.id
"""

ASSIGNMENTS_SQL = """
SELECT a.bed_id, a.starts_on, a.ends_on, a.monthly_rent FROM bed_assignments a
 WHERE a.hostel_id = $1 AND a.status IN ('ACTIVE', 'ENDED') AND a.starts_on < $3 AND (a.ends_on IS NULL OR a.ends_on > $2)
"""

BOOKING_COUNTS_SQL = """
SELECT (SELECT count(*) FROM bookings b WHERE b.hostel_id = $1
           AND (b.created_at AT TIME ZONE (SELECT hz.time_zone FROM hostels hz WHERE hz.id = $1))::date >= $2 AND (b.created_at AT TIME ZONE (SELECT hz.time_zone FROM hostels hz WHERE hz.id = $1))::date < $3),
       count(*) FILTER (WHERE h.to_status = 'CONFIRMED'),
       count(*) FILTER (WHERE h.to_status = 'CANCELLED'),
       count(*) FILTER (WHERE h.to_status = 'CHECKED_IN')
  FROM booking_status_history h
 WHERE h.hostel_id = $1 AND (h.created_at AT TIME ZONE (SELECT hz.time_zone FROM hostels hz WHERE hz.id = $1))::date >= $2 AND (h.created_at AT TIME ZONE (SELECT hz.time_zone FROM hostels hz WHERE hz.id = $1))::date < $3
"""

CANCELLATION_SQL = """
SELECT count(*) FILTER (WHERE h.to_status IN ('CANCELLED', 'NO_SHOW')),
       count(*) FILTER (WHERE h.to_status IN ('CANCELLED', 'NO_SHOW', 'CHECKED_IN'))
  FROM booking_status_history h
 WHERE h.hostel_id = $1 AND (h.created_at AT TIME ZONE (SELECT hz.time_zone FROM hostels hz WHERE hz.id = $1))::date >= $2 AND (h.created_at AT TIME ZONE (SELECT hz.time_zone FROM hostels hz WHERE hz.id = $1))::date < $3
"""

REVENUE_BOOKINGS_SQL = """
SELECT b.monthly_rent, b.check_in_date, b.check_out_date FROM bookings b
 WHERE b.hostel_id = $1 AND b.status IN ('CONFIRMED', 'CHECKED_IN', 'COMPLETED')
   AND b.check_in_date < $3 AND b.check_out_date > $2
"""

REFUNDS_SQL = """
SELECT (r.created_at AT TIME ZONE (SELECT hz.time_zone FROM hostels hz WHERE hz.id = $1))::date, sum(r.amount) FROM refund_transactions r
 WHERE r.hostel_id = $1 AND (r.created_at AT TIME ZONE (SELECT hz.time_zone FROM hostels hz WHERE hz.id = $1))::date >= $2 AND (r.created_at AT TIME ZONE (SELECT hz.time_zone FROM hostels hz WHERE hz.id = $1))::date < $3
 GROUP BY 1
"""

WINDOWS_SQL = """
SELECT w.room_type_id, w.price_adjustment_percent FROM availability_windows w
 WHERE w.hostel_id = $1 AND w.active AND w.starts_on <= $2 AND w.ends_on >= $2
"""

WAITLIST_SQL = """
SELECT w.room_type_id, w.from_date, w.to_date FROM booking_waitlist w
 WHERE w.hostel_id = $1 AND w.status IN ('WAITING', 'NOTIFIED') AND w.from_date < $3 AND w.to_date > $2
"""


# ---- writes -------------------------------------------------------------------------------------


async def upsert(
    run: Run,
    table: str,
    key: tuple[str, ...],
    columns: dict[str, str],
    rows: list[dict[str, Any]],
    hostel_id: int | None,
) -> int:
    """INSERT ... ON CONFLICT (key) DO UPDATE of `rows` (dicts of `columns`: name -> SQL type)
    in one statement, stamping the tenant (and `updated_at` of tenant tables) and `computed_at = now()`."""
    if not rows:
        return 0
    names = list(columns)
    tenant_col, tenant_val = ("hostel_id, ", "$2::bigint, ") if hostel_id is not None else ("", "")
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c not in key)
    sql = (
        f"INSERT INTO {table} ({tenant_col}{', '.join(names)}, computed_at) "
        f"SELECT {tenant_val}{', '.join('x.' + c for c in names)}, now() "
        f"FROM jsonb_to_recordset($1::text::jsonb) AS x({', '.join(f'{c} {t}' for c, t in columns.items())}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates + ', ' if updates else ''}"
        f"computed_at = EXCLUDED.computed_at{', updated_at = now()' if hostel_id is not None else ''}"
    )
    payload = json.dumps(rows, default=str)
    await run(sql, [payload, hostel_id] if hostel_id is not None else [payload])
    return len(rows)


async def replace(run: Run, table: str, columns: dict[str, str], row: dict[str, Any], hostel_id: int) -> int:
    """Tables without a natural key (one suggestion set per hostel): the hostel's previous
    rows give way to the new one."""
    await run(f"DELETE FROM {table} WHERE hostel_id = $1", [hostel_id])
    names = list(columns)
    await run(
        f"INSERT INTO {table} (hostel_id, {', '.join(names)}, computed_at) "
        f"SELECT $2::bigint, {', '.join('x.' + c for c in names)}, now() "
        f"FROM jsonb_to_record($1::text::jsonb) AS x({', '.join(f'{c} {t}' for c, t in columns.items())})",
        [json.dumps(row, default=str), hostel_id],
    )
    return 1


# ---- the computation ---------------------------------------------------------------------------


def _overlap(s: dt.date, e: dt.date | None, start: dt.date, end: dt.date) -> int:
    e = e or dt.date.max
    return max(0, (min(e, end) - max(s, start)).days)


async def compute(run: Run, hostel_id: int, as_of: dt.date, peers: PeerReader | None = None) -> Summary:
    """Compute every derived table of one hostel as of `as_of` (see the module docstring for
    the figures). `run` reads and writes inside the caller's transaction, scoped to the hostel;
    `peers` reads another public hostel's bed counts (HostelComparison, BenchmarkData)."""
    summary = Summary(hostel_id, as_of)
    period_start, period_end = as_of.replace(day=1), as_of + dt.timedelta(days=1)
    horizon_end = as_of + dt.timedelta(days=CALENDAR_DAYS)
    snap = await occupancy_snapshot(run, hostel_id, period_start, horizon_end)
    hostels = await run(HOSTELS_SQL, [hostel_id])
    me = next(h for h in hostels if h[0] == hostel_id)
    types = await run(ROOM_TYPES_SQL, [hostel_id])
    rooms = await run(ROOMS_SQL, [hostel_id])
    assignments = await run(ASSIGNMENTS_SQL, [hostel_id, period_start, period_end])
    created, confirmed, cancelled, check_ins = (await run(BOOKING_COUNTS_SQL, [hostel_id, period_start, period_end]))[0]
    lost, left = (await run(CANCELLATION_SQL, [hostel_id, as_of - dt.timedelta(days=CANCELLATION_WINDOW), period_end]))[
        0
    ]
    revenue_bookings = await run(REVENUE_BOOKINGS_SQL, [hostel_id, period_start, period_end])
    refunds_by_day = {r[0]: Decimal(r[1]) for r in await run(REFUNDS_SQL, [hostel_id, period_start, period_end])}
    windows = await run(WINDOWS_SQL, [hostel_id, as_of])
    waitlist = await run(WAITLIST_SQL, [hostel_id, as_of, horizon_end])

    period = days(period_start, period_end)
    type_ids = [t[0] for t in types]
    today = count_beds(snap, as_of).get(None, Counts())
    by_type_today = count_beds(snap, as_of, lambda b: b.room_type_id)
    by_day = {d: count_beds(snap, d).get(None, Counts()) for d in period}
    free_staff = {(t, d): snap.free_on(d, t, public=False) for t in type_ids for d in days(as_of, horizon_end)}

    def waitlisted(type_id: int, day: dt.date) -> int:
        return sum(1 for rt, s, e in waitlist if rt == type_id and s <= day < e)

    # OccupancyTrend: one row per day of the period; beds in each state that day.
    trend = [
        {
            "day": d,
            "total_beds": c.beds,
            "occupied_beds": c.occupied,
            "reserved_beds": c.reserved,
            "blocked_beds": c.blocked,
            "occupancy_rate": c.occupancy_rate,
        }
        for d, c in by_day.items()
    ]
    summary.rows["occupancy_trends"] = await upsert(
        run,
        "occupancy_trends",
        ("hostel_id", "day"),
        {
            "day": "date",
            "total_beds": "int",
            "occupied_beds": "int",
            "reserved_beds": "int",
            "blocked_beds": "int",
            "occupancy_rate": "numeric",
        },
        trend,
        hostel_id,
    )

    # RevenueTrend: DAILY rows (booked rent of the day, refunds created that day) and the MONTHLY row.
    daily = []
    for d in period:
        covering = [Decimal(rent) for rent, s, e in revenue_bookings if s <= d < e]
        booked = money(sum(covering, ZERO) / MONTH_DAYS)
        refunds = money(refunds_by_day.get(d, ZERO))
        daily.append(
            {
                "period": "DAILY",
                "period_start": d,
                "booked_revenue": booked,
                "refunds": refunds,
                "net_revenue": booked - refunds,
                "bookings": len(covering),
            }
        )
    revenue = money(
        sum((Decimal(rent) * _overlap(s, e, period_start, period_end) for rent, s, e in revenue_bookings), ZERO)
        / MONTH_DAYS
    )
    refunds_total = money(sum(refunds_by_day.values(), ZERO))
    monthly = {
        "period": "MONTHLY",
        "period_start": period_start,
        "booked_revenue": revenue,
        "refunds": refunds_total,
        "net_revenue": revenue - refunds_total,
        "bookings": len(revenue_bookings),
    }
    summary.rows["revenue_trends"] = await upsert(
        run,
        "revenue_trends",
        ("hostel_id", "period", "period_start"),
        {
            "period": "text",
            "period_start": "date",
            "booked_revenue": "numeric",
            "refunds": "numeric",
            "net_revenue": "numeric",
            "bookings": "int",
        },
        [*daily, monthly],
        hostel_id,
    )

    # HostelAnalytic: the period's figures; average_occupancy_rate = occupied bed-days / bed-days;
    # average_monthly_rent = mean rent of the residents' assignments covering D.
    bed_days = sum(c.beds for c in by_day.values())
    occupied_days = sum(c.occupied for c in by_day.values())
    current_rents = [Decimal(rent) for _, s, e, rent in assignments if s <= as_of < (e or dt.date.max)]
    analytic = {
        "period_start": period_start,
        "period_end": period_end,
        "total_beds": today.beds,
        "average_occupancy_rate": percent(occupied_days, bed_days),
        "bookings_created": created,
        "bookings_confirmed": confirmed,
        "bookings_cancelled": cancelled,
        "check_ins": check_ins,
        "revenue": revenue,
        "refunds": refunds_total,
        "average_monthly_rent": money(sum(current_rents, ZERO) / len(current_rents)) if current_rents else None,
    }
    summary.rows["hostel_analytics"] = await upsert(
        run,
        "hostel_analytics",
        ("hostel_id", "period_start", "period_end"),
        {
            "period_start": "date",
            "period_end": "date",
            "total_beds": "int",
            "average_occupancy_rate": "numeric",
            "bookings_created": "int",
            "bookings_confirmed": "int",
            "bookings_cancelled": "int",
            "check_ins": "int",
            "revenue": "numeric",
            "refunds": "numeric",
            "average_monthly_rent": "numeric",
        },
        [analytic],
        hostel_id,
    )
    found = await run(
        "SELECT id FROM hostel_analytics WHERE hostel_id = $1 AND period_start = $2 AND period_end = $3",
        [hostel_id, period_start, period_end],
    )
    summary.analytic_id = found[0][0] if found else None

    # BedUtilization: per bookable bed over the period: days occupied, their share, and the rent
    # of the assignments on those days (monthly_rent / 30 a day).
    rent_by_bed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for bed_id, s, e, rent in assignments:
        rent_by_bed[bed_id] += Decimal(rent) * _overlap(s, e, period_start, period_end) / MONTH_DAYS
    utilization = []
    for bed in snap.beds.values():
        occupied = sum(1 for d in period if bed_state(snap, bed, d) == OCCUPIED)
        utilization.append(
            {
                "bed_id": bed.id,
                "period_start": period_start,
                "period_end": period_end,
                "occupied_days": occupied,
                "occupancy_rate": percent(occupied, len(period)),
                "revenue": money(rent_by_bed[bed.id]),
            }
        )
    summary.rows["bed_utilization"] = await upsert(
        run,
        "bed_utilization",
        ("bed_id", "period_start", "period_end"),
        {
            "bed_id": "bigint",
            "period_start": "date",
            "period_end": "date",
            "occupied_days": "int",
            "occupancy_rate": "numeric",
            "revenue": "numeric",
        },
        utilization,
        hostel_id,
    )

    # RoomTypeAvailability (as of D): beds of the type in each state; available = free for a new booking.
    rta = []
    for t in type_ids:
        c = by_type_today.get(t, Counts())
        rta.append(
            {
                "room_type_id": t,
                "as_of": as_of,
                "total_beds": c.beds,
                "occupied_beds": c.occupied,
                "reserved_beds": c.reserved,
                "blocked_beds": c.blocked,
                "available_beds": free_staff[(t, as_of)],
            }
        )
    summary.rows["room_type_availability"] = await upsert(
        run,
        "room_type_availability",
        ("room_type_id", "as_of"),
        {
            "room_type_id": "bigint",
            "as_of": "date",
            "total_beds": "int",
            "occupied_beds": "int",
            "reserved_beds": "int",
            "blocked_beds": "int",
            "available_beds": "int",
        },
        rta,
        hostel_id,
    )

    # RoomTypeComparison: every ordered pair of active room types (listing figures).
    comparisons = []
    for a in types:
        for b in types:
            if a[0] == b[0]:
                continue
            comparisons.append(
                {
                    "room_type_id": a[0],
                    "other_room_type_id": b[0],
                    "price_difference_monthly": money(Decimal(a[2]) - Decimal(b[2])),
                    "beds_per_room_difference": a[3] - b[3],
                    "feature_count_difference": a[4] - b[4],
                    "price_per_feature": money(Decimal(a[2]) / a[4]) if a[4] else None,
                }
            )
    summary.rows["room_type_comparisons"] = await upsert(
        run,
        "room_type_comparisons",
        ("room_type_id", "other_room_type_id"),
        {
            "room_type_id": "bigint",
            "other_room_type_id": "bigint",
            "price_difference_monthly": "numeric",
            "beds_per_room_difference": "int",
            "feature_count_difference": "int",
            "price_per_feature": "numeric",
        },
        comparisons,
        hostel_id,
    )

    # DayAvailability: free beds (for a new booking) per room type and day of [D, D + 90).
    calendar = [
        {"room_type_id": t, "day": d, "total_beds": snap.total_beds(t), "free_beds": free_staff[(t, d)]}
        for t in type_ids
        for d in days(as_of, horizon_end)
    ]
    summary.rows["day_availability"] = await upsert(
        run,
        "day_availability",
        ("room_type_id", "day"),
        {"room_type_id": "bigint", "day": "date", "total_beds": "int", "free_beds": "int"},
        calendar,
        hostel_id,
    )

    # AvailabilityForecast: per room type and day of [D, D + 30): committed beds (occupied,
    # reserved, committed bookings without a bed), expected free = free + cancellation rate x
    # booking commitments (reserved + without a bed), waitlist demand covering the day.
    rate = Decimal(lost) / Decimal(left) if left else Decimal(0)
    forecasts = []
    for t in type_ids:
        for d in days(as_of, as_of + dt.timedelta(days=FORECAST_DAYS)):
            c = count_beds_of_type(snap, d, t)
            waiting = unassigned_on(snap, d, t)
            forecasts.append(
                {
                    "room_type_id": t,
                    "forecast_for": d,
                    "total_beds": c.beds,
                    "committed_beds": c.occupied + c.reserved + waiting,
                    "expected_free_beds": money(free_staff[(t, d)] + rate * (c.reserved + waiting)),
                    "waitlist_demand": waitlisted(t, d),
                    "method": f"commitments + cancellation rate {percent(lost, left or 0)}% "
                    f"({CANCELLATION_WINDOW} days)",
                }
            )
    summary.rows["availability_forecasts"] = await upsert(
        run,
        "availability_forecasts",
        ("room_type_id", "forecast_for"),
        {
            "room_type_id": "bigint",
            "forecast_for": "date",
            "total_beds": "int",
            "committed_beds": "int",
            "expected_free_beds": "numeric",
            "waitlist_demand": "int",
            "method": "text",
        },
        forecasts,
        hostel_id,
    )

    # RoomAvailabilityAlert, days of [D, D + 14): SOLD_OUT (no bed free), LOW_AVAILABILITY (free
    # but at most max(1, 10% of the type's beds)), HIGH_DEMAND (more waiting than free beds).
    # Alerts of the window whose condition no longer holds are removed.
    alerts = []
    for t in type_ids:
        total = snap.total_beds(t)
        if total == 0:
            continue
        for d in days(as_of, as_of + dt.timedelta(days=ALERT_DAYS)):
            free, waiting = free_staff[(t, d)], waitlisted(t, d)
            found: list[tuple[str, str]] = []
            if free == 0:
                found.append(("SOLD_OUT", f"No bed of this room type is free on {d.isoformat()}."))
            elif free <= max(1, total // 10):
                found.append(("LOW_AVAILABILITY", f"Only {free} of {total} beds free on {d.isoformat()}."))
            if waiting > free:
                found.append(("HIGH_DEMAND", f"{waiting} waiting for {free} free beds on {d.isoformat()}."))
            alerts += [
                {
                    "room_type_id": t,
                    "alert_type": kind,
                    "for_date": d,
                    "free_beds": free,
                    "waitlisted": waiting,
                    "message": message,
                }
                for kind, message in found
            ]
    await run(
        "DELETE FROM room_availability_alerts a WHERE a.hostel_id = $1 AND a.for_date >= $2 AND a.for_date < $3 "
        "AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($4::text::jsonb) AS x(room_type_id bigint, alert_type text, "
        "for_date date) WHERE x.room_type_id = a.room_type_id AND x.alert_type = a.alert_type "
        "AND x.for_date = a.for_date)",
        [hostel_id, as_of, as_of + dt.timedelta(days=ALERT_DAYS), json.dumps(alerts, default=str)],
    )
    summary.rows["room_availability_alerts"] = await upsert(
        run,
        "room_availability_alerts",
        ("room_type_id", "for_date", "alert_type"),
        {
            "room_type_id": "bigint",
            "alert_type": "text",
            "for_date": "date",
            "free_beds": "int",
            "waitlisted": "int",
            "message": "text",
        },
        alerts,
        hostel_id,
    )

    # RoomAvailability (as of D), every room: occupied / reserved / free beds (free capped by the
    # room's occupancy limit), its state, and the rent a new resident would pay (room rent
    # adjusted by the availability windows covering D for its room type or the whole hostel).
    room_rows = []
    for room_id, type_id, capacity, rent, in_service in rooms:
        beds = [b for b in snap.beds.values() if b.room_id == room_id]
        states = [bed_state(snap, b, as_of) for b in beds]
        occupied, reserved = states.count(OCCUPIED), states.count(RESERVED)
        free = states.count(FREE)
        if beds and beds[0].max_occupants < beds[0].capacity:
            free = min(free, max(0, beds[0].max_occupants - occupied - reserved))
        if not in_service or not beds or states.count(BLOCKED) == len(beds):
            state = "BLOCKED"
        elif free == 0:
            state = "FULL"
        elif free == len(beds):
            state = "AVAILABLE"
        else:
            state = "PARTLY_AVAILABLE"
        adjust = sum((Decimal(p) for rt, p in windows if rt is None or rt == type_id), Decimal(0))
        room_rows.append(
            {
                "room_id": room_id,
                "as_of": as_of,
                "state": state,
                "capacity": capacity,
                "occupied_beds": occupied,
                "reserved_beds": reserved,
                "free_beds": free,
                "effective_monthly_rent": money(Decimal(rent) * (100 + adjust) / 100),
            }
        )
    summary.rows["room_availability"] = await upsert(
        run,
        "room_availability",
        ("room_id", "as_of"),
        {
            "room_id": "bigint",
            "as_of": "date",
            "state": "text",
            "capacity": "int",
            "occupied_beds": "int",
            "reserved_beds": "int",
            "free_beds": "int",
            "effective_monthly_rent": "numeric",
        },
        room_rows,
        hostel_id,
    )

    # AssignmentOptimization (replaced on each computation): rooms that could be emptied by moving
    # their residents into free beds of partly occupied rooms of the same type and gender rule.
    summary.rows["assignment_optimizations"] = await replace(
        run,
        "assignment_optimizations",
        {
            "beds_considered": "int",
            "partly_occupied_rooms": "int",
            "rooms_freeable": "int",
            "suggested_moves": "jsonb",
            "occupancy_rate": "numeric",
        },
        consolidation(snap, as_of, today),
        hostel_id,
    )

    # AvailabilityOptimization (replaced): committed rate over [D, D + 30) = (occupied + reserved +
    # committed bookings without a bed) bed-days / bed-days; per room type a price suggestion:
    # +5% when it is at least 90% committed or more are waiting than beds free on D, -5% when at
    # most 50% committed and nobody waits, else 0.
    horizon = days(as_of, as_of + dt.timedelta(days=FORECAST_DAYS))
    committed_all, beds_all, recommendations = 0, 0, []
    names = {t[0]: t[1] for t in types}
    for t in type_ids:
        committed = 0
        for d in horizon:
            c = count_beds_of_type(snap, d, t)
            committed += min(c.beds, c.occupied + c.reserved + unassigned_on(snap, d, t))
        type_bed_days = snap.total_beds(t) * len(horizon)
        committed_all += committed
        beds_all += type_bed_days
        rate_t = percent(committed, type_bed_days)
        demand = waitlisted(t, as_of)
        adjust = (
            5
            if (type_bed_days and rate_t >= 90) or demand > free_staff[(t, as_of)]
            else (-5 if type_bed_days and rate_t <= 50 and demand == 0 else 0)
        )
        recommendations.append(
            {
                "roomTypeId": encode_gid("RoomTypeDefinition", t),
                "roomType": names[t],
                "committedRate": str(rate_t),
                "waitlistDemand": demand,
                "suggestedPriceAdjustmentPercent": adjust,
            }
        )
    summary.rows["availability_optimizations"] = await replace(
        run,
        "availability_optimizations",
        {"horizon_start": "date", "horizon_end": "date", "occupancy_rate": "numeric", "recommendations": "jsonb"},
        {
            "horizon_start": as_of,
            "horizon_end": as_of + dt.timedelta(days=FORECAST_DAYS),
            "occupancy_rate": percent(committed_all, beds_all),
            "recommendations": recommendations,
        },
        hostel_id,
    )

    # Against the other public, active hostels of the same city.
    await _compare(run, summary, hostel_id, as_of, me, [h for h in hostels if h[0] != hostel_id], today, peers)
    return summary


def count_beds_of_type(snap: Snapshot, day: dt.date, type_id: int) -> Counts:
    counts = Counts()
    for bed in snap.beds.values():
        if bed.room_type_id == type_id:
            counts.add(bed_state(snap, bed, day))
    return counts


def consolidation(snap: Snapshot, day: dt.date, today: Counts) -> dict[str, Any]:
    rooms: dict[int, dict[str, Any]] = {}
    for bed in snap.beds.values():
        room = rooms.setdefault(bed.room_id, {"info": bed, "occupied": [], "free": []})
        state = bed_state(snap, bed, day)
        if state == OCCUPIED:
            room["occupied"].append(bed)
        elif state == FREE:
            room["free"].append(bed)
    for room in rooms.values():  # free beds usable under the room's occupancy limit
        info = room["info"]
        limit = max(0, info.max_occupants - len(room["occupied"])) if info.max_occupants < info.capacity else None
        if limit is not None:
            room["free"] = room["free"][:limit]
    partly = [r for r in rooms.values() if r["occupied"] and r["free"]]
    moves: list[dict[str, Any]] = []
    emptied: set[int] = set()
    for source in sorted(partly, key=lambda r: (len(r["occupied"]), r["info"].room_number)):
        kind = (source["info"].room_type_id, source["info"].gender_rule)
        targets = sorted(
            (
                r
                for r in partly
                if r is not source
                and r["info"].room_id not in emptied
                and (r["info"].room_type_id, r["info"].gender_rule) == kind
                and r["free"]
            ),
            key=lambda r: (-len(r["occupied"]), r["info"].room_number),
        )
        if sum(len(r["free"]) for r in targets) < len(source["occupied"]):
            continue
        planned = []
        for bed in source["occupied"]:
            target = next(r for r in targets if r["free"])
            to_bed = target["free"].pop(0)
            target["occupied"].append(to_bed)
            planned.append(
                {
                    "fromBedId": encode_gid("Bed", bed.id),
                    "fromRoom": bed.room_number,
                    "toBedId": encode_gid("Bed", to_bed.id),
                    "toRoom": to_bed.room_number,
                }
            )
        source["free"] += source["occupied"]
        source["occupied"] = []
        emptied.add(source["info"].room_id)
        moves += planned
    return {
        "beds_considered": len(snap.beds),
        "partly_occupied_rooms": len(partly),
        "rooms_freeable": len(emptied),
        "suggested_moves": moves,
        "occupancy_rate": today.occupancy_rate,
    }


async def _compare(
    run: Run,
    summary: Summary,
    hostel_id: int,
    as_of: dt.date,
    me: Any,
    peers: list[Any],
    today: Counts,
    read_peer: PeerReader | None,
) -> None:
    """HostelComparison, CompetitorAnalysis and the city's BenchmarkData.

    - HostelComparison: peer_count; this hostel's occupancy rate on D and the peers' average
      (mean of their rates); price_rank (1 = cheapest starting price among this hostel and its
      peers), occupancy_rank (1 = fullest); metrics and simple recommendations.
    - CompetitorAnalysis, one per peer: published starting prices (difference = ours - theirs),
      published total beds, active amenity counts.
    - BenchmarkData of the city: public, active hostels of the city: their number, bookable beds,
      pooled occupancy (occupied / beds) and mean starting price."""
    _, city, price, listed_beds, public, amenities = me
    rates: dict[int, Decimal] = {hostel_id: today.occupancy_rate}
    counts: dict[int, Counts] = {hostel_id: today}
    for peer in peers:
        found = await read_peer(peer[0], as_of) if read_peer is not None else None
        if found is not None:
            counts[peer[0]] = found
            rates[peer[0]] = found.occupancy_rate
    peer_rates = [rates[p[0]] for p in peers if p[0] in rates]
    prices = {h[0]: h[2] for h in [me, *peers] if h[2] is not None}

    def rank(values: dict[int, Any], reverse: bool) -> int | None:
        if hostel_id not in values:
            return None
        mine = values[hostel_id]
        return 1 + sum(1 for v in values.values() if (v > mine if reverse else v < mine))

    peer_avg = money(sum(peer_rates, ZERO) / len(peer_rates)) if peer_rates else None
    peer_price = (
        money(
            sum((Decimal(p[2]) for p in peers if p[2] is not None), ZERO) / len([p for p in peers if p[2] is not None])
        )
        if any(p[2] is not None for p in peers)
        else None
    )
    advice = []
    if (
        peer_avg is not None
        and today.occupancy_rate + 10 < peer_avg
        and peer_price is not None
        and price is not None
        and Decimal(price) > peer_price
    ):
        advice.append(
            "Occupancy is more than 10 points below the peers while the starting price is above theirs: "
            "consider a lower price or an offer."
        )
    if peer_avg is not None and today.occupancy_rate > peer_avg + 10:
        advice.append("Occupancy is more than 10 points above the peers: there may be room for a higher price.")
    comparison = {
        "as_of": as_of,
        "peer_count": len(peers),
        "occupancy_rate": today.occupancy_rate,
        "peer_average_occupancy_rate": peer_avg,
        "price_rank": rank(prices, False),
        "occupancy_rank": rank(rates, True),
        "metrics": {
            "startingPrice": None if price is None else str(price),
            "peerAverageStartingPrice": None if peer_price is None else str(peer_price),
            "bookableBeds": today.beds,
            "peersWithFigures": len(peer_rates),
        },
        "recommendations": {"items": advice},
    }
    summary.rows["hostel_comparisons"] = await upsert(
        run,
        "hostel_comparisons",
        ("hostel_id", "as_of"),
        {
            "as_of": "date",
            "peer_count": "int",
            "occupancy_rate": "numeric",
            "peer_average_occupancy_rate": "numeric",
            "price_rank": "int",
            "occupancy_rank": "int",
            "metrics": "jsonb",
            "recommendations": "jsonb",
        },
        [comparison],
        hostel_id,
    )

    competitors = [
        {
            "competitor_id": p[0],
            "as_of": as_of,
            "our_starting_price": price,
            "their_starting_price": p[2],
            "price_difference": money(Decimal(price) - Decimal(p[2]))
            if price is not None and p[2] is not None
            else None,
            "our_total_beds": listed_beds,
            "their_total_beds": p[3],
            "our_amenity_count": amenities,
            "their_amenity_count": p[5],
        }
        for p in peers
    ]
    summary.rows["competitor_analyses"] = await upsert(
        run,
        "competitor_analyses",
        ("hostel_id", "competitor_id", "as_of"),
        {
            "competitor_id": "bigint",
            "as_of": "date",
            "our_starting_price": "numeric",
            "their_starting_price": "numeric",
            "price_difference": "numeric",
            "our_total_beds": "int",
            "their_total_beds": "int",
            "our_amenity_count": "int",
            "their_amenity_count": "int",
        },
        competitors,
        hostel_id,
    )

    if city:
        members = [h for h in ([me] if public else []) + peers if h[0] in counts]
        beds = sum(counts[h[0]].beds for h in members)
        occupied = sum(counts[h[0]].occupied for h in members)
        priced = [Decimal(h[2]) for h in members if h[2] is not None]
        bench = {
            "city": city,
            "as_of": as_of,
            "hostel_count": len(members),
            "total_beds": beds,
            "average_occupancy_rate": percent(occupied, beds),
            "average_starting_price": money(sum(priced, ZERO) / len(priced)) if priced else None,
        }
        summary.rows["benchmark_data"] = await upsert(
            run,
            "benchmark_data",
            ("city", "as_of"),
            {
                "city": "text",
                "as_of": "date",
                "hostel_count": "int",
                "total_beds": "int",
                "average_occupancy_rate": "numeric",
                "average_starting_price": "numeric",
            },
            [bench] if members else [],
            None,
        )


def peer_reader(engine: Any) -> PeerReader:
    """Bed counts of another public, active hostel on a day, read in its own scoped READ ONLY
    transaction (kit/db.py `hostel_read`): only counts leave it."""
    from kit.db import HostelNotReadable, hostel_read

    async def read(peer_id: int, day: dt.date) -> Counts | None:
        try:
            async with hostel_read(engine, peer_id, public_only=True) as run:
                snap = await snapshot(run, peer_id, day, day + dt.timedelta(days=1))
        except HostelNotReadable:
            return None
        return count_beds(snap, day).get(None, Counts())

    return read


# ---- the console command -------------------------------------------------------------------------


async def compute_all(
    url: str, as_of: dt.date | None = None, slug: str | None = None, skipped: list[str] | None = None
) -> list[Summary]:
    """`campus compute-analytics`: every active hostel (or the one with `slug`), one transaction
    per hostel scoped with `app.hostel_id` (row-level security lets it see exactly that
    hostel), connecting with the owner's `url`. Unknown slug: ValueError. Without `as_of`, each
    hostel's own today (its time zone); a hostel where `as_of` has not begun yet is left out
    (its slug appended to `skipped`)."""
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(
        url if "+asyncpg" in url else url.replace("postgresql://", "postgresql+asyncpg://", 1), poolclass=NullPool
    )
    out = []
    try:
        async with engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            if slug is None:
                hostels = await raw.fetch("SELECT id, time_zone, slug FROM hostels WHERE active ORDER BY id")
            else:
                hostels = await raw.fetch("SELECT id, time_zone, slug FROM hostels WHERE slug = $1", slug)
                if not hostels:
                    raise ValueError(f"no hostel with slug {slug!r}")
            for hostel_id, zone, hostel_slug in hostels:
                local_today = clock.today_in(zone)
                day = as_of or local_today
                if day > local_today:  # not yet that date at the hostel
                    if skipped is not None:
                        skipped.append(hostel_slug)
                    continue
                async with raw.transaction():  # one per hostel: a failure leaves the others done
                    await raw.execute(f"SELECT set_config('app.hostel_id', '{int(hostel_id)}', true)")

                    async def run(sql: str, params: list[Any]) -> list[Any]:
                        return await raw.fetch(sql, *params)

                    out.append(await compute(run, hostel_id, day, peer_reader(engine)))
    finally:
        await engine.dispose()
    return out


__all__ = ["Summary", "compute", "compute_all", "peer_reader", "upsert"]
