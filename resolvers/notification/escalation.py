"""Escalation: a notification of a type with an active `EscalationPath`, still unread
`after_minutes` after it was sent, is told to the path's staff member (through `notify`, type
`notification.escalated`) and recorded as a `NotificationEscalation`, once per notification and
path (a unique key: two workers at once escalate it once). The `escalate_unread` job runs every
5 minutes over the active hostels."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import text

from models.notification import NotificationPriority
from resolvers.jobs.tasks import RETRY, SCHEDULE_QUEUE, _engine, app, scoped
from resolvers.notification.pipeline import notify, register_defaults

log = logging.getLogger(__name__)

ESCALATED = "notification.escalated"
register_defaults(
    ESCALATED,
    {
        "IN_APP": ("Unread: {{ title }}", '{{ recipient }} has not read "{{ title }}" for {{ minutes }} minutes.'),
        "EMAIL": ("Unread: {{ title }}", '{{ recipient }} has not read "{{ title }}" for {{ minutes }} minutes.'),
        "SMS": (None, "Unread for {{ minutes }} min: {{ title }} ({{ recipient }})"),
        "PUSH": ("Unread: {{ title }}", "{{ recipient }}, {{ minutes }} minutes"),
    },
)

DUE = text(
    "SELECT n.id, n.title, p.id AS path_id, p.escalate_to_user_id, p.after_minutes, "
    "       coalesce(u.full_name, u.email) AS recipient "
    "FROM notifications n "
    "JOIN notification_escalation_paths p ON p.hostel_id = n.hostel_id AND p.notification_type = n.notification_type "
    "  AND p.active "
    "JOIN users u ON u.id = n.user_id "
    "WHERE n.hostel_id = :h AND n.read_at IS NULL AND n.created_at <= CAST(:now AS timestamptz) - make_interval(mins => CAST(p.after_minutes AS integer)) "
    "  AND NOT EXISTS (SELECT 1 FROM notification_escalations e WHERE e.hostel_id = n.hostel_id "
    "                  AND e.notification_id = n.id AND e.path_id = p.id) "
    "ORDER BY n.id"
)


async def escalate(hostel_id: int, now: dt.datetime | None = None) -> int:
    """Escalate what is due in one hostel at `now`; how many escalations were made."""
    now = now or dt.datetime.now(dt.UTC)
    made = 0
    async with scoped(hostel_id=hostel_id) as conn:
        for row in (await conn.execute(DUE, {"h": hostel_id, "now": now})).all():
            created = (
                await conn.execute(
                    text(
                        "INSERT INTO notification_escalations (hostel_id, notification_id, path_id, status, escalated_at) "
                        "VALUES (:h, :n, :p, 'ESCALATED', :now) ON CONFLICT DO NOTHING RETURNING id"
                    ),
                    {"h": hostel_id, "n": row.id, "p": row.path_id, "now": now},
                )
            ).first()
            if created is None:  # another worker escalated it meanwhile
                continue
            await notify(
                conn,
                hostel_id=hostel_id,
                user_ids=[row.escalate_to_user_id],
                type=ESCALATED,
                data={
                    "title": row.title,
                    "recipient": row.recipient,
                    "minutes": row.after_minutes,
                    "notification": row.id,
                },
                source="escalation",
                priority=NotificationPriority.HIGH,
            )
            made += 1
    return made


@app.periodic(cron="*/5 * * * *")
@app.task(name="escalate_unread", queue=SCHEDULE_QUEUE, queueing_lock="escalate_unread", retry=RETRY)
async def escalate_unread(timestamp: int) -> None:
    async with _engine().begin() as conn:
        await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
        hostels = list((await conn.execute(text("SELECT id FROM hostels WHERE active ORDER BY id"))).scalars())
    made = sum([await escalate(h) for h in hostels])
    if made:
        log.info("notifications escalated", extra={"escalations": made})
