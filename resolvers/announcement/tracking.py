"""What residents do with an announcement, and what it comes to.

A resident reads (`announcementMarkRead`: their recipient row's `readAt`, one `ReadReceipt`),
opens it (`announcementView`: one `AnnouncementView` per opening, with device and reading time;
the first opening reads it too), and acknowledges one that asks for it (`announcementAcknowledge`:
one `Acknowledgment`, on time or not). Doing it again changes nothing.

`compute` (the engagement job every 15 minutes, and `announcementEngagementCompute`) brings the
delivery mirror up to date and replaces `EngagementMetric` and `ReadingTimeAnalytic` of the
hostel's published or archived announcements from those rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from sqlalchemy import text

from kit.errors import ErrorCode, user_error
from kit.workflow import Doc, Ref
from models import announcement as m
from resolvers.announcement import publishing
from resolvers.jobs.tasks import RETRY, SCHEDULE_QUEUE, _engine, app, scoped

log = logging.getLogger(__name__)

QUICK, THOROUGH = 10, 60  # seconds: a glance, a careful read


async def _mine(ctx: Any, db: Any, announcement_id: int) -> Any:
    """The caller's recipient row of a published announcement (with its publishing facts)."""
    row = (
        await db.execute(
            text(
                "SELECT r.id, r.hostel_id, r.student_id, r.read_at, r.acknowledged_at, a.published_at, a.version, "
                "a.requires_acknowledgment, a.acknowledgment_deadline FROM announcement_recipients r "
                "JOIN announcements a ON a.hostel_id = r.hostel_id AND a.id = r.announcement_id "
                "WHERE r.announcement_id = :a AND r.user_id = :u AND a.status = 'PUBLISHED' FOR UPDATE OF r"
            ),
            {"a": announcement_id, "u": ctx.user_id if ctx.user_id is not None else -1},
        )
    ).first()
    if row is None:
        raise user_error(ErrorCode.NOT_FOUND, "No announcement published to you with this ID.", "announcementId")
    return row


def _seconds(since: dt.datetime | None, now: dt.datetime) -> int:
    return max(0, int((now - since).total_seconds())) if since else 0


async def _read(db: Any, mine: Any, announcement_id: int, user_id: int, now: dt.datetime, reading: int) -> None:
    if mine.read_at is not None:
        return
    await db.execute(
        text("UPDATE announcement_recipients SET read_at = :now, updated_at = now() WHERE id = :id"),
        {"now": now, "id": mine.id},
    )
    await db.execute(
        text(
            "INSERT INTO announcement_read_receipts (hostel_id, announcement_id, student_id, user_id, version, read_at, "
            "seconds_to_read, reading_seconds, created_by) VALUES (:h, :a, :s, :u, :v, :now, :ttr, :rs, :u) "
            "ON CONFLICT DO NOTHING"
        ),
        {
            "h": mine.hostel_id,
            "a": announcement_id,
            "s": mine.student_id,
            "u": user_id,
            "v": mine.version,
            "now": now,
            "ttr": _seconds(mine.published_at, now),
            "rs": reading,
        },
    )


def _reading(value: int | None, field: str = "readingSeconds") -> int:
    if value is None:
        return 0
    if not 0 <= value <= 86_400:
        raise user_error(ErrorCode.INVALID, "Reading time is 0 to 86400 seconds.", field)
    return value


async def mark_read(
    ctx: Any,
    session: Any,
    announcement_id: Ref[m.Announcement],
    reading_seconds: Annotated[int | None, Doc("How long you spent on it, in seconds.")] = None,
) -> int:
    """Mark an announcement published to you read (again: nothing changes). Returns your
    recipient row (`myAnnouncements`)."""
    reading = _reading(reading_seconds)
    mine = await _mine(ctx, session, announcement_id)
    await _read(session, mine, announcement_id, ctx.user_id, dt.datetime.now(dt.UTC), reading)
    return int(mine.id)


async def view(
    ctx: Any,
    session: Any,
    announcement_id: Ref[m.Announcement],
    device: m.AnnouncementDevice = m.AnnouncementDevice.MOBILE,
    source: Annotated[str | None, Doc("Where it was opened from: app, push, email ...")] = None,
    reading_seconds: Annotated[int, Doc("Seconds it was on screen.")] = 0,
    scroll_percent: Annotated[int, Doc("How far it was scrolled, 0-100.")] = 0,
) -> int:
    """Record that you opened an announcement published to you (each opening counts); the first
    opening also marks it read."""
    reading = _reading(reading_seconds)
    if not 0 <= scroll_percent <= 100:
        raise user_error(ErrorCode.INVALID, "Scrolled 0 to 100 percent.", "scrollPercent")
    if source is not None and not 1 <= len(source.strip()) <= 30:
        raise user_error(ErrorCode.INVALID, "A source is 1 to 30 characters.", "source")
    mine = await _mine(ctx, session, announcement_id)
    now = dt.datetime.now(dt.UTC)
    view_id = (
        await session.execute(
            text(
                "INSERT INTO announcement_views (hostel_id, announcement_id, student_id, user_id, device, source, "
                "reading_seconds, scroll_percent, viewed_at, created_by) VALUES (:h, :a, :s, :u, :d, :src, :rs, :sp, :now, :u) "
                "RETURNING id"
            ),
            {
                "h": mine.hostel_id,
                "a": announcement_id,
                "s": mine.student_id,
                "u": ctx.user_id,
                "d": device.value,
                "src": source.strip() if source else None,
                "rs": reading,
                "sp": scroll_percent,
                "now": now,
            },
        )
    ).scalar_one()
    await _read(session, mine, announcement_id, ctx.user_id, now, reading)
    return int(view_id)


async def acknowledge(
    ctx: Any,
    session: Any,
    announcement_id: Ref[m.Announcement],
    note: Annotated[str | None, Doc("What you want the staff to know (done, a question).")] = None,
) -> int:
    """Acknowledge an announcement published to you that asks for it (again: nothing changes);
    it is read too."""
    if note is not None and len(note) > 1000:
        raise user_error(ErrorCode.INVALID, "A note is at most 1000 characters.", "note")
    mine = await _mine(ctx, session, announcement_id)
    if not mine.requires_acknowledgment:
        raise user_error(ErrorCode.INVALID, "This announcement asks for no acknowledgement.", "announcementId")
    now = dt.datetime.now(dt.UTC)
    await _read(session, mine, announcement_id, ctx.user_id, now, 0)
    if mine.acknowledged_at is None:
        await session.execute(
            text("UPDATE announcement_recipients SET acknowledged_at = :now, updated_at = now() WHERE id = :id"),
            {"now": now, "id": mine.id},
        )
        await session.execute(
            text(
                "INSERT INTO announcement_acknowledgments (hostel_id, announcement_id, student_id, user_id, version, "
                "acknowledged_at, note, seconds_to_acknowledge, on_time, created_by) "
                "VALUES (:h, :a, :s, :u, :v, :now, :note, :tta, :on_time, :u) ON CONFLICT DO NOTHING"
            ),
            {
                "h": mine.hostel_id,
                "a": announcement_id,
                "s": mine.student_id,
                "u": ctx.user_id,
                "v": mine.version,
                "now": now,
                "note": note.strip() if note and note.strip() else None,
                "tta": _seconds(mine.published_at, now),
                "on_time": mine.acknowledgment_deadline is None or now <= mine.acknowledgment_deadline,
            },
        )
    return int(
        (
            await session.execute(
                text(
                    "SELECT id FROM announcement_acknowledgments WHERE hostel_id = :h AND announcement_id = :a AND student_id = :s"
                ),
                {"h": mine.hostel_id, "a": announcement_id, "s": mine.student_id},
            )
        ).scalar_one()
    )


ENGAGEMENT = text(
    "INSERT INTO announcement_engagement_metrics (hostel_id, announcement_id, recipients, deliveries, delivered, failed, "
    "read_count, acknowledged_count, view_count, unique_viewers, read_rate, acknowledgment_rate, views_by_device, "
    "engagement_score, computed_at) "
    "SELECT a.hostel_id, a.id, r.n, d.n, d.delivered, d.failed, r.read, r.acked, v.n, v.viewers, "
    "  round(100.0 * r.read / greatest(r.n, 1), 2), "
    "  CASE WHEN a.requires_acknowledgment THEN round(100.0 * r.acked / greatest(r.n, 1), 2) END, "
    "  coalesce(v.by_device, '{}'::jsonb), "
    "  round(0.6 * 100.0 * r.read / greatest(r.n, 1) "
    "    + 0.3 * 100.0 * (CASE WHEN a.requires_acknowledgment THEN r.acked ELSE r.read END) / greatest(r.n, 1) "
    "    + 0.1 * 100.0 * v.repeat / greatest(v.viewers, 1), 2), :now "
    "FROM announcements a "
    "CROSS JOIN LATERAL (SELECT count(*) AS n, count(read_at) AS read, count(acknowledged_at) AS acked "
    "  FROM announcement_recipients x WHERE x.hostel_id = a.hostel_id AND x.announcement_id = a.id) r "
    "CROSS JOIN LATERAL (SELECT count(*) AS n, count(*) FILTER (WHERE status = 'DELIVERED') AS delivered, "
    "  count(*) FILTER (WHERE status = 'FAILED') AS failed "
    "  FROM announcement_deliveries x WHERE x.hostel_id = a.hostel_id AND x.announcement_id = a.id) d "
    "CROSS JOIN LATERAL (SELECT coalesce(sum(c), 0) AS n, count(*) AS viewers, count(*) FILTER (WHERE c > 1) AS repeat, "
    "  (SELECT jsonb_object_agg(device, n) FROM (SELECT device, count(*) AS n FROM announcement_views y "
    "   WHERE y.hostel_id = a.hostel_id AND y.announcement_id = a.id GROUP BY device) g) AS by_device "
    "  FROM (SELECT student_id, count(*) AS c FROM announcement_views x "
    "   WHERE x.hostel_id = a.hostel_id AND x.announcement_id = a.id GROUP BY student_id) s) v "
    "WHERE a.hostel_id = :h AND a.status IN ('PUBLISHED', 'ARCHIVED') AND (CAST(:a AS bigint) IS NULL OR a.id = :a) "
    "ON CONFLICT (hostel_id, announcement_id) DO UPDATE SET recipients = EXCLUDED.recipients, "
    "deliveries = EXCLUDED.deliveries, delivered = EXCLUDED.delivered, failed = EXCLUDED.failed, "
    "read_count = EXCLUDED.read_count, acknowledged_count = EXCLUDED.acknowledged_count, "
    "view_count = EXCLUDED.view_count, unique_viewers = EXCLUDED.unique_viewers, read_rate = EXCLUDED.read_rate, "
    "acknowledgment_rate = EXCLUDED.acknowledgment_rate, views_by_device = EXCLUDED.views_by_device, "
    "engagement_score = EXCLUDED.engagement_score, computed_at = EXCLUDED.computed_at, updated_at = now()"
)
READING = text(
    "INSERT INTO announcement_reading_time (hostel_id, announcement_id, readers, average_seconds, median_seconds, "
    "min_seconds, max_seconds, quick_readers, normal_readers, thorough_readers, average_by_device, computed_at) "
    "SELECT a.hostel_id, a.id, count(s.student_id), round(avg(s.total), 1), "
    "  percentile_cont(0.5) WITHIN GROUP (ORDER BY s.total), min(s.total), max(s.total), "
    "  count(*) FILTER (WHERE s.total < :quick), "
    "  count(*) FILTER (WHERE s.total >= :quick AND s.total <= :thorough), count(*) FILTER (WHERE s.total > :thorough), "
    "  coalesce((SELECT jsonb_object_agg(device, avg_s) FROM (SELECT device, round(avg(reading_seconds), 1) AS avg_s "
    "   FROM announcement_views y WHERE y.hostel_id = a.hostel_id AND y.announcement_id = a.id GROUP BY device) g), "
    "   '{}'::jsonb), :now "
    "FROM announcements a LEFT JOIN (SELECT announcement_id, student_id, sum(reading_seconds) AS total "
    "  FROM announcement_views WHERE hostel_id = :h GROUP BY announcement_id, student_id) s ON s.announcement_id = a.id "
    "WHERE a.hostel_id = :h AND a.status IN ('PUBLISHED', 'ARCHIVED') AND (CAST(:a AS bigint) IS NULL OR a.id = :a) "
    "GROUP BY a.hostel_id, a.id "
    "ON CONFLICT (hostel_id, announcement_id) DO UPDATE SET readers = EXCLUDED.readers, "
    "average_seconds = EXCLUDED.average_seconds, median_seconds = EXCLUDED.median_seconds, "
    "min_seconds = EXCLUDED.min_seconds, max_seconds = EXCLUDED.max_seconds, quick_readers = EXCLUDED.quick_readers, "
    "normal_readers = EXCLUDED.normal_readers, thorough_readers = EXCLUDED.thorough_readers, "
    "average_by_device = EXCLUDED.average_by_device, computed_at = EXCLUDED.computed_at, updated_at = now()"
)


async def compute(db: Any, hostel_id: int, announcement_id: int | None = None, now: dt.datetime | None = None) -> None:
    """Engagement and reading time of one announcement (or all published ones) of a hostel."""
    await publishing.sync(db, hostel_id)
    params = {"h": hostel_id, "a": announcement_id, "now": now or dt.datetime.now(dt.UTC)}
    await db.execute(ENGAGEMENT, params)
    await db.execute(READING, {**params, "quick": QUICK, "thorough": THOROUGH})


async def compute_on_demand(ctx: Any, session: Any, announcement_id: Ref[m.Announcement]) -> int:
    """Compute the engagement of a published (or archived) announcement now."""
    status = (
        await session.execute(text("SELECT status FROM announcements WHERE id = :a"), {"a": announcement_id})
    ).scalar_one()
    if status not in ("PUBLISHED", "ARCHIVED"):
        raise user_error(ErrorCode.CONFLICT, f"A {status} announcement has no engagement yet.", "announcementId")
    await compute(session, int(ctx.hostel_id), announcement_id)
    return int(
        (
            await session.execute(
                text("SELECT id FROM announcement_engagement_metrics WHERE announcement_id = :a"),
                {"a": announcement_id},
            )
        ).scalar_one()
    )


@app.periodic(cron="*/15 * * * *")
@app.task(
    name="compute_announcement_engagement",
    queue=SCHEDULE_QUEUE,
    queueing_lock="compute_announcement_engagement",
    retry=RETRY,
)
async def compute_announcement_engagement(timestamp: int) -> None:
    async with _engine().begin() as conn:
        await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
        hostels = list((await conn.execute(text("SELECT id FROM hostels WHERE active ORDER BY id"))).scalars())
    for hostel_id in hostels:
        async with scoped(hostel_id=hostel_id) as conn:
            await compute(conn, hostel_id)
