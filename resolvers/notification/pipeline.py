"""`notify`: the one call every domain makes to tell people something.

    await notify(session, hostel_id=booking.hostel_id, user_ids=[booking.booker_user_id],
                 type="booking.confirmed", data={"reference": booking.reference}, source="booking")

In the caller's transaction (a mutation's savepoint, or a job's scoped connection), so a change
rolled back tells nobody:

1. the type's `RoutingRule` gives the channels and priority (no rule: in-app only, NORMAL);
2. each recipient's preferences decide, per channel, SEND, DEFER (quiet hours, unless URGENT)
   or SKIP (unsubscribed, channel turned off, no address or device): a `NotificationRoute` each;
3. each channel's template (the recipient's language, else English; latest active version;
   else the default text the domain registered for the type) is rendered with `data`: a missing
   template or variable is a clear error and nothing is written;
4. the in-app `Notification`, and per sent or deferred channel a `NotificationQueue` delivery
   (with its email/SMS/push record and a first status-history row) and a delivery job, due
   now or at the end of the quiet hours.

`hostel_id=None` is the account scope (resolvers/notification/account.py): a type registered
with `register_account_type`, its platform texts, sent at once on its channels whatever the
recipient's hostel settings; `addresses` (an email or a phone number of no account) and
`private` (variables of the email/SMS only, never stored in the in-app copy) serve it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text, update

import models as m
from kit.errors import ErrorCode, UserErrors, user_error
from kit.live import publish
from resolvers.notification import templates, unsubscribe

QUEUE = "notifications"  # the delivery jobs' queue (resolvers/notification/delivery.py)
TASK = "deliver_notification"
DEFAULT_LANGUAGE = "en"
DEFER_SQL = text(
    "SELECT procrastinate.procrastinate_defer_jobs_v1(ARRAY("
    "SELECT ROW(:queue, :task, 0, NULL, NULL, jsonb_build_object('hostel_id', CAST(:hostel AS bigint), "
    "'delivery_id', d), s)::procrastinate.procrastinate_job_to_defer_v1 "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:ats AS timestamptz[])) AS x(d, s)))"
)


# Texts a domain ships with its notification types, used where a hostel has no template of its
# own for that type and channel (a hostel's template always wins): a domain's notification
# works in every hostel from the start. `register_defaults` at import of the domain's module.
DEFAULTS: dict[str, dict[str, tuple[str | None, str]]] = {}


def register_defaults(type_: str, texts: dict[str, tuple[str | None, str]]) -> None:
    """Default (subject, body) per channel of a notification type (Jinja2, like templates)."""
    for source in (t for pair in texts.values() for t in pair if t):
        templates.check(source)
    DEFAULTS[type_] = texts


# Account types (no hostel): their channels besides in-app, from the texts registered.
ACCOUNT_TYPES: dict[str, tuple[str, ...]] = {}
ACCOUNT_SCOPE = "app.account_scope"


def register_account_type(type_: str, texts: dict[str, tuple[str | None, str]]) -> None:
    """An account type (password reset, invitation): its platform texts are the only ones, its
    channels those texts name; a user recipient also gets the in-app copy."""
    if "IN_APP" not in texts:
        raise ValueError(f"{type_}: an account type says in-app what happened")
    register_defaults(type_, texts)
    ACCOUNT_TYPES[type_] = tuple(c for c in texts if c != "IN_APP")


async def set_account_scope(db: Any, on: bool) -> None:
    """Row-level security's `account_scope` policy: rows of no hostel readable and writable
    (transaction-local; the pipeline turns it off again when it is done)."""
    await db.execute(text("SELECT set_config(:k, :v, true)"), {"k": ACCOUNT_SCOPE, "v": "on" if on else ""})


@dataclass
class NotifyResult:
    batch_id: int
    notification_ids: list[int] = field(default_factory=list)
    delivery_ids: list[int] = field(default_factory=list)
    deferred: int = 0
    skipped: int = 0


@dataclass
class _Recipient:
    id: int | None  # None: an address of no account (account mail)
    email: str | None
    phone: str | None
    language: str
    devices: int = 0
    unsubscribed_all: bool = False
    quiet: tuple[dt.time, dt.time] | None = None
    switched: dict[tuple[str, str], bool] = field(default_factory=dict)  # (channel, type or *) -> enabled


async def _executor(target: Any) -> Any:
    """The request's session (from a ctx), a session, or a job's connection: all `execute`."""
    if hasattr(target, "db") and hasattr(target.db, "session"):
        target = await target.db.session()
    if hasattr(target, "flush"):
        await target.flush()  # the caller's pending rows first: the notification may refer to them
    return target


def quiet_until(now: dt.datetime, zone: str, quiet: tuple[dt.time, dt.time] | None) -> dt.datetime | None:
    """The end of the quiet hours `now` falls in (local times of `zone`), or None."""
    if quiet is None or quiet[0] == quiet[1]:
        return None
    start, end = quiet
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    until = dt.datetime.combine(local.date(), end, tzinfo=tz)
    if until <= local:
        until += dt.timedelta(days=1)
    return until.astimezone(dt.UTC)


async def notify(
    target: Any,
    *,
    hostel_id: int | None,
    user_ids: list[int] | None = None,
    type: str,  # noqa: A002 - the name every caller reads
    data: dict[str, Any] | None = None,
    source: str | None = None,
    priority: m.NotificationPriority | None = None,
    now: dt.datetime | None = None,
    addresses: list[str] | None = None,
    private: dict[str, Any] | None = None,
) -> NotifyResult:
    """Tell `user_ids` (of hostel `hostel_id`) about `type`; see the module's docstring.
    Raises UserErrors (INVALID) when a template is missing or does not render."""
    db = await _executor(target)
    if hostel_id is None:
        if type not in ACCOUNT_TYPES:
            raise user_error(ErrorCode.INVALID, f"{type!r} is not account mail: a notification names its hostel.")
        await set_account_scope(db, True)
        # on an error the caller's savepoint or transaction rolls back, and the setting with it
        result = await _notify(db, None, user_ids or [], type, data, source, priority, now, addresses, private)
        await set_account_scope(db, False)
        return result
    if addresses or private:
        raise user_error(ErrorCode.INVALID, "Addresses and private data are for account mail (no hostel) only.")
    return await _notify(db, hostel_id, user_ids or [], type, data, source, priority, now, None, None)


async def _notify(
    db: Any,
    hostel_id: int | None,
    user_ids: list[int],
    type: str,  # noqa: A002
    data: dict[str, Any] | None,
    source: str | None,
    priority: m.NotificationPriority | None,
    now: dt.datetime | None,
    addresses: list[str] | None,
    private: dict[str, Any] | None,
) -> NotifyResult:
    account = hostel_id is None
    data = dict(data or {})
    private = dict(private or {})
    now = now or dt.datetime.now(dt.UTC)
    user_ids = sorted(set(user_ids))
    addresses = sorted({a.strip() for a in addresses or () if a and a.strip()})
    if not user_ids and not addresses:
        raise user_error(ErrorCode.INVALID, "A notification needs at least one recipient.")
    params = {"h": hostel_id, "t": type, "ids": user_ids}

    if account:
        # the platform's texts and channels; transactional: sent at once (through quiet hours)
        rule = None
        channels = ["IN_APP", *ACCOUNT_TYPES[type]]
        level = priority or m.NotificationPriority.URGENT
        zone = "UTC"
    else:
        rule = (
            await db.execute(
                text(
                    "SELECT id, channels, priority FROM notification_routing_rules "
                    "WHERE hostel_id = :h AND notification_type = :t AND active"
                ),
                params,
            )
        ).first()
        channels = ["IN_APP", *(c for c in (rule.channels if rule else []) if c != "IN_APP")]
        level = priority or (m.NotificationPriority(rule.priority) if rule else m.NotificationPriority.NORMAL)
        zone = (await db.execute(text("SELECT time_zone FROM hostels WHERE id = :h"), params)).scalar_one()

    people: dict[int, _Recipient] = {}
    if user_ids:
        people = {
            row.id: _Recipient(row.id, row.email, row.phone, row.preferred_language or DEFAULT_LANGUAGE)
            for row in await db.execute(
                text(
                    "SELECT u.id, u.email, u.phone, p.preferred_language FROM users u "
                    "LEFT JOIN user_profiles p ON p.user_id = u.id WHERE u.id = ANY(:ids) AND u.active"
                ),
                params,
            )
        }
    missing = [i for i in user_ids if i not in people]
    if missing:
        raise user_error(ErrorCode.NOT_FOUND, f"No active user {missing[0]} to notify.")
    if account:
        strangers = [_address(a) for a in addresses]
        for person in strangers:
            if (person.email and "EMAIL" not in channels) or (person.phone and "SMS" not in channels):
                raise user_error(ErrorCode.INVALID, f"{type!r} is not sent by {'email' if person.email else 'SMS'}.")
        return await _write(
            db, None, type, data, private, source, level, now, zone, None, channels, people, {}, strangers
        )
    for row in await db.execute(
        text(
            "SELECT user_id, language, quiet_hours_start, quiet_hours_end, unsubscribed_all "
            "FROM notification_preferences WHERE hostel_id = :h AND user_id = ANY(:ids)"
        ),
        params,
    ):
        person = people[row.user_id]
        person.language = row.language or person.language
        person.unsubscribed_all = row.unsubscribed_all
        if row.quiet_hours_start is not None and row.quiet_hours_end is not None:
            person.quiet = (row.quiet_hours_start, row.quiet_hours_end)
    for row in await db.execute(
        text(
            "SELECT user_id, channel, notification_type, enabled FROM channel_preferences "
            "WHERE hostel_id = :h AND user_id = ANY(:ids) AND notification_type IN (:t, '*')"
        ),
        params,
    ):
        people[row.user_id].switched[(row.channel, row.notification_type)] = row.enabled
    for row in await db.execute(
        text(
            "SELECT user_id, count(*) AS n FROM device_tokens "
            "WHERE hostel_id = :h AND user_id = ANY(:ids) AND active GROUP BY user_id"
        ),
        params,
    ):
        people[row.user_id].devices = row.n

    versions: dict[tuple[str, str], tuple[str | None, str]] = {
        (row.channel, row.language): (row.subject, row.body)
        for row in await db.execute(
            text(
                "SELECT t.channel, t.language, v.subject, v.body FROM notification_templates t "
                "JOIN LATERAL (SELECT subject, body FROM notification_template_versions v "
                "  WHERE v.hostel_id = t.hostel_id AND v.template_id = t.id AND v.is_active "
                "  ORDER BY v.version DESC LIMIT 1) v ON true "
                "WHERE t.hostel_id = :h AND t.code = :t AND t.active"
            ),
            params,
        )
    }

    return await _write(
        db, hostel_id, type, data, private, source, level, now, zone, rule, channels, people, versions, []
    )


def _address(address: str) -> _Recipient:
    if "@" in address:
        return _Recipient(None, address.lower(), None, DEFAULT_LANGUAGE)
    if sum(c.isdigit() for c in address) < 7:
        raise user_error(ErrorCode.INVALID, f"{address!r} is neither an email address nor a phone number.")
    return _Recipient(None, None, address, DEFAULT_LANGUAGE)


async def _write(
    db: Any,
    hostel_id: int | None,
    type: str,  # noqa: A002
    data: dict[str, Any],
    private: dict[str, Any],
    source: str | None,
    level: m.NotificationPriority,
    now: dt.datetime,
    zone: str,
    rule: Any,
    channels: list[str],
    people: dict[int, _Recipient],
    versions: dict[tuple[str, str], tuple[str | None, str]],
    strangers: list[_Recipient],
) -> NotifyResult:
    def rendered(channel: str, language: str) -> tuple[str, str]:
        version = (
            versions.get((channel, language))
            or versions.get((channel, DEFAULT_LANGUAGE))
            or DEFAULTS.get(type, {}).get(channel)
        )
        if version is None:
            raise user_error(
                ErrorCode.INVALID, f"No active {channel} template for notification type {type!r} ({language})."
            )
        subject, body = version
        values = data if channel == "IN_APP" else {**data, **private}  # the link never in-app
        try:
            return templates.render(subject or "", values), templates.render(body, values)
        except templates.TemplateProblem as exc:
            raise user_error(ErrorCode.INVALID, f"The {channel} template of {type!r} does not render: {exc}") from None

    # every template renders before anything is written: a broken one changes nothing
    def channels_of(person: _Recipient) -> list[str]:
        if person.id is not None:
            return channels
        return ["EMAIL" if person.email else "SMS"]  # an address of no account: that channel only

    everyone = [*people.values(), *strangers]
    texts = {
        (n, channel): rendered(channel, p.language)
        for n, p in enumerate(everyone)
        for channel in dict.fromkeys(["IN_APP", *channels_of(p)])  # the row's text is the in-app one
    }

    batch_id = (
        await db.execute(
            insert(m.NotificationBatch.__table__)
            .values(hostel_id=hostel_id, notification_type=type, source=source, recipient_count=len(everyone))
            .returning(m.NotificationBatch.__table__.c.id)
        )
    ).scalar_one()
    result = NotifyResult(batch_id)
    jobs: list[tuple[int, dt.datetime]] = []
    for n, person in enumerate(everyone):
        title, body = texts[(n, "IN_APP")]
        notification_id = (
            await db.execute(
                insert(m.Notification.__table__)
                .values(
                    hostel_id=hostel_id,
                    user_id=person.id,
                    batch_id=batch_id,
                    notification_type=type,
                    priority=level.value,
                    title=title,
                    body=body,
                    data=data,
                )
                .returning(m.Notification.__table__.c.id)
            )
        ).scalar_one()
        result.notification_ids.append(notification_id)
        # notificationReceived (schema/live.py): heard at COMMIT, never if this write rolls back
        if person.id is not None:
            await publish(db, f"notification:{person.id}", id=notification_id)
        for channel in channels_of(person):
            decision, reason, due = _route(person, channel, type, level, now, zone, hostel_id is None)
            await db.execute(
                insert(m.NotificationRoute.__table__).values(
                    hostel_id=hostel_id,
                    notification_id=notification_id,
                    rule_id=rule.id if rule else None,
                    channel=channel,
                    decision=decision.value,
                    reason=reason,
                )
            )
            if decision is m.RouteDecision.SKIP:
                result.skipped += 1
                continue
            status = m.DeliveryStatus.DEFERRED if decision is m.RouteDecision.DEFER else m.DeliveryStatus.QUEUED
            result.deferred += decision is m.RouteDecision.DEFER
            delivery_id = (
                await db.execute(
                    insert(m.NotificationQueue.__table__)
                    .values(
                        hostel_id=hostel_id,
                        notification_id=notification_id,
                        user_id=person.id,
                        channel=channel,
                        status=status.value,
                        scheduled_for=due,
                    )
                    .returning(m.NotificationQueue.__table__.c.id)
                )
            ).scalar_one()
            await _channel_record(db, hostel_id, delivery_id, channel, person, type, *texts[(n, channel)])
            await db.execute(
                insert(m.NotificationStatusHistory.__table__).values(
                    hostel_id=hostel_id,
                    notification_id=notification_id,
                    delivery_id=delivery_id,
                    to_status=status.value,
                    note=reason,
                )
            )
            result.delivery_ids.append(delivery_id)
            jobs.append((delivery_id, due))
    await db.execute(
        update(m.NotificationBatch.__table__)
        .where(m.NotificationBatch.__table__.c.id == batch_id)
        .values(delivery_count=len(jobs), deferred_count=result.deferred, skipped_count=result.skipped)
    )
    if jobs:
        # in this transaction, so the jobs exist exactly when the rows do
        await db.execute(
            DEFER_SQL,
            {
                "queue": QUEUE,
                "task": TASK,
                "hostel": hostel_id,
                "ids": [j[0] for j in jobs],
                "ats": [j[1] for j in jobs],
            },
        )
    return result


def _route(
    person: _Recipient,
    channel: str,
    type_: str,
    level: m.NotificationPriority,
    now: dt.datetime,
    zone: str,
    account: bool = False,
) -> tuple[m.RouteDecision, str | None, dt.datetime]:
    if channel == "IN_APP":
        return m.RouteDecision.SEND, None, now
    if account:
        # security mail: whatever the hostel settings say, now, where there is an address
        if channel == "EMAIL" and not person.email:
            return m.RouteDecision.SKIP, "no email address", now
        if channel == "SMS" and not person.phone:
            return m.RouteDecision.SKIP, "no phone number", now
        return m.RouteDecision.SEND, None, now
    if person.unsubscribed_all:
        return m.RouteDecision.SKIP, "unsubscribed from email, SMS and push", now
    enabled = person.switched.get((channel, type_), person.switched.get((channel, "*"), True))
    if not enabled:
        return m.RouteDecision.SKIP, f"{channel} turned off for this type", now
    if channel == "EMAIL" and not person.email:
        return m.RouteDecision.SKIP, "no email address", now
    if channel == "SMS" and not person.phone:
        return m.RouteDecision.SKIP, "no phone number", now
    if channel == "PUSH" and not person.devices:
        return m.RouteDecision.SKIP, "no device registered", now
    until = None if level is m.NotificationPriority.URGENT else quiet_until(now, zone, person.quiet)
    if until is not None:
        return m.RouteDecision.DEFER, "quiet hours", until
    return m.RouteDecision.SEND, None, now


async def _channel_record(
    db: Any,
    hostel_id: int | None,
    delivery_id: int,
    channel: str,
    person: _Recipient,
    type_: str,
    title: str,
    body: str,
) -> None:
    base = {"hostel_id": hostel_id, "delivery_id": delivery_id}
    if channel == "EMAIL":
        # account mail is not unsubscribed from (a reset must reach whoever turned email off)
        link = None if hostel_id is None else await unsubscribe.issue(db, hostel_id, person.id, "EMAIL", type_)
        values = {**base, "to_address": person.email, "subject": title, "body_text": body, "unsubscribe_url": link}
        await db.execute(insert(m.EmailNotification.__table__).values(**values))
    elif channel == "SMS":
        segments = max(1, -(-len(body) // 160))
        await db.execute(
            insert(m.SMSNotification.__table__).values(**base, to_phone=person.phone, body=body, segments=segments)
        )
    elif channel == "PUSH":
        await db.execute(
            insert(m.PushNotification.__table__).values(**base, title=title, body=body, token_count=person.devices)
        )


__all__ = ["NotifyResult", "UserErrors", "notify", "quiet_until", "register_account_type"]
