"""Document expiry: `document_expiries(hostel_id, day)` for a hostel's local day tells the owner
(the resident, or the booking's booker) and the hostel's staff, through `notify`, when a document
is due to expire within one of its alert days (the nearest alert day only: a job that missed a
day does not send every earlier alert at once), and marks a document past its expiry date
EXPIRED (with its status-history row) and tells them that too.

Idempotent: each alert is a `DocumentExpiryAlert` row, unique per document expiry and alert day
(0: the expiry itself), inserted before anyone is told; a second run, or two workers at once,
send nothing twice. Hourly over the active hostels, each at its own local date.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import text

from kit import clock
from resolvers.jobs.tasks import RETRY, SCHEDULE_QUEUE, _engine, app, scoped
from resolvers.notification.pipeline import notify, register_defaults

log = logging.getLogger(__name__)

EXPIRING = "document.expiring"
EXPIRED = "document.expired"
register_defaults(
    EXPIRING,
    {
        "IN_APP": (
            "{{ document }} expires in {{ days }} days",
            "{{ document }} of {{ owner }} expires on {{ expires_on }}: hand in a new one before then.",
        ),
        "EMAIL": (
            "{{ document }} expires in {{ days }} days",
            "{{ document }} of {{ owner }} expires on {{ expires_on }}: hand in a new one before then.",
        ),
        "SMS": (None, "{{ document }} of {{ owner }} expires on {{ expires_on }}."),
        "PUSH": ("{{ document }} expires soon", "{{ owner }}: on {{ expires_on }}"),
    },
)
register_defaults(
    EXPIRED,
    {
        "IN_APP": ("{{ document }} has expired", "{{ document }} of {{ owner }} expired on {{ expires_on }}."),
        "EMAIL": ("{{ document }} has expired", "{{ document }} of {{ owner }} expired on {{ expires_on }}."),
        "SMS": (None, "{{ document }} of {{ owner }} expired on {{ expires_on }}."),
        "PUSH": ("{{ document }} has expired", "{{ owner }}: on {{ expires_on }}"),
    },
)

DUE = text(
    "SELECT e.id, e.expires_on, e.alert_days, d.id AS document_id, d.status, t.name AS document, "
    "       coalesce(s.user_id, b.booker_user_id) AS owner_id, "
    "       coalesce(d.guest_name, su.full_name, su.email, 'a guest') AS owner "
    "FROM document_expiries e "
    "JOIN document_uploads d ON d.hostel_id = e.hostel_id AND d.id = e.document_id "
    "JOIN document_types t ON t.hostel_id = d.hostel_id AND t.id = d.document_type_id "
    "LEFT JOIN hostel_students s ON s.hostel_id = d.hostel_id AND s.id = d.student_id "
    "LEFT JOIN users su ON su.id = s.user_id "
    "LEFT JOIN bookings b ON b.hostel_id = d.hostel_id AND b.id = d.booking_id "
    "WHERE e.hostel_id = :h AND e.status = 'ACTIVE' AND d.status IN ('PENDING', 'ACCEPTED', 'VERIFIED') "
    "  AND e.expires_on <= CAST(:day AS date) + coalesce((SELECT max(x) FROM unnest(e.alert_days) x), 0) "
    "ORDER BY e.id"
)
STAFF = text(
    "SELECT user_id FROM role_assignments WHERE hostel_id = :h AND active "
    "  AND CAST(role AS text) IN ('HOSTEL_ADMIN', 'SUPERVISOR') "
    "UNION SELECT a.user_id FROM admin_users a JOIN admin_hostel_assignments x ON x.admin_user_id = a.id "
    "WHERE x.hostel_id = :h"
)


def alert_due(expires_on: dt.date, alert_days: list[int], day: dt.date) -> int | None:
    """The alert day due on `day` (0: expired), or None: the nearest alert day not yet passed."""
    left = (expires_on - day).days
    if left <= 0:
        return 0
    ahead = [d for d in alert_days if d >= left]
    return min(ahead) if ahead else None


async def run(hostel_id: int, day: dt.date) -> dict[str, int]:
    """The alerts and expiries of one hostel on its local `day`; how many of each were made."""
    made = {"alerts": 0, "expired": 0}
    async with scoped(hostel_id=hostel_id) as conn:
        staff = list((await conn.execute(STAFF, {"h": hostel_id})).scalars())
        for row in (await conn.execute(DUE, {"h": hostel_id, "day": day})).all():
            due = alert_due(row.expires_on, list(row.alert_days or []), day)
            if due is None:
                continue
            recipients = sorted({u for u in [row.owner_id, *staff] if u is not None})
            created = (
                await conn.execute(
                    text(
                        "INSERT INTO document_expiry_alerts (hostel_id, expiry_id, days_before, recipients) "
                        "VALUES (:h, :e, :d, :n) ON CONFLICT DO NOTHING RETURNING id"
                    ),
                    {"h": hostel_id, "e": row.id, "d": due, "n": len(recipients)},
                )
            ).first()
            if created is None:  # told already (this run's alert day, or another worker)
                continue
            await conn.execute(
                text("UPDATE document_expiries SET last_alert_days = :d, updated_at = now() WHERE id = :e"),
                {"d": due, "e": row.id},
            )
            if due == 0:
                await _expire(conn, hostel_id, row)
                made["expired"] += 1
            else:
                made["alerts"] += 1
            if recipients:
                await notify(
                    conn,
                    hostel_id=hostel_id,
                    user_ids=recipients,
                    type=EXPIRED if due == 0 else EXPIRING,
                    data={
                        "document": row.document,
                        "owner": row.owner,
                        "expires_on": row.expires_on.isoformat(),
                        "days": (row.expires_on - day).days,
                        "document_id": row.document_id,
                    },
                    source="file_management",
                )
    return made


async def _expire(conn: Any, hostel_id: int, row: Any) -> None:
    await conn.execute(
        text("UPDATE document_expiries SET status = 'EXPIRED', expired_at = now(), updated_at = now() WHERE id = :e"),
        {"e": row.id},
    )
    await conn.execute(
        text("UPDATE document_uploads SET status = 'EXPIRED', updated_at = now() WHERE id = :d"),
        {"d": row.document_id},
    )
    await conn.execute(
        text(
            "INSERT INTO document_verifications (hostel_id, document_id, from_status, to_status, reason) "
            "VALUES (:h, :d, :f, 'EXPIRED', :r)"
        ),
        {"h": hostel_id, "d": row.document_id, "f": row.status, "r": f"Expired on {row.expires_on.isoformat()}."},
    )


@app.periodic(cron="29 * * * *")
@app.task(name="document_expiries", queue=SCHEDULE_QUEUE, queueing_lock="document_expiries", retry=RETRY)
async def document_expiries(timestamp: int) -> None:
    now = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    async with _engine().begin() as conn:
        await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
        hostels = (await conn.execute(text("SELECT id, time_zone FROM hostels WHERE active ORDER BY id"))).all()
    totals = [await run(h, clock.today_in(zone, now)) for h, zone in hostels]
    log.info(
        "document expiries",
        extra={"alerts": sum(t["alerts"] for t in totals), "expired": sum(t["expired"] for t in totals)},
    )
