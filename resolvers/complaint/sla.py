"""SLA clocks and the escalation job.

A complaint's clocks are fixed when it is filed, from its priority: the hostel's active
`AutoEscalationRule` of that priority, else `DEFAULT_HOURS`. The `escalate_overdue_complaints`
job (every 5 minutes, every active hostel) then, in one transaction per hostel:

- marks `slaBreachedAt` on an unresolved complaint past a clock (once: only while null);
- for a priority with an active rule, escalates it once per clock (RESPONSE_OVERDUE when nobody
  took it in time, RESOLUTION_OVERDUE when it is not resolved in time): a ComplaintEscalation
  (a partial unique index makes a second run, or a second worker, insert nothing), the level
  raised, a timeline row, and the rule's target (else the hostel's admins) told through `notify`;
- closes a RESOLVED complaint whose confirmation window passed (AUTO_CLOSED on the timeline).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import text

from models.complaint.complaint import ComplaintPriority
from models.notification import NotificationPriority
from resolvers.jobs.tasks import RETRY, SCHEDULE_QUEUE, _engine, app, scoped
from resolvers.notification.pipeline import notify, register_defaults

log = logging.getLogger(__name__)

# (respond within, resolve within) hours of a priority without a rule of the hostel's
DEFAULT_HOURS: dict[ComplaintPriority, tuple[int, int]] = {
    ComplaintPriority.URGENT: (1, 8),
    ComplaintPriority.HIGH: (4, 24),
    ComplaintPriority.MEDIUM: (12, 72),
    ComplaintPriority.LOW: (24, 168),
}
CONFIRM_WINDOW = dt.timedelta(hours=72)  # a resolved complaint: the resident confirms or reopens within it
UNRESOLVED = ("OPEN", "ASSIGNED", "REOPENED")

ESCALATED = "complaint.escalated"
register_defaults(
    ESCALATED,
    {
        "IN_APP": (
            "Complaint {{ reference }} escalated",
            "{{ reference }} ({{ priority }}): {{ title }}. Level {{ level }}: {{ reason }}",
        ),
        "EMAIL": (
            "Complaint {{ reference }} escalated to level {{ level }}",
            "{{ reference }} ({{ priority }}): {{ title }}\n\n{{ reason }}\n\nOpen it in the dashboard.",
        ),
        "SMS": (None, "Complaint {{ reference }} escalated (level {{ level }}): {{ reason }}"),
        "PUSH": ("Complaint {{ reference }} escalated", "{{ reason }}"),
    },
)


async def clocks(db: Any, priority: ComplaintPriority, filed_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(response due, resolution due) of a complaint of `priority` filed at `filed_at` in the
    session's hostel (`db`: the request's session; the tenant scope picks the hostel's rule)."""
    row = (
        await db.execute(
            text(
                "SELECT response_hours, resolution_hours FROM auto_escalation_rules "
                "WHERE active AND priority = :p AND hostel_id = current_setting('app.hostel_id')::bigint"
            ),
            {"p": priority.value},
        )
    ).first()
    response, resolution = (row[0], row[1]) if row is not None else DEFAULT_HOURS[priority]
    return filed_at + dt.timedelta(hours=response), filed_at + dt.timedelta(hours=resolution)


async def hostel_admins(db: Any, hostel_id: int) -> list[int]:
    """The hostel's admins: who is told when no one else is named."""
    rows = await db.execute(
        text(
            "SELECT DISTINCT user_id FROM role_assignments WHERE hostel_id = :h AND role = 'HOSTEL_ADMIN' "
            "AND active ORDER BY user_id"
        ),
        {"h": hostel_id},
    )
    return [r[0] for r in rows]


async def tell_escalation(
    db: Any, hostel_id: int, target: int | None, complaint: dict[str, Any], level: int, reason: str
) -> None:
    """Tell the escalation's target (else the hostel's admins) through the notification pipeline."""
    users = [target] if target is not None else await hostel_admins(db, hostel_id)
    if not users:
        return
    await notify(
        db,
        hostel_id=hostel_id,
        user_ids=users,
        type=ESCALATED,
        data={**complaint, "level": level, "reason": reason},
        source="complaint",
        priority=NotificationPriority.HIGH,
    )


OVERDUE = text(
    "SELECT c.id, c.reference, c.title, c.priority, c.escalation_level, r.id AS rule_id, "
    "       r.escalate_to_user_id, "
    "       (c.first_response_at IS NULL AND c.response_due_at <= :now) AS response_overdue, "
    "       (c.resolution_due_at <= :now) AS resolution_overdue "
    "FROM complaints c "
    "JOIN auto_escalation_rules r ON r.hostel_id = c.hostel_id AND r.priority = c.priority AND r.active "
    "WHERE c.hostel_id = :h AND c.status IN ('OPEN', 'ASSIGNED', 'REOPENED') "
    "  AND ((c.first_response_at IS NULL AND c.response_due_at <= :now) OR c.resolution_due_at <= :now) "
    "ORDER BY c.id FOR UPDATE OF c"
)
TRIGGERS = (
    ("response_overdue", "RESPONSE_OVERDUE", "Nobody took it before its response time ran out."),
    ("resolution_overdue", "RESOLUTION_OVERDUE", "It was not resolved before its resolution time ran out."),
)


async def run_hostel(conn: Any, hostel_id: int, now: dt.datetime) -> dict[str, int]:
    """The SLA work of one hostel at `now`, on a connection scoped to it; what it did."""
    done = {"breached": 0, "escalated": 0, "closed": 0}
    breached = await conn.execute(
        text(
            "UPDATE complaints SET sla_breached_at = :now WHERE hostel_id = :h AND sla_breached_at IS NULL "
            "AND status IN ('OPEN', 'ASSIGNED', 'REOPENED') "
            "AND ((first_response_at IS NULL AND response_due_at <= :now) OR resolution_due_at <= :now)"
        ),
        {"h": hostel_id, "now": now},
    )
    done["breached"] = int(breached.rowcount or 0)
    for row in (await conn.execute(OVERDUE, {"h": hostel_id, "now": now})).all():
        level = row.escalation_level
        for flag, trigger, reason in TRIGGERS:
            if not getattr(row, flag):
                continue
            made = (
                await conn.execute(
                    text(
                        "INSERT INTO complaint_escalations (hostel_id, complaint_id, rule_id, trigger, level, "
                        "escalated_to_user_id, reason, escalated_at) "
                        "VALUES (:h, :c, :r, :t, :level, :to, :reason, :now) ON CONFLICT DO NOTHING RETURNING id"
                    ),
                    {
                        "h": hostel_id,
                        "c": row.id,
                        "r": row.rule_id,
                        "t": trigger,
                        "level": level + 1,
                        "to": row.escalate_to_user_id,
                        "reason": reason,
                        "now": now,
                    },
                )
            ).first()
            if made is None:  # escalated for this clock already (an earlier run, or another worker)
                continue
            level += 1
            await conn.execute(
                text(
                    "INSERT INTO complaint_status_history (hostel_id, complaint_id, event, from_status, to_status, "
                    "note, created_at) SELECT hostel_id, id, 'ESCALATED', status, status, :note, :now "
                    "FROM complaints WHERE id = :c"
                ),
                {"c": row.id, "note": f"Escalated to level {level}: {reason}", "now": now},
            )
            details = {"reference": row.reference, "title": row.title, "priority": row.priority}
            await tell_escalation(conn, hostel_id, row.escalate_to_user_id, details, level, reason)
            done["escalated"] += 1
        if level != row.escalation_level:
            await conn.execute(
                text("UPDATE complaints SET escalation_level = :level WHERE id = :c"), {"level": level, "c": row.id}
            )
    closed = await conn.execute(
        text(
            "WITH closed AS (UPDATE complaints SET status = 'CLOSED', closed_at = :now, confirm_by = NULL "
            "  WHERE hostel_id = :h AND status = 'RESOLVED' AND confirm_by <= :now RETURNING hostel_id, id) "
            "INSERT INTO complaint_status_history (hostel_id, complaint_id, event, from_status, to_status, note, "
            "created_at) SELECT hostel_id, id, 'AUTO_CLOSED', 'RESOLVED', 'CLOSED', "
            "'Closed: the confirmation window passed without a reopening.', :now FROM closed"
        ),
        {"h": hostel_id, "now": now},
    )
    done["closed"] = int(closed.rowcount or 0)
    return done


async def escalate_overdue(hostel_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Run the SLA work of one hostel at `now` (default: now) in one transaction."""
    async with scoped(hostel_id=hostel_id) as conn:
        return await run_hostel(conn, hostel_id, now or dt.datetime.now(dt.UTC))


@app.periodic(cron="*/5 * * * *")
@app.task(
    name="escalate_overdue_complaints",
    queue=SCHEDULE_QUEUE,
    queueing_lock="escalate_overdue_complaints",
    retry=RETRY,
)
async def escalate_overdue_complaints(timestamp: int) -> None:
    async with _engine().begin() as conn:
        await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
        hostels = list((await conn.execute(text("SELECT id FROM hostels WHERE active ORDER BY id"))).scalars())
    now = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    done = [await escalate_overdue(h, now) for h in hostels]
    escalated = sum(d["escalated"] for d in done)
    if escalated:
        log.info("complaints escalated", extra={"escalations": escalated})
