"""Publishing an announcement and delivering it through the notification pipeline.

`publish` (the mutation, the scheduling job): the audience is computed again, each resident
becomes an `AnnouncementRecipient`, the text becomes version 1 (`AnnouncementVersion`), and
the recipients with a login are split into `DeliveryBatch`es (at most the smallest batch size
of the hostel's active `DeliveryChannel`s, default 100), one `deliver_announcement_batch` job
each, enqueued in the same transaction. A revision after publishing tells the recipients again
in new batches of its version.

The batch job calls `notify` once for its residents (type `announcement.published`: the
hostel's routing rule and templates, or the defaults below), and mirrors every pipeline
delivery as an `AnnouncementDelivery`; a batch already told is left alone, so a job run twice
tells once. `sync` refreshes the mirror from the pipeline (statuses, attempts) and records its
failed and retried attempts (`DeliveryFailure`, `DeliveryRetry`, once per history row).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import procrastinate
from sqlalchemy import text

from kit.errors import ErrorCode, user_error
from models.announcement import AnnouncementAction, AnnouncementPriority, AnnouncementStatus
from models.notification import NotificationPriority
from resolvers.announcement import audience, states
from resolvers.jobs.tasks import RETRY, JobRefused, _run, app, scoped
from resolvers.notification.pipeline import notify, register_defaults

log = logging.getLogger(__name__)

QUEUE = "announcements"
TASK = "deliver_announcement_batch"
PUBLISHED = "announcement.published"
REVISED = "announcement.revised"
DEFAULT_BATCH = 100
register_defaults(
    PUBLISHED,
    {
        "IN_APP": ("{{ title }}", "{{ content }}"),
        "EMAIL": ("[{{ hostel }}] {{ title }}", "{{ content }}\n\n- {{ hostel }}"),
        "SMS": (None, "{{ hostel }}: {{ title }}. Open the app to read it."),
        "PUSH": ("{{ title }}", "{{ content|truncate(120) }}"),
    },
)
register_defaults(
    REVISED,
    {
        "IN_APP": ("Updated: {{ title }}", "{{ content }}"),
        "EMAIL": ("[{{ hostel }}] Updated: {{ title }}", "{{ content }}\n\n- {{ hostel }}"),
        "SMS": (None, "{{ hostel }}: updated notice: {{ title }}"),
        "PUSH": ("Updated: {{ title }}", "{{ content|truncate(120) }}"),
    },
)
DEFER_SQL = text(
    "SELECT procrastinate.procrastinate_defer_jobs_v1(ARRAY("
    "SELECT ROW(:queue, :task, 0, NULL, NULL, jsonb_build_object('hostel_id', CAST(:hostel AS bigint), "
    "'batch_id', b), now())::procrastinate.procrastinate_job_to_defer_v1 FROM unnest(CAST(:ids AS bigint[])) AS x(b)))"
)


async def _batch_size(db: Any, hostel_id: int) -> int:
    size = (
        await db.execute(
            text("SELECT min(batch_size) FROM announcement_delivery_channels WHERE hostel_id = :h AND active"),
            {"h": hostel_id},
        )
    ).scalar()
    return int(size or DEFAULT_BATCH)


async def make_batches(db: Any, hostel_id: int, announcement_id: int, version: int) -> list[int]:
    """Batches of the recipients with a login, for `version`; their jobs are enqueued now."""
    students = list(
        (
            await db.execute(
                text(
                    "SELECT student_id FROM announcement_recipients WHERE hostel_id = :h AND announcement_id = :a "
                    "AND user_id IS NOT NULL ORDER BY student_id"
                ),
                {"h": hostel_id, "a": announcement_id},
            )
        ).scalars()
    )
    size = await _batch_size(db, hostel_id)
    ids = []
    for number, start in enumerate(range(0, len(students), size), start=1):
        chunk = students[start : start + size]
        ids.append(
            (
                await db.execute(
                    text(
                        "INSERT INTO announcement_delivery_batches (hostel_id, announcement_id, version, batch_number, "
                        "student_ids, recipient_count) VALUES (:h, :a, :v, :n, :s, :c) RETURNING id"
                    ),
                    {"h": hostel_id, "a": announcement_id, "v": version, "n": number, "s": chunk, "c": len(chunk)},
                )
            ).scalar_one()
        )
    if ids:
        await db.execute(DEFER_SQL, {"queue": QUEUE, "task": TASK, "hostel": hostel_id, "ids": ids})
    return ids


async def publish(db: Any, row: Any, actor: int | None, now: dt.datetime, note: str | None = None) -> int:
    """Publish the locked announcement `row` now (see the module's docstring); its recipients."""
    h = row.hostel_id
    states.check(row.status, AnnouncementStatus.PUBLISHED)
    members = await audience.compute(db, h, row.id)
    if not members:
        raise user_error(ErrorCode.INVALID, "The announcement's targets reach no current resident.", "announcementId")
    await db.execute(
        text(
            "INSERT INTO announcement_recipients (hostel_id, announcement_id, student_id, user_id, room_id, floor) "
            "SELECT :h, :a, s, u, r, f FROM unnest(CAST(:s AS bigint[]), CAST(:u AS bigint[]), CAST(:r AS bigint[]), "
            "CAST(:f AS integer[])) AS x(s, u, r, f) ON CONFLICT DO NOTHING"
        ),
        {
            "h": h,
            "a": row.id,
            "s": [m.id for m in members],
            "u": [m.user_id for m in members],
            "r": [m.room_id for m in members],
            "f": [m.floor for m in members],
        },
    )
    await db.execute(
        text(
            "INSERT INTO announcement_versions (hostel_id, announcement_id, version, title, content, edited_by_user_id, "
            "created_by) VALUES (:h, :a, :v, :t, :c, :u, :u) ON CONFLICT DO NOTHING"
        ),
        {"h": h, "a": row.id, "v": row.version, "t": row.title, "c": row.content, "u": actor or row.author_user_id},
    )
    await db.execute(
        text(
            "UPDATE announcement_targets t SET actual_recipients = t.estimated_recipients, updated_at = now() "
            "WHERE hostel_id = :h AND announcement_id = :a"
        ),
        {"h": h, "a": row.id},
    )
    await states.move(
        db,
        row,
        AnnouncementStatus.PUBLISHED,
        AnnouncementAction.PUBLISHED,
        actor,
        note or f"published to {len(members)} residents",
        published_at=now,
        recipient_count=len(members),
    )
    await make_batches(db, h, row.id, row.version)
    return len(members)


PRIORITY = {
    AnnouncementPriority.LOW.value: NotificationPriority.LOW,
    AnnouncementPriority.NORMAL.value: NotificationPriority.NORMAL,
    AnnouncementPriority.HIGH.value: NotificationPriority.HIGH,
    AnnouncementPriority.URGENT.value: NotificationPriority.URGENT,
}


async def deliver_batch(db: Any, hostel_id: int, batch_id: int) -> str:
    """Tell one batch through the pipeline (once); its status afterwards."""
    batch = (
        await db.execute(
            text(
                "SELECT b.id, b.status, b.version, b.student_ids, a.id AS announcement_id, a.title, a.content, "
                "a.priority, a.category, a.status AS announcement_status, h.name AS hostel "
                "FROM announcement_delivery_batches b JOIN announcements a ON a.hostel_id = b.hostel_id "
                "AND a.id = b.announcement_id JOIN hostels h ON h.id = b.hostel_id "
                "WHERE b.hostel_id = :h AND b.id = :b FOR UPDATE OF b"
            ),
            {"h": hostel_id, "b": batch_id},
        )
    ).first()
    if batch is None:
        raise JobRefused(f"no announcement batch {batch_id} in hostel {hostel_id}")
    if batch.status != "PENDING":
        return str(batch.status)
    if batch.announcement_status != AnnouncementStatus.PUBLISHED.value:  # archived before its turn
        await db.execute(
            text("UPDATE announcement_delivery_batches SET status = 'FAILED', last_error = :e WHERE id = :b"),
            {"b": batch_id, "e": f"the announcement is {batch.announcement_status}"},
        )
        return "FAILED"
    people = (
        await db.execute(
            text(
                "SELECT id, student_id, user_id FROM announcement_recipients WHERE hostel_id = :h AND announcement_id = :a "
                "AND student_id = ANY(:s) AND user_id IS NOT NULL"
            ),
            {"h": hostel_id, "a": batch.announcement_id, "s": list(batch.student_ids)},
        )
    ).all()
    if not people:
        await db.execute(
            text("UPDATE announcement_delivery_batches SET status = 'COMPLETED', completed_at = now() WHERE id = :b"),
            {"b": batch_id},
        )
        return "COMPLETED"
    result = await notify(
        db,
        hostel_id=hostel_id,
        user_ids=[p.user_id for p in people],
        type=PUBLISHED if batch.version == 1 else REVISED,
        data={
            "title": batch.title,
            "content": batch.content,
            "hostel": batch.hostel,
            "category": batch.category,
            "announcement_id": batch.announcement_id,
            "version": batch.version,
        },
        source="announcement",
        priority=PRIORITY[batch.priority],
    )
    recipient_of = {p.user_id: p.id for p in people}
    await db.execute(
        text(
            "INSERT INTO announcement_deliveries (hostel_id, announcement_id, batch_id, recipient_id, user_id, channel, "
            "notification_id, notification_delivery_id, status) "
            "SELECT q.hostel_id, :a, :b, (CAST(:map AS jsonb) ->> q.user_id::text)::bigint, q.user_id, q.channel, "
            "q.notification_id, q.id, q.status FROM notification_queue q WHERE q.id = ANY(:d) ON CONFLICT DO NOTHING"
        ),
        {
            "a": batch.announcement_id,
            "b": batch_id,
            "map": json.dumps({str(u): r for u, r in recipient_of.items()}),
            "d": result.delivery_ids,
        },
    )
    await db.execute(
        text(
            "UPDATE announcement_delivery_batches SET status = 'PROCESSING', started_at = now(), "
            "notification_batch_id = :nb, updated_at = now() WHERE id = :b"
        ),
        {"nb": result.batch_id, "b": batch_id},
    )
    return "PROCESSING"


SYNC = (
    # statuses and attempts from the pipeline's deliveries
    "UPDATE announcement_deliveries d SET status = q.status, attempts = q.attempts, delivered_at = q.delivered_at, "
    "last_error = q.last_error, updated_at = now() FROM notification_queue q "
    "WHERE q.hostel_id = d.hostel_id AND q.id = d.notification_delivery_id AND d.hostel_id = :h "
    "AND (d.status, d.attempts) IS DISTINCT FROM (q.status, q.attempts)",
    # each failed attempt once
    "INSERT INTO announcement_delivery_failures (hostel_id, delivery_id, history_id, attempt, error, is_final, failed_at) "
    "SELECT d.hostel_id, d.id, x.id, x.attempt, x.note, x.to_status = 'FAILED', x.created_at "
    "FROM notification_status_history x JOIN announcement_deliveries d ON d.hostel_id = x.hostel_id "
    "AND d.notification_delivery_id = x.delivery_id WHERE d.hostel_id = :h AND x.to_status IN ('RETRYING', 'FAILED') "
    "ON CONFLICT DO NOTHING",
    # each attempt after a failure once, with how it ended
    "INSERT INTO announcement_delivery_retries (hostel_id, delivery_id, history_id, attempt, outcome, retried_at) "
    "SELECT d.hostel_id, d.id, x.id, x.attempt, x.to_status, x.created_at "
    "FROM notification_status_history x JOIN announcement_deliveries d ON d.hostel_id = x.hostel_id "
    "AND d.notification_delivery_id = x.delivery_id WHERE d.hostel_id = :h AND x.attempt >= 2 "
    "AND x.to_status IN ('DELIVERED', 'RETRYING', 'FAILED') ON CONFLICT DO NOTHING",
    # batch counts; a batch all of whose deliveries ended is COMPLETED (FAILED when none arrived)
    "UPDATE announcement_delivery_batches b SET delivered_count = s.delivered, failed_count = s.failed, "
    "status = CASE WHEN s.ended THEN CASE WHEN s.delivered > 0 THEN 'COMPLETED' ELSE 'FAILED' END ELSE b.status END, "
    "completed_at = CASE WHEN s.ended THEN coalesce(b.completed_at, now()) END, updated_at = now() "
    "FROM (SELECT batch_id, count(*) FILTER (WHERE status = 'DELIVERED') AS delivered, "
    "      count(*) FILTER (WHERE status = 'FAILED') AS failed, bool_and(status IN ('DELIVERED', 'FAILED')) AS ended "
    "      FROM announcement_deliveries WHERE hostel_id = :h GROUP BY batch_id) s "
    "WHERE b.hostel_id = :h AND b.id = s.batch_id AND b.status IN ('PROCESSING', 'COMPLETED', 'FAILED')",
)


async def sync(db: Any, hostel_id: int) -> None:
    """The mirror of the pipeline's deliveries brought up to date (see the module's docstring)."""
    for sql in SYNC:
        await db.execute(text(sql), {"h": hostel_id})


async def deliver(hostel_id: int, batch_id: int) -> str:
    async with scoped(hostel_id=hostel_id) as conn:
        return await deliver_batch(conn, hostel_id, batch_id)


@app.task(name=TASK, queue=QUEUE, retry=RETRY, pass_context=True)
async def deliver_announcement_batch(context: procrastinate.JobContext, hostel_id: int, batch_id: int) -> None:
    """Tell one batch of an announcement's residents through the notification pipeline."""

    async def work() -> None:
        status = await deliver(hostel_id, batch_id)
        log.info("announcement batch", extra={"hostel_id": hostel_id, "batch_id": batch_id, "status": status})

    await _run(context, work)
