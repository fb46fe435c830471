"""The notification workflows of the GraphQL API (schema/notification.py): reading, the
person's own settings and devices, template publishing, one-click unsubscribe; and the check of
a routing rule's channels."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from sqlalchemy import func, select, text

import models as m
from kit.errors import ErrorCode, user_error
from kit.ids import InvalidId, decode_gid
from kit.workflow import Doc, GlobalID, Ref
from resolvers.notification import templates, unsubscribe

CHANNELS = {c.value for c in m.NotificationChannel}


def _hostel(ctx: Any) -> int:
    if ctx.hostel_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a hostel (X-Tenant-Id): notification settings are per hostel.")
    return int(ctx.hostel_id)


async def check_routing_rule(ctx: Any, session: Any, rule: m.RoutingRule) -> None:
    """A rule names at least one channel, each a known one, each once."""
    channels = list(rule.channels or [])
    unknown = [c for c in channels if c not in CHANNELS]
    if not channels or unknown or len(set(channels)) != len(channels):
        raise user_error(
            ErrorCode.INVALID,
            f"Channels must be distinct values among {', '.join(sorted(CHANNELS))}"
            + (f"; {unknown[0]!r} is not one." if unknown else "."),
            "channels",
        )


async def publish_template_version(
    ctx: Any,
    session: Any,
    notification_template_id: Ref[m.NotificationTemplate],
    body: Annotated[str, Doc("The text (Jinja2: {{ variable }} from the notification's data).")],
    subject: Annotated[str | None, Doc("Title (in-app, push) or subject (email).")] = None,
) -> int:
    """Publish a new version of a template: it becomes the one rendered; earlier ones stay as history."""
    for name, source in (("body", body), ("subject", subject or "")):
        try:
            templates.check(source)
        except templates.TemplateProblem as exc:
            raise user_error(ErrorCode.INVALID, f"The template does not parse: {exc}", name) from None
    if not body.strip():
        raise user_error(ErrorCode.INVALID, "A template needs a body.", "body")
    template = await session.get(m.NotificationTemplate, notification_template_id, with_for_update=True)
    latest = await session.scalar(
        select(func.max(m.NotificationTemplateVersion.version)).where(
            m.NotificationTemplateVersion.template_id == template.id
        )
    )
    version = m.NotificationTemplateVersion(
        template_id=template.id, version=(latest or 0) + 1, subject=subject, body=body, is_active=True
    )
    session.add(version)
    await session.flush()
    return version.id


@asynccontextmanager
async def own_notification_scope(session: Any, hostel_id: int | None) -> AsyncIterator[None]:
    """`hostel_scope` for a hostel's notification; the account scope for account mail."""
    if hostel_id is not None:
        async with hostel_scope(session, hostel_id):
            yield
        return
    from resolvers.notification.pipeline import set_account_scope

    await set_account_scope(session, True)
    yield
    await set_account_scope(session, False)


@asynccontextmanager
async def hostel_scope(session: Any, hostel_id: int, user_id: int | None = None) -> AsyncIterator[None]:
    """Row-level security scoped to `hostel_id` (and `user_id`) for a few statements, then back
    to the request's: for a row the caller was shown to own (a visitor's notification has no
    tenant of theirs) or a signed link names. Only Core statements run inside (the ORM's tenant
    guard speaks for the request's tenant)."""
    keys = ("app.hostel_id", "app.user_id")
    before = (
        await session.execute(
            text("SELECT current_setting('app.hostel_id', true), current_setting('app.user_id', true)")
        )
    ).one()
    values = (str(hostel_id), before[1] if user_id is None else str(user_id))
    await session.execute(
        text("SELECT set_config(:k0, :v0, true), set_config(:k1, :v1, true)"),
        {"k0": keys[0], "v0": values[0], "k1": keys[1], "v1": values[1]},
    )
    yield
    # on an exception the mutation's savepoint is rolled back, and the settings with it
    await session.execute(
        text("SELECT set_config(:k0, :v0, true), set_config(:k1, :v1, true)"),
        {"k0": keys[0], "v0": before[0] or "", "k1": keys[1], "v1": before[1] or ""},
    )


async def mark_read(
    ctx: Any,
    session: Any,
    notification_id: Annotated[GlobalID, Doc("Global ID of one of your Notifications.")],
) -> int:
    """Mark one of your notifications read (again: nothing changes); a read receipt records when.
    Works without the notification's hostel as tenant (a visitor's waitlist offer): the ID is
    checked against its owner here, where `Ref` would check it against the caller's tenant."""
    try:
        kind, pk = decode_gid(str(notification_id))
    except InvalidId:
        kind, pk = "", 0
    row = (
        None
        if kind != "Notification"
        else (
            await session.execute(
                text("SELECT id, hostel_id, user_id, read_at FROM notifications WHERE id = :id"), {"id": pk}
            )
        ).first()
    )
    if row is None or row.user_id != ctx.user_id:  # the row filter already hides them: belt and braces
        raise user_error(ErrorCode.NOT_FOUND, "No Notification with this ID.", "notificationId")
    if row.read_at is None:
        async with own_notification_scope(session, row.hostel_id):
            await session.execute(
                text("UPDATE notifications SET read_at = now(), updated_at = now() WHERE id = :id AND read_at IS NULL"),
                {"id": row.id},
            )
            await session.execute(
                text(
                    "INSERT INTO notification_read_receipts (hostel_id, notification_id, user_id, channel, read_at) "
                    "VALUES (:h, :n, :u, 'IN_APP', now()) ON CONFLICT DO NOTHING"
                ),
                {"h": row.hostel_id, "n": row.id, "u": ctx.user_id},
            )
    return int(row.id)


async def _own_preference(ctx: Any, session: Any) -> m.NotificationPreference:
    hostel_id = _hostel(ctx)
    pref = await session.scalar(
        select(m.NotificationPreference)
        .where(m.NotificationPreference.hostel_id == hostel_id, m.NotificationPreference.user_id == ctx.user_id)
        .with_for_update()
    )
    if pref is None:
        pref = m.NotificationPreference(user_id=ctx.user_id)
        session.add(pref)
    return pref


async def update_preference(
    ctx: Any,
    session: Any,
    language: Annotated[str | None, Doc("en, hi, ...; null keeps it.")] = None,
    quiet_hours_start: Annotated[dt.time | None, Doc("Local time quiet hours begin (with the end).")] = None,
    quiet_hours_end: Annotated[dt.time | None, Doc("Local time they end; email, SMS and push wait until then.")] = None,
    no_quiet_hours: Annotated[bool, Doc("True: remove the quiet hours.")] = False,
    digest_mode: m.DigestMode | None = None,
    unsubscribed_all: Annotated[bool | None, Doc("True: no email, SMS or push at all (in-app stays).")] = None,
) -> int:
    """Change your notification settings in the active hostel (created on first change)."""
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        raise user_error(ErrorCode.INVALID, "Give both the start and the end of the quiet hours.", "quietHoursEnd")
    if no_quiet_hours and quiet_hours_start is not None:
        raise user_error(ErrorCode.INVALID, "Either set quiet hours or remove them, not both.", "noQuietHours")
    if language is not None and not (2 <= len(language.strip()) <= 10):
        raise user_error(ErrorCode.INVALID, "A language is a code such as en or hi.", "language")
    pref = await _own_preference(ctx, session)
    if language is not None:
        pref.language = language.strip()
    if quiet_hours_start is not None:
        pref.quiet_hours_start, pref.quiet_hours_end = quiet_hours_start, quiet_hours_end
    if no_quiet_hours:
        pref.quiet_hours_start = pref.quiet_hours_end = None
    if digest_mode is not None:
        pref.digest_mode = digest_mode
    if unsubscribed_all is not None:
        pref.unsubscribed_all = unsubscribed_all
    await session.flush()
    return pref.id


async def set_channel(
    ctx: Any,
    session: Any,
    channel: m.NotificationChannel,
    enabled: bool,
    notification_type: Annotated[str, Doc("The type it applies to; * (default): every type.")] = "*",
) -> int:
    """Turn a channel on or off for you, for one notification type or all of them."""
    hostel_id = _hostel(ctx)
    if channel is m.NotificationChannel.IN_APP:
        raise user_error(ErrorCode.INVALID, "In-app notifications cannot be turned off.", "channel")
    if not notification_type.strip():
        raise user_error(ErrorCode.INVALID, "Name a notification type, or * for all.", "notificationType")
    row = await session.scalar(
        select(m.ChannelPreference)
        .where(
            m.ChannelPreference.hostel_id == hostel_id,
            m.ChannelPreference.user_id == ctx.user_id,
            m.ChannelPreference.channel == channel,
            m.ChannelPreference.notification_type == notification_type.strip(),
        )
        .with_for_update()
    )
    if row is None:
        row = m.ChannelPreference(user_id=ctx.user_id, channel=channel, notification_type=notification_type.strip())
        session.add(row)
    row.enabled = enabled
    await session.flush()
    return row.id


async def register_device(
    ctx: Any,
    session: Any,
    token: Annotated[str, Doc("The push service's token of this device (FCM, APNs, Web Push).")],
    platform: m.DevicePlatform,
    device_name: str | None = None,
) -> int:
    """Register this device for push messages (again: refreshed). A token registered by another
    account moves to yours: it is the device's, and you are the one signed in on it now."""
    hostel_id = _hostel(ctx)
    token = token.strip()
    if not 8 <= len(token) <= 512:
        raise user_error(ErrorCode.INVALID, "A device token is 8 to 512 characters.", "token")
    row = await session.scalar(
        select(m.DeviceToken)
        .where(m.DeviceToken.hostel_id == hostel_id, m.DeviceToken.token == token)
        .with_for_update()
    )
    if row is None:
        row = m.DeviceToken(token=token)
        session.add(row)
    row.user_id, row.platform, row.device_name = ctx.user_id, platform, device_name
    row.active, row.last_seen_at = True, dt.datetime.now(dt.UTC)
    await session.flush()
    return row.id


async def remove_device(ctx: Any, session: Any, device_token_id: Ref[m.DeviceToken]) -> int:
    """Stop push messages to one of your devices (signing out of it)."""
    row = await session.get(m.DeviceToken, device_token_id, with_for_update=True)
    if row is None or row.user_id != ctx.user_id:
        raise user_error(ErrorCode.NOT_FOUND, "No DeviceToken with this ID.", "deviceTokenId")
    row.active = False
    await session.flush()
    return row.id


async def redeem_unsubscribe(ctx: Any, session: Any, token: str, *, apply: bool = True) -> tuple[str, str, bool]:
    """Turn off what a signed unsubscribe token names (anyone holding the link may: that is the
    one-click promise). Returns (channel, type, changed: False when used before). With
    `apply=False` only checks the token and says whether it would change anything (the
    `/unsubscribe` page's GET, which a mail scanner may prefetch)."""
    invalid = user_error(ErrorCode.INVALID, "This unsubscribe link is not valid.", "token")
    try:
        claims = unsubscribe.unverified(token)
    except unsubscribe.BadToken:
        raise invalid from None
    # the row of the token is in the hostel it names: read it in that scope, then check the signature
    async with hostel_scope(session, claims.hostel_id, claims.user_id):
        return await _redeem(session, token, claims, invalid, apply)


async def _redeem(
    session: Any, token: str, claims: unsubscribe.Claims, invalid: Exception, apply: bool
) -> tuple[str, str, bool]:
    row = (
        await session.execute(
            text(
                "SELECT id, secret, used_at FROM unsubscribe_tokens WHERE jti = :j AND hostel_id = :h AND user_id = :u "
                "FOR UPDATE"
            ),
            {"j": claims.jti, "h": claims.hostel_id, "u": claims.user_id},
        )
    ).first()
    if row is None:
        raise invalid
    try:
        unsubscribe.verify(token, row.secret)
    except unsubscribe.BadToken:
        raise invalid from None
    if row.used_at is not None or not apply:
        return claims.channel, claims.notification_type, row.used_at is None
    await session.execute(text("UPDATE unsubscribe_tokens SET used_at = now() WHERE id = :id"), {"id": row.id})
    await session.execute(
        text(
            "INSERT INTO channel_preferences (hostel_id, user_id, channel, notification_type, enabled) "
            "VALUES (:h, :u, :c, :t, false) ON CONFLICT (hostel_id, user_id, channel, notification_type) "
            "DO UPDATE SET enabled = false, updated_at = now()"
        ),
        {"h": claims.hostel_id, "u": claims.user_id, "c": claims.channel, "t": claims.notification_type},
    )
    return claims.channel, claims.notification_type, True


async def send(
    ctx: Any,
    session: Any,
    hostel_student_ids: Ref.many[m.HostelStudent],
    notification_type: Annotated[str, Doc("The type whose templates and routing rule apply, e.g. hostel.notice.")],
    data: Annotated[str, Doc("A JSON object: the templates' variables.")] = "{}",
    priority: m.NotificationPriority | None = None,
) -> int:
    """Tell residents of the hostel something through the pipeline (templates, routing,
    preferences, deliveries). Returns the batch."""
    from resolvers.notification.pipeline import notify

    try:
        values = json.loads(data)
    except ValueError:
        values = None
    if not isinstance(values, dict):
        raise user_error(ErrorCode.INVALID, "data must be a JSON object.", "data")
    users = (
        await session.scalars(select(m.HostelStudent.user_id).where(m.HostelStudent.id.in_(hostel_student_ids)))
    ).all()
    if not hostel_student_ids or any(u is None for u in users):
        raise user_error(ErrorCode.INVALID, "Every recipient needs a login (a user account).", "hostelStudentIds")
    result = await notify(
        ctx,
        hostel_id=_hostel(ctx),
        user_ids=[int(u) for u in users],
        type=notification_type.strip(),
        data=values,
        source="staff",
        priority=priority,
    )
    return result.batch_id
