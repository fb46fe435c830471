"""Demo notifications of a hostel: templates (in-app, email, SMS) of the types the demo uses,
their routing rules, a resident's preferences and device, and notifications sent through the
pipeline itself (`notify`), whose deliveries the demo season shows as delivered and partly read.

The delivery jobs `notify` enqueued are replaced by their outcome here: the demo season's
messages went out in the past, so a fresh `./dev serve` does not send them again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

import models as m

TEMPLATES = {
    "hostel.notice": {
        "IN_APP": ("Notice: {{ title }}", "{{ message }}"),
        "EMAIL": ("[{{ hostel }}] {{ title }}", "Dear {{ name }},\n\n{{ message }}\n\n- The warden, {{ hostel }}"),
        "SMS": (None, "{{ hostel }}: {{ message }}"),
    },
    "payment.reminder": {
        "IN_APP": ("Rent due on {{ due }}", "Your rent of Rs {{ amount }} is due on {{ due }}."),
        "EMAIL": (
            "Rent reminder: Rs {{ amount }} due {{ due }}",
            "Dear {{ name }},\n\nYour rent of Rs {{ amount }} is due on {{ due }}.",
        ),
        "SMS": (None, "Rent Rs {{ amount }} due {{ due }} - {{ hostel }}"),
    },
    "booking.requested": {
        "IN_APP": ("New booking request {{ reference }}", "{{ guest }} asks for a bed from {{ check_in }}."),
        "EMAIL": (
            "New booking request {{ reference }}",
            "{{ guest }} asks for a bed from {{ check_in }}. Review it in the dashboard.",
        ),
    },
}
RULES = {
    "hostel.notice": (["IN_APP", "EMAIL", "SMS"], "NORMAL"),
    "payment.reminder": (["IN_APP", "EMAIL", "SMS"], "HIGH"),
    "booking.requested": (["IN_APP", "EMAIL"], "NORMAL"),
}


async def load_notifications(session: Any, hostel: Any, user_ids: dict[str, int], wardens: list[str]) -> None:
    from resolvers.notification.pipeline import notify

    h = hostel.id
    for code, channels in TEMPLATES.items():
        for channel, (subject, body) in channels.items():
            template = m.NotificationTemplate(
                hostel_id=h, code=code, channel=m.NotificationChannel(channel), name=f"{code} ({channel.lower()})"
            )
            session.add(template)
            await session.flush()
            session.add(
                m.NotificationTemplateVersion(
                    hostel_id=h, template_id=template.id, version=1, subject=subject, body=body
                )
            )
    for code, (channels, priority) in RULES.items():
        session.add(
            m.RoutingRule(
                hostel_id=h,
                name=code,
                notification_type=code,
                channels=channels,
                priority=m.NotificationPriority(priority),
            )
        )
    await session.flush()

    staff = [user_ids[e] for e in wardens]
    residents = [user_ids[e] for e in ("resident@sunrise.demo",) if e in user_ids and hostel.slug == "demo-sunrise"]
    for resident in residents:
        session.add(
            m.NotificationPreference(
                hostel_id=h, user_id=resident, quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(7)
            )
        )
        session.add(
            m.DeviceToken(
                hostel_id=h,
                user_id=resident,
                token=f"demo-fcm-{hostel.slug}-{resident}",
                platform=m.DevicePlatform.ANDROID,
                device_name="Pixel 8",
            )
        )
    await session.flush()
    base = {"hostel": hostel.name, "name": "there"}
    sent = [
        await notify(
            session,
            hostel_id=h,
            user_ids=staff,
            type="booking.requested",
            source="booking",
            data={
                **base,
                "reference": f"BK-{hostel.slug[-3:].upper()}-1042",
                "guest": "Nikhil Rao",
                "check_in": "the 1st",
            },
            priority=m.NotificationPriority.URGENT,
        ),
        await notify(
            session,
            hostel_id=h,
            user_ids=staff + residents,
            type="hostel.notice",
            source="staff",
            data={**base, "title": "Water supply", "message": "Water will be off on Sunday 2-4 pm for tank cleaning."},
            priority=m.NotificationPriority.URGENT,
        ),
    ]
    if residents:
        sent.append(
            await notify(
                session,
                hostel_id=h,
                user_ids=residents,
                type="payment.reminder",
                source="finance",
                data={**base, "amount": "8,000", "due": "the 5th"},
                priority=m.NotificationPriority.URGENT,
            )
        )
    deliveries = [d for result in sent for d in result.delivery_ids]
    # the season's messages went out: their outcome instead of their jobs
    await session.execute(
        text(
            "DELETE FROM procrastinate.procrastinate_jobs WHERE task_name = 'deliver_notification' "
            "AND (args->>'delivery_id')::bigint = ANY(:ids)"
        ),
        {"ids": deliveries},
    )
    await session.execute(
        text(
            "INSERT INTO notification_status_history (hostel_id, notification_id, delivery_id, from_status, to_status, attempt, note) "
            "SELECT hostel_id, notification_id, id, status, 'DELIVERED', 1, 'demo' FROM notification_queue WHERE id = ANY(:ids)"
        ),
        {"ids": deliveries},
    )
    await session.execute(
        text(
            "UPDATE notification_queue SET status = 'DELIVERED', attempts = 1, delivered_at = now(), "
            "provider = CASE channel WHEN 'IN_APP' THEN 'in-app' ELSE 'development-' || lower(channel) END, "
            "provider_message_id = 'delivery-' || id WHERE id = ANY(:ids)"
        ),
        {"ids": deliveries},
    )
    for table in ("email_notifications", "sms_notifications", "push_notifications"):
        await session.execute(
            text(f"UPDATE {table} SET sent_at = now() WHERE delivery_id = ANY(:ids)"), {"ids": deliveries}
        )
    notes = [n for result in sent for n in result.notification_ids]
    await session.execute(text("UPDATE notifications SET status = 'SENT' WHERE id = ANY(:ids)"), {"ids": notes})
    # the first of them has been read
    read = notes[0]
    await session.execute(text("UPDATE notifications SET read_at = now() WHERE id = :id"), {"id": read})
    await session.execute(
        text(
            "INSERT INTO notification_read_receipts (hostel_id, notification_id, user_id, channel, read_at) "
            "SELECT hostel_id, id, user_id, 'IN_APP', now() FROM notifications WHERE id = :id"
        ),
        {"id": read},
    )
