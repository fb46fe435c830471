"""The delivery job: one per `NotificationQueue` row, on the `notifications` queue.

Each run locks its delivery row; a delivery already ended (DELIVERED, FAILED) is left alone, so
a job run twice sends once. The provider is called with the delivery's idempotency key; if it
raises (or the commit after it fails), the attempt, the error and the move to RETRYING are written
in a transaction of their own and procrastinate runs the job again after its backoff (2, 4, 8,
16 s); the last attempt moves it to FAILED. A provider that already sent under the key (its
answer was lost) answers the retry without sending again: a retried delivery is delivered once.

Account mail (no hostel) runs the same way in a transaction of no tenant with the pipeline's
`app.account_scope` on (the only rows it then sees are those of no hostel).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import procrastinate
from sqlalchemy import text

from resolvers.jobs.tasks import Backoff, JobRefused, _run, app, error_message, scoped
from resolvers.notification import account as _account  # noqa: F401 - its types and job, in the worker too
from resolvers.notification import pipeline, providers

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY = Backoff(max_attempts=MAX_ATTEMPTS, exponential_wait=2)
ENDED = ("DELIVERED", "FAILED")


async def _history(conn: Any, row: Any, to: str, attempt: int, note: str | None) -> None:
    await conn.execute(
        text(
            "INSERT INTO notification_status_history "
            "(hostel_id, notification_id, delivery_id, from_status, to_status, attempt, note) "
            "VALUES (:h, :n, :d, :f, :t, :a, :note)"
        ),
        {
            "h": row.hostel_id,
            "n": row.notification_id,
            "d": row.id,
            "f": row.status,
            "t": to,
            "a": attempt,
            "note": note,
        },
    )


async def _settle_notification(conn: Any, notification_id: int) -> None:
    """A notification all of whose deliveries ended is SENT (one delivered) or FAILED."""
    await conn.execute(
        text(
            "UPDATE notifications SET status = CASE WHEN s.delivered THEN 'SENT' ELSE 'FAILED' END, updated_at = now() "
            "FROM (SELECT bool_or(status = 'DELIVERED') AS delivered, "
            "      bool_and(status IN ('DELIVERED', 'FAILED')) AS ended "
            "      FROM notification_queue WHERE notification_id = :n) s "
            "WHERE id = :n AND s.ended"
        ),
        {"n": notification_id},
    )


async def _message(conn: Any, row: Any) -> providers.OutgoingMessage:
    n = (
        await conn.execute(
            text("SELECT title, body, data FROM notifications WHERE id = :n"), {"n": row.notification_id}
        )
    ).one()
    title, body, recipient = n.title, n.body, [str(row.user_id)]
    headers: dict[str, str] = {}
    if row.channel == "EMAIL":
        e = (
            await conn.execute(
                text(
                    "SELECT to_address, subject, body_text, unsubscribe_url FROM email_notifications "
                    "WHERE delivery_id = :d"
                ),
                {"d": row.id},
            )
        ).one()
        title, body, recipient = e.subject, e.body_text, [e.to_address]
        if e.unsubscribe_url:  # account mail has none
            headers = {
                "List-Unsubscribe": f"<{e.unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
    elif row.channel == "SMS":
        s = (
            await conn.execute(
                text("SELECT to_phone, body FROM sms_notifications WHERE delivery_id = :d"), {"d": row.id}
            )
        ).one()
        body, recipient = s.body, [s.to_phone]
    elif row.channel == "PUSH":
        p = (
            await conn.execute(text("SELECT title, body FROM push_notifications WHERE delivery_id = :d"), {"d": row.id})
        ).one()
        title, body = p.title, p.body
        recipient = list(
            (
                await conn.execute(
                    text("SELECT token FROM device_tokens WHERE user_id = :u AND active ORDER BY id"),
                    {"u": row.user_id},
                )
            ).scalars()
        )
    return providers.OutgoingMessage(
        delivery_id=row.id,
        notification_id=row.notification_id,
        hostel_id=row.hostel_id,
        channel=row.channel,
        recipient=recipient,
        title=title,
        body=body,
        data=dict(n.data or {}),
        headers=headers,
    )


SELECT_DELIVERY = text(
    "SELECT id, hostel_id, notification_id, user_id, channel, status, attempts FROM notification_queue "
    "WHERE id = :d FOR UPDATE"
)


@asynccontextmanager
async def _scoped(hostel_id: int | None) -> AsyncIterator[Any]:
    """The delivery's transaction: its hostel's scope, or the account scope (no hostel)."""
    async with scoped(hostel_id=hostel_id) as conn:
        if hostel_id is None:
            await pipeline.set_account_scope(conn, True)
        yield conn


async def deliver(hostel_id: int | None, delivery_id: int, final: bool = False) -> str:
    """Run one attempt of a delivery; returns its status afterwards. Raises when the provider
    failed and an attempt remains (the job is retried)."""
    try:
        async with _scoped(hostel_id) as conn:
            row = (await conn.execute(SELECT_DELIVERY, {"d": delivery_id})).first()
            if row is None:
                raise JobRefused(f"no delivery {delivery_id} in hostel {hostel_id}")
            if row.status in ENDED:
                return str(row.status)
            provider = providers.provider_for(row.channel)
            provider_id = await provider.send(await _message(conn, row))
            attempt = row.attempts + 1
            await conn.execute(
                text(
                    "UPDATE notification_queue SET status = 'DELIVERED', attempts = :a, delivered_at = now(), "
                    "provider = :p, provider_message_id = :pid, last_error = NULL, updated_at = now() WHERE id = :d"
                ),
                {"a": attempt, "p": provider.name, "pid": provider_id, "d": delivery_id},
            )
            table = {"EMAIL": "email_notifications", "SMS": "sms_notifications", "PUSH": "push_notifications"}
            if row.channel in table:
                await conn.execute(
                    text(f"UPDATE {table[row.channel]} SET sent_at = now() WHERE delivery_id = :d"), {"d": delivery_id}
                )
            await _history(conn, row, "DELIVERED", attempt, provider.name)
            await _settle_notification(conn, row.notification_id)
            return "DELIVERED"
    except JobRefused:
        raise
    except Exception as exc:  # the provider failed, or the commit after it: record, then retry or fail
        status = await _record_failure(hostel_id, delivery_id, exc, final)
        if status == "FAILED":
            log.warning("notification delivery failed", extra={"delivery_id": delivery_id, "error": error_message(exc)})
        raise


async def _record_failure(hostel_id: int | None, delivery_id: int, exc: BaseException, final: bool) -> str:
    status = "FAILED" if final else "RETRYING"
    async with _scoped(hostel_id) as conn:
        row = (await conn.execute(SELECT_DELIVERY, {"d": delivery_id})).first()
        if row is None or row.status in ENDED:
            return str(row.status) if row else status
        attempt = row.attempts + 1
        await conn.execute(
            text(
                "UPDATE notification_queue SET status = :s, attempts = :a, last_error = :e, updated_at = now() "
                "WHERE id = :d"
            ),
            {"s": status, "a": attempt, "e": error_message(exc), "d": delivery_id},
        )
        await _history(conn, row, status, attempt, error_message(exc))
        if final:
            await _settle_notification(conn, row.notification_id)
    return status


@app.task(name=pipeline.TASK, queue=pipeline.QUEUE, retry=RETRY, pass_context=True)
async def deliver_notification(context: procrastinate.JobContext, hostel_id: int | None, delivery_id: int) -> None:
    """Deliver one notification on one channel (see the module's docstring)."""
    final = context.job.attempts + 1 >= MAX_ATTEMPTS

    async def work() -> None:
        await deliver(hostel_id, delivery_id, final=final)

    await _run(context, work)  # keeps the error for the platform's job list
