"""Demo announcements of a hostel, made through the workflow code itself: an approval workflow
and an auto-approval rule, a weekly recurring notice, a published notice (read, viewed and
acknowledged by the first resident with a login; told through the notification pipeline, its
deliveries shown as delivered; its engagement computed), one awaiting approval, one scheduled
and a targeted draft."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

import models as m
from resolvers.announcement import approval, audience, publishing, scheduling, states, tracking


async def _draft(session: Any, h: int, author: int, title: str, content: str, **extra: Any) -> Any:
    row = (
        await session.execute(
            text(
                "INSERT INTO announcements (hostel_id, title, content, category, priority, author_user_id, "
                "requires_acknowledgment, created_by) VALUES (:h, :t, :c, :cat, :p, :u, :ack, :u) RETURNING id"
            ),
            {
                "h": h,
                "t": title,
                "c": content,
                "cat": extra.get("category", "GENERAL"),
                "p": extra.get("priority", "NORMAL"),
                "u": author,
                "ack": extra.get("ack", False),
            },
        )
    ).scalar_one()
    await session.execute(
        text("INSERT INTO announcement_targets (hostel_id, announcement_id, target_type) VALUES (:h, :a, 'ALL')"),
        {"h": h, "a": row},
    )
    locked = await states.lock(session, h, row)
    await states.record(session, locked, m.AnnouncementAction.CREATED, m.AnnouncementStatus.DRAFT, author)
    return await states.lock(session, h, row)


async def load_announcements(session: Any, hostel: Any, author: int, approver: int) -> None:
    h = hostel.id
    now = dt.datetime.now(dt.UTC)
    session.add_all(
        [
            m.AnnouncementApprovalWorkflow(
                hostel_id=h,
                name="Urgent notices",
                min_priority=m.AnnouncementPriority.HIGH,
                sla_hours=4,
                escalate_to_user_id=approver,
                created_by=author,
            ),
            m.AnnouncementApprovalRule(
                hostel_id=h,
                name="Routine mess notices",
                categories=["MESS"],
                max_priority=m.AnnouncementPriority.HIGH,
                created_by=author,
            ),
            m.DeliveryChannel(hostel_id=h, channel=m.DeliveryChannelType.IN_APP, batch_size=200, created_by=author),
            m.RecurringAnnouncement(
                hostel_id=h,
                title="Weekly room inspection",
                content="Rooms are inspected every Saturday at 10 am.",
                pattern=m.AnnouncementRecurrence.WEEKLY,
                next_run_at=now + dt.timedelta(days=3),
                created_by=author,
            ),
        ]
    )
    await session.flush()
    notice = await _draft(
        session, h, author, "Water supply", "Water will be off on Sunday 2-4 pm for tank cleaning.", ack=True
    )
    await approval.submit(session, notice, author, now, publish_on_approval=True)
    reader = (
        await session.execute(
            text(
                "SELECT r.user_id, r.student_id FROM announcement_recipients r WHERE r.hostel_id = :h "
                "AND r.user_id IS NOT NULL ORDER BY r.student_id LIMIT 1"
            ),
            {"h": h},
        )
    ).first()
    if reader is not None:
        await session.execute(
            text(
                "INSERT INTO announcement_views (hostel_id, announcement_id, student_id, user_id, device, source, "
                "reading_seconds, scroll_percent, viewed_at) VALUES (:h, :a, :s, :u, 'MOBILE', 'push', 45, 100, :now)"
            ),
            {"h": h, "a": notice.id, "s": reader.student_id, "u": reader.user_id, "now": now},
        )
        await session.execute(
            text(
                "UPDATE announcement_recipients SET read_at = :now, acknowledged_at = :now "
                "WHERE hostel_id = :h AND announcement_id = :a AND student_id = :s"
            ),
            {"h": h, "a": notice.id, "s": reader.student_id, "now": now},
        )
        for table, extra in (
            ("announcement_read_receipts", ("seconds_to_read", "reading_seconds")),
            ("announcement_acknowledgments", ("seconds_to_acknowledge", "on_time")),
        ):
            at = "read_at" if table.endswith("receipts") else "acknowledged_at"
            values = "60, 45" if table.endswith("receipts") else "120, true"
            await session.execute(
                text(
                    f"INSERT INTO {table} (hostel_id, announcement_id, student_id, user_id, version, {at}, "
                    f"{extra[0]}, {extra[1]}) VALUES (:h, :a, :s, :u, 1, :now, {values})"
                ),
                {"h": h, "a": notice.id, "s": reader.student_id, "u": reader.user_id, "now": now},
            )
    # the batch jobs publishing enqueued, run here; the season's messages went out: their
    # deliveries' outcome instead of their jobs (as demo/notification.py does)
    batches = (
        await session.execute(
            text("SELECT id FROM announcement_delivery_batches WHERE hostel_id = :h AND status = 'PENDING'"), {"h": h}
        )
    ).scalars()
    for batch_id in list(batches):
        await publishing.deliver_batch(session, h, batch_id)
    await session.execute(
        text(
            "DELETE FROM procrastinate.procrastinate_jobs WHERE (task_name = :t AND (args->>'hostel_id')::bigint = :h) "
            "OR (task_name = 'deliver_notification' AND (args->>'delivery_id')::bigint IN "
            "(SELECT notification_delivery_id FROM announcement_deliveries WHERE hostel_id = :h))"
        ),
        {"t": publishing.TASK, "h": h},
    )
    await session.execute(
        text(
            "INSERT INTO notification_status_history (hostel_id, notification_id, delivery_id, from_status, to_status, "
            "attempt, note) SELECT q.hostel_id, q.notification_id, q.id, q.status, 'DELIVERED', 1, 'demo' "
            "FROM notification_queue q JOIN announcement_deliveries d ON d.notification_delivery_id = q.id "
            "WHERE d.hostel_id = :h"
        ),
        {"h": h},
    )
    await session.execute(
        text(
            "UPDATE notification_queue q SET status = 'DELIVERED', attempts = 1, delivered_at = :now, "
            "provider = CASE q.channel WHEN 'IN_APP' THEN 'in-app' ELSE 'development-' || lower(q.channel) END "
            "FROM announcement_deliveries d WHERE d.notification_delivery_id = q.id AND d.hostel_id = :h"
        ),
        {"h": h, "now": now},
    )
    await session.execute(
        text(
            "UPDATE notifications n SET status = 'SENT' FROM announcement_deliveries d "
            "WHERE d.notification_id = n.id AND d.hostel_id = :h"
        ),
        {"h": h},
    )
    await tracking.compute(session, h, notice.id, now)

    urgent = await _draft(
        session,
        h,
        author,
        "Fire drill on Friday",
        "Assemble at the gate when the alarm rings at 5 pm.",
        priority="HIGH",
        category="EMERGENCY",
    )
    await approval.submit(session, urgent, author, now, publish_on_approval=False)
    dinner = await _draft(
        session, h, author, "Diwali dinner", "A festive dinner in the mess on the 12th.", category="EVENT"
    )
    target = (
        await session.execute(text("SELECT id FROM announcement_targets WHERE announcement_id = :a"), {"a": dinner.id})
    ).scalar_one()
    session.add_all(
        [
            m.TargetingRule(
                hostel_id=h, target_id=target, field=m.TargetingField.MESS_OPTED, value="true", created_by=author
            ),
            m.BulkTargetingRule(hostel_id=h, announcement_id=dinner.id, created_by=author),
        ]
    )
    await session.flush()
    await audience.compute(session, h, dinner.id)

    # approved and waiting for its time in the publish queue
    menu = await _draft(session, h, author, "New mess menu", "The new menu starts on Monday.", category="MESS")
    await approval.submit(session, menu, author, now, publish_on_approval=False)
    await scheduling.schedule(session, await states.lock(session, h, menu.id), author, now + dt.timedelta(days=2), None)
