"""The scheduling job (`run_announcement_schedules`, every minute, each active hostel), and
scheduling an announcement.

At `now`, in one hostel (`run_due`):
1. due `PublishQueue` entries (locked, SKIP LOCKED: two workers take different ones), highest
   priority first: the announcement is published; the `AnnouncementScheduleExecution` of the
   schedule's due time is written once (unique per source and due time);
2. due `RecurringAnnouncement`s: an announcement is generated from each and published (its
   execution once per due time), and the next due time set by its pattern (missed times are not
   caught up: one notice, not a burst);
3. published announcements past `expiresAt` are archived;
4. approvals past their SLA are escalated once (the workflow's escalation contact is told).
A failure of one item is recorded (execution FAILED, the queue entry's error) and rolls back
only that item. Running it again at the same `now` does nothing more.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import text

from kit.errors import ErrorCode, UserErrors, user_error
from models.announcement import (
    PRIORITY_RANK,
    AnnouncementAction,
    AnnouncementPriority,
    AnnouncementStatus,
    RecurringAnnouncement,
)
from models.notification import NotificationPriority
from resolvers.announcement import publishing, states
from resolvers.jobs.tasks import RETRY, SCHEDULE_QUEUE, _engine, app, error_message, scoped
from resolvers.notification.pipeline import notify, register_defaults

log = logging.getLogger(__name__)

STEP = {
    "DAILY": relativedelta(days=1),
    "WEEKLY": relativedelta(weeks=1),
    "BIWEEKLY": relativedelta(weeks=2),
    "MONTHLY": relativedelta(months=1),
}
OVERDUE = "announcement.approval_overdue"
register_defaults(
    OVERDUE,
    {
        "IN_APP": ("Approval overdue: {{ title }}", '"{{ title }}" has waited {{ hours }} hours for approval.'),
        "EMAIL": ("Approval overdue: {{ title }}", '"{{ title }}" has waited {{ hours }} hours for approval.'),
        "SMS": (None, "Announcement awaiting approval {{ hours }}h: {{ title }}"),
        "PUSH": ("Approval overdue", "{{ title }}"),
    },
)


async def check_recurring(ctx: Any, session: Any, rec: RecurringAnnouncement) -> None:
    """A title and a text, a time with its offset, an end after the next run, floors of 0 or more."""
    if not (rec.title or "").strip() or not (rec.content or "").strip():
        raise user_error(ErrorCode.INVALID, "A recurring announcement needs a title and a text.", "title")
    if rec.next_run_at is not None and rec.next_run_at.tzinfo is None:
        raise user_error(ErrorCode.INVALID, "Give the time with its UTC offset.", "nextRunAt")
    if rec.ends_at is not None and rec.next_run_at is not None and rec.ends_at <= rec.next_run_at:
        raise user_error(ErrorCode.INVALID, "It must end after its next run.", "endsAt")
    if any(f < 0 for f in rec.floors or []):
        raise user_error(ErrorCode.INVALID, "Floors are 0 or more.", "floors")


async def schedule(
    db: Any, row: Any, actor: int | None, publish_at: dt.datetime, expires_at: dt.datetime | None
) -> int:
    """Schedule the locked APPROVED `row` at `publish_at`: its schedule and queue entry."""
    states.check(row.status, AnnouncementStatus.SCHEDULED)
    h = row.hostel_id
    schedule_id = (
        await db.execute(
            text(
                "INSERT INTO announcement_schedules (hostel_id, announcement_id, publish_at, expires_at, status, created_by) "
                "VALUES (:h, :a, :p, :e, 'PENDING', :u) ON CONFLICT (hostel_id, announcement_id) DO UPDATE SET "
                "publish_at = EXCLUDED.publish_at, expires_at = EXCLUDED.expires_at, status = 'PENDING', "
                "failure_count = 0, last_error = NULL, updated_at = now(), updated_by = :u RETURNING id"
            ),
            {"h": h, "a": row.id, "p": publish_at, "e": expires_at, "u": actor},
        )
    ).scalar_one()
    await db.execute(
        text(
            "INSERT INTO announcement_publish_queue (hostel_id, announcement_id, schedule_id, due_at, priority_rank, "
            "created_by) VALUES (:h, :a, :s, :p, :r, :u)"
        ),
        {
            "h": h,
            "a": row.id,
            "s": schedule_id,
            "p": publish_at,
            "r": PRIORITY_RANK[AnnouncementPriority(row.priority)],
            "u": actor,
        },
    )
    await states.move(
        db,
        row,
        AnnouncementStatus.SCHEDULED,
        AnnouncementAction.SCHEDULED,
        actor,
        f"to publish at {publish_at.isoformat()}",
        scheduled_for=publish_at,
        expires_at=expires_at,
    )
    return int(schedule_id)


async def cancel_schedule(db: Any, hostel_id: int, announcement_id: int) -> None:
    """A withdrawn or archived announcement's schedule and queue entries end."""
    await db.execute(
        text(
            "UPDATE announcement_publish_queue SET status = 'CANCELLED', processed_at = now(), updated_at = now() "
            "WHERE hostel_id = :h AND announcement_id = :a AND status = 'WAITING'"
        ),
        {"h": hostel_id, "a": announcement_id},
    )
    await db.execute(
        text(
            "UPDATE announcement_schedules SET status = 'CANCELLED', updated_at = now() "
            "WHERE hostel_id = :h AND announcement_id = :a AND status = 'PENDING'"
        ),
        {"h": hostel_id, "a": announcement_id},
    )


async def _execution(db: Any, h: int, key: str, due: dt.datetime, now: dt.datetime, **values: Any) -> bool:
    """Write the execution of `key` at `due`; False when it existed (run already)."""
    columns = {"schedule_id": None, "recurring_id": None, "announcement_id": None, "recipients": 0, "error": None}
    columns.update(values)
    created = (
        await db.execute(
            text(
                "INSERT INTO announcement_schedule_executions (hostel_id, source_key, due_at, executed_at, status, "
                "schedule_id, recurring_id, announcement_id, recipients, error) "
                "VALUES (:h, :k, :due, :now, :status, :schedule_id, :recurring_id, :announcement_id, :recipients, :error) "
                "ON CONFLICT (hostel_id, source_key, due_at) DO NOTHING RETURNING id"
            ),
            {"h": h, "k": key, "due": due, "now": now, **columns},
        )
    ).first()
    return created is not None


async def _due_queue(db: Any, h: int, now: dt.datetime) -> int:
    done = 0
    entries = (
        await db.execute(
            text(
                "SELECT id, announcement_id, schedule_id, due_at FROM announcement_publish_queue "
                "WHERE hostel_id = :h AND status = 'WAITING' AND due_at <= :now "
                "ORDER BY priority_rank DESC, due_at, id FOR UPDATE SKIP LOCKED"
            ),
            {"h": h, "now": now},
        )
    ).all()
    for entry in entries:
        key = f"schedule:{entry.schedule_id or entry.id}"
        savepoint = await db.begin_nested()
        try:
            row = await states.lock(db, h, entry.announcement_id)
            recipients = await publishing.publish(db, row, None, now, "published at its scheduled time")
            if not await _execution(
                db,
                h,
                key,
                entry.due_at,
                now,
                status="SUCCEEDED",
                schedule_id=entry.schedule_id,
                announcement_id=entry.announcement_id,
                recipients=recipients,
            ):
                await savepoint.rollback()  # that due time ran already
                continue
            await savepoint.commit()
            outcome, error = "DONE", None
            done += 1
        except (UserErrors, Exception) as exc:  # noqa: BLE001 - one entry's failure is recorded, the rest go on
            await savepoint.rollback()
            outcome, error = "FAILED", (exc.errors[0].message if isinstance(exc, UserErrors) else error_message(exc))
            await _execution(
                db,
                h,
                key,
                entry.due_at,
                now,
                status="FAILED",
                schedule_id=entry.schedule_id,
                announcement_id=entry.announcement_id,
                error=error,
            )
            await db.execute(
                text(
                    "UPDATE announcement_schedules SET status = 'FAILED', failure_count = failure_count + 1, "
                    "last_error = :e, updated_at = now() WHERE id = :s"
                ),
                {"s": entry.schedule_id, "e": error},
            )
        await db.execute(
            text(
                "UPDATE announcement_publish_queue SET status = :s, attempts = attempts + 1, processed_at = :now, "
                "last_error = :e, updated_at = now() WHERE id = :id"
            ),
            {"s": outcome, "now": now, "e": error, "id": entry.id},
        )
        if outcome == "DONE" and entry.schedule_id is not None:
            await db.execute(
                text("UPDATE announcement_schedules SET status = 'PUBLISHED', updated_at = now() WHERE id = :s"),
                {"s": entry.schedule_id},
            )
    return done


async def _due_recurring(db: Any, h: int, now: dt.datetime) -> int:
    done = 0
    due = (
        await db.execute(
            text(
                "SELECT id, title, content, category, priority, pattern, floors, requires_acknowledgment, next_run_at, "
                "ends_at, created_by FROM recurring_announcements WHERE hostel_id = :h AND active AND next_run_at <= :now "
                "AND (ends_at IS NULL OR next_run_at <= ends_at) ORDER BY next_run_at, id FOR UPDATE SKIP LOCKED"
            ),
            {"h": h, "now": now},
        )
    ).all()
    for rec in due:
        key = f"recurring:{rec.id}"
        nxt = rec.next_run_at
        while nxt <= now:
            nxt = nxt + STEP[rec.pattern]
        savepoint = await db.begin_nested()
        try:
            announcement_id = (
                await db.execute(
                    text(
                        "INSERT INTO announcements (hostel_id, title, content, category, priority, status, author_user_id, "
                        "requires_acknowledgment, recurring_id, created_by) VALUES (:h, :t, :c, :cat, :p, 'APPROVED', NULL, "
                        ":ack, :r, :u) RETURNING id"
                    ),
                    {
                        "h": h,
                        "t": rec.title,
                        "c": rec.content,
                        "cat": rec.category,
                        "p": rec.priority,
                        "ack": rec.requires_acknowledgment,
                        "r": rec.id,
                        "u": rec.created_by,
                    },
                )
            ).scalar_one()
            await db.execute(
                text(
                    "INSERT INTO announcement_targets (hostel_id, announcement_id, target_type, floors) "
                    "VALUES (:h, :a, :k, :f)"
                ),
                {"h": h, "a": announcement_id, "k": "FLOORS" if rec.floors else "ALL", "f": list(rec.floors)},
            )
            row = await states.lock(db, h, announcement_id)
            await states.record(
                db,
                row,
                AnnouncementAction.CREATED,
                AnnouncementStatus.APPROVED,
                None,
                f"generated by recurring announcement {rec.id} for {rec.next_run_at.isoformat()}",
            )
            recipients = await publishing.publish(db, row, None, now, "published by its recurring announcement")
            if not await _execution(
                db,
                h,
                key,
                rec.next_run_at,
                now,
                status="SUCCEEDED",
                recurring_id=rec.id,
                announcement_id=announcement_id,
                recipients=recipients,
            ):
                await savepoint.rollback()
                continue
            await savepoint.commit()
            done += 1
        except (UserErrors, Exception) as exc:  # noqa: BLE001 - recorded; the next due time tries again
            await savepoint.rollback()
            error = exc.errors[0].message if isinstance(exc, UserErrors) else error_message(exc)
            await _execution(db, h, key, rec.next_run_at, now, status="FAILED", recurring_id=rec.id, error=error)
        await db.execute(
            text(
                "UPDATE recurring_announcements SET next_run_at = :n, last_run_at = :now, run_count = run_count + 1, "
                "updated_at = now() WHERE id = :id"
            ),
            {"n": nxt, "now": now, "id": rec.id},
        )
    return done


async def _expired(db: Any, h: int, now: dt.datetime) -> int:
    ids = list(
        (
            await db.execute(
                text(
                    "SELECT id FROM announcements WHERE hostel_id = :h AND status = 'PUBLISHED' AND expires_at <= :now "
                    "ORDER BY id"
                ),
                {"h": h, "now": now},
            )
        ).scalars()
    )
    for announcement_id in ids:
        row = await states.lock(db, h, announcement_id)
        if row.status == AnnouncementStatus.PUBLISHED.value:
            await states.move(
                db, row, AnnouncementStatus.ARCHIVED, AnnouncementAction.ARCHIVED, None, "expired", archived_at=now
            )
    return len(ids)


async def _overdue_approvals(db: Any, h: int, now: dt.datetime) -> int:
    rows = (
        await db.execute(
            text(
                "UPDATE announcement_approvals a SET escalated_at = :now, updated_at = now() "
                "FROM announcement_approval_workflows w, announcements n "
                "WHERE a.hostel_id = :h AND a.status = 'PENDING' AND a.due_at <= :now AND a.escalated_at IS NULL "
                "AND w.hostel_id = a.hostel_id AND w.id = a.workflow_id AND n.hostel_id = a.hostel_id "
                "AND n.id = a.announcement_id "
                "RETURNING a.id, a.announcement_id, a.created_at, w.escalate_to_user_id, n.title"
            ),
            {"h": h, "now": now},
        )
    ).all()
    for approval in rows:
        row = await states.lock(db, h, approval.announcement_id)
        hours = int((now - approval.created_at).total_seconds() // 3600)
        await states.record(
            db,
            row,
            AnnouncementAction.ESCALATED,
            AnnouncementStatus(row.status),
            None,
            f"no decision after {hours} hours",
            approval.id,
        )
        if approval.escalate_to_user_id is not None:
            await notify(
                db,
                hostel_id=h,
                user_ids=[approval.escalate_to_user_id],
                type=OVERDUE,
                data={"title": approval.title, "hours": hours, "announcement_id": approval.announcement_id},
                source="announcement",
                priority=NotificationPriority.HIGH,
            )
    return len(rows)


async def run_due_in(db: Any, h: int, now: dt.datetime) -> dict[str, int]:
    return {
        "published": await _due_queue(db, h, now),
        "recurring": await _due_recurring(db, h, now),
        "archived": await _expired(db, h, now),
        "escalated": await _overdue_approvals(db, h, now),
    }


async def run_due(hostel_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """What is due in one hostel at `now` (see the module's docstring); counts of each kind."""
    async with scoped(hostel_id=hostel_id) as conn:
        return await run_due_in(conn, hostel_id, now or dt.datetime.now(dt.UTC))


@app.periodic(cron="* * * * *")
@app.task(
    name="run_announcement_schedules", queue=SCHEDULE_QUEUE, queueing_lock="run_announcement_schedules", retry=RETRY
)
async def run_announcement_schedules(timestamp: int) -> None:
    async with _engine().begin() as conn:
        await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
        hostels = list((await conn.execute(text("SELECT id FROM hostels WHERE active ORDER BY id"))).scalars())
    for hostel_id in hostels:
        counts = await run_due(hostel_id)
        if any(counts.values()):
            log.info("announcement schedules", extra={"hostel_id": hostel_id, **counts})
