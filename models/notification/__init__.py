"""Seed 000 `notification/`: one pipeline every domain uses to tell a person something.

A domain calls `resolvers.notification.pipeline.notify(...)`: the routing rule of the type picks
the channels, each recipient's preferences (channels, quiet hours, unsubscribes) decide what is
sent, deferred or skipped (`NotificationRoute`), the template of each type/channel/language
(latest active `NotificationTemplateVersion`) is rendered into the in-app `Notification` and one
delivery row (`NotificationQueue`) per channel with its channel record (`EmailNotification`,
`SMSNotification`, `PushNotification`), and a delivery job per channel is enqueued in the same
transaction. The job sends through the channel's provider and writes `NotificationStatusHistory`.

Who reads what: a user their own notifications, preferences, channel preferences and device
tokens (staff included: a warden's list is theirs, not the hostel's); staff the hostel's
templates, routing rules, batches, deliveries and their history.

Account scope: the platform's own mail (password reset, family invitations) belongs to no
hostel. The tables a notification travels through (`AccountScopeMixin`: batches, notifications,
read receipts, routes, deliveries, status history, email and SMS records) take a null
`hostel_id` for it. Such rows are read by their recipient (their notification and read
receipts) and by platform roles; never by hostel staff (neither the kit's tenant predicate
nor the `tenant_isolation` policy matches a null hostel). Writing them takes the transaction
setting `app.account_scope` (policy `account_scope`), which only the pipeline sets
(resolvers/notification/account.py). The email and SMS records of account mail carry secrets
(a reset link): no API reads them, platform included.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from typing import ClassVar

from sqlalchemy import ARRAY, ForeignKey, ForeignKeyConstraint, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from auth.permissions import AUTHENTICATED
from models.base import ActiveMixin, Base, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, STAFF, is_staff, own_user_rows


def only_own_rows(column: str = "user_id") -> Any:
    """Row filter of a person's own notification records: everyone, staff included, sees only
    their own (a warden's inbox is theirs; the hostel's deliveries are read through the queue)."""

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        return "self", alias.c[column] == bind(ctx.user_id if ctx.user_id is not None else -1)

    return row_filter


OWN = only_own_rows()


class AccountScopeMixin(HostelTenantMixin):
    """A hostel tenant table whose rows may belong to no hostel: null `hostel_id` is the account
    (platform) scope of the platform's own mail. `__account_scope__` is what the kit's tenant
    predicate (kit/context.py) and the policies (migrations/policies.py: `account_scope`) read."""

    __account_scope__: ClassVar[bool] = True

    @declared_attr
    def hostel_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(
            ForeignKey("hostels.id"), nullable=True, index=True, comment="Null: account mail, of no hostel."
        )


def account_table(*refs: tuple[str, str], unique: tuple[str, ...] | None = None) -> tuple[Any, ...]:
    """`__table_args__` of an account-scope table: `hostel_table`'s, plus a plain foreign key per
    reference (the composite one, with a null hostel, is not checked: MATCH SIMPLE), and a
    unique constraint that holds for null hostels too (NULLS NOT DISTINCT)."""
    extra: tuple[Any, ...] = ()
    if unique is not None:
        extra = (UniqueConstraint("hostel_id", *unique, postgresql_nulls_not_distinct=True),)
    plain = tuple(ForeignKeyConstraint([column], [f"{table}.id"]) for column, table in refs)
    return (*hostel_table(extra=extra), *plain)


def hostel_rows_only(ctx: Any, alias: Any, bind: Any) -> Any:
    """The email and SMS records of account mail carry its secrets (a reset or invitation link):
    no API reads them, platform roles included; a hostel's own records its staff read (the
    type's rule, wherever the records are reached)."""
    if ctx.hostel_id is None:
        return "hostel", alias.c.hostel_id.isnot(None)  # platform readers (anyone else: no tenant, no rows)
    return None if is_staff(ctx) else ("none", false())


class NotificationChannel(enum.Enum):
    IN_APP = "IN_APP"
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"


class NotificationPriority(enum.Enum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"  # sent through quiet hours


class NotificationStatus(enum.Enum):
    QUEUED = "QUEUED"  # some delivery still to run
    SENT = "SENT"  # every delivery ended and at least one was delivered
    FAILED = "FAILED"  # every delivery ended and none was delivered


class DeliveryStatus(enum.Enum):
    QUEUED = "QUEUED"
    DEFERRED = "DEFERRED"  # waiting for the end of the recipient's quiet hours
    RETRYING = "RETRYING"  # a provider failed; the job runs again after its backoff
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # the last attempt failed


class RouteDecision(enum.Enum):
    SEND = "SEND"
    DEFER = "DEFER"
    SKIP = "SKIP"


class DigestMode(enum.Enum):
    OFF = "OFF"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


class DevicePlatform(enum.Enum):
    IOS = "IOS"
    ANDROID = "ANDROID"
    WEB = "WEB"


class EscalationStatus(enum.Enum):
    PENDING = "PENDING"
    ESCALATED = "ESCALATED"
    CANCELLED = "CANCELLED"


def _user(comment: str) -> Any:
    return mapped_column(ForeignKey("users.id"), index=True, comment=comment)


# ---- templates ------------------------------------------------------------------------------------


class NotificationTemplate(ActiveMixin, HostelTenantMixin, Base):
    """A message of one type, channel and language (`booking.confirmed`, EMAIL, `en`); its text
    lives in versions, the latest active one is rendered."""

    __tablename__ = "notification_templates"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "code", "channel", "language"),))
    __entity__ = Entity(
        read=STAFF,
        list="notificationTemplates",
        about="The hostel's message templates (staff).",
        filter=("code", "channel", "language", "active"),
        order=("code", "created_at"),
        write=Writes(
            ADMINS,
            fields=("code", "channel", "language", "name", "description"),
            required=("code", "channel", "name"),
            immutable=("code", "channel", "language"),
        ),
    )

    code: Mapped[str] = mapped_column(String(100), comment="The notification type it renders, e.g. booking.confirmed.")
    channel: Mapped[NotificationChannel] = enum_column(NotificationChannel)
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    name: Mapped[str]
    description: Mapped[str | None]


class NotificationTemplateVersion(HostelTenantMixin, Base):
    """One published text of a template (Jinja2, sandboxed; variables are the notification's
    data). Publishing adds a version; the latest active one is used."""

    __tablename__ = "notification_template_versions"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "template_id", "version"),))
    __entity__ = Entity(
        read=STAFF,
        list="notificationTemplateVersions",
        filter=("template_id", "version", "is_active", "created_at"),
        order=("version", "created_at"),
    )

    template: Mapped[NotificationTemplate] = reference(back="versions")
    version: Mapped[int] = mapped_column(comment="1, 2, ... per template.")
    subject: Mapped[str | None] = mapped_column(Text, comment="Title (in-app, push) or subject (email).")
    body: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")


# ---- routing --------------------------------------------------------------------------------------


class RoutingRule(ActiveMixin, HostelTenantMixin, Base):
    """How a notification type travels in this hostel: its channels and priority. A type
    without a rule goes in-app only, at NORMAL priority."""

    __tablename__ = "notification_routing_rules"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "notification_type"),))
    __entity__ = Entity(
        read=STAFF,
        list="routingRules",
        about="Which channels each notification type uses (staff).",
        filter=("notification_type", "priority", "active"),
        order=("notification_type", "created_at"),
        write=Writes(
            ADMINS,
            fields=("name", "notification_type", "channels", "priority"),
            required=("name", "notification_type", "channels"),
            immutable=("notification_type",),
            validate="resolvers.notification.service.check_routing_rule",
        ),
    )

    name: Mapped[str]
    notification_type: Mapped[str] = mapped_column(String(100))
    channels: Mapped[list[str]] = mapped_column(
        ARRAY(String(10)), comment="IN_APP, EMAIL, SMS, PUSH: the channels it is sent on."
    )
    priority: Mapped[NotificationPriority] = enum_column(NotificationPriority, NotificationPriority.NORMAL)


class EscalationPath(ActiveMixin, HostelTenantMixin, Base):
    """Who is told next when a notification of a type stays unread for a while."""

    __tablename__ = "notification_escalation_paths"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="escalationPaths",
        filter=("notification_type", "active"),
        order=("notification_type", "after_minutes"),
        write=Writes(
            ADMINS,
            fields=("notification_type", "after_minutes", "escalate_to_user_id", "channel"),
            required=("notification_type", "after_minutes", "escalate_to_user_id"),
        ),
    )

    notification_type: Mapped[str] = mapped_column(String(100))
    after_minutes: Mapped[int] = mapped_column(comment="Unread this long, it escalates.")
    escalate_to_user_id: Mapped[int] = _user("The staff member told next.")
    channel: Mapped[NotificationChannel] = enum_column(NotificationChannel, NotificationChannel.IN_APP)


# ---- the notification and its deliveries ----------------------------------------------------------


class NotificationBatch(AccountScopeMixin, Base):
    """One `notify` call: the recipients asked for and what became of them."""

    __tablename__ = "notification_batches"
    __table_args__ = account_table()
    __entity__ = Entity(
        read=STAFF,
        list="notificationBatches",
        filter=("notification_type", "source", "created_at"),
        order=("created_at",),
    )

    notification_type: Mapped[str] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(100), comment="The domain that raised it (booking, auth, ...).")
    recipient_count: Mapped[int] = mapped_column(default=0, server_default="0")
    delivery_count: Mapped[int] = mapped_column(default=0, server_default="0")
    deferred_count: Mapped[int] = mapped_column(default=0, server_default="0")
    skipped_count: Mapped[int] = mapped_column(default=0, server_default="0")


class Notification(AccountScopeMixin, Base):
    """What a person is told, as their app shows it (the in-app message); its email, SMS and
    push deliveries hang off it. Account mail (no hostel) may go to an address of no account
    yet (an invitation): then no user, no in-app message, only the email or SMS."""

    __tablename__ = "notifications"
    __table_args__ = account_table(("batch_id", "notification_batches"))
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=OWN,
        list="myNotifications",
        about="Your notifications, newest first by default; `filter: {readAt: {isNull: true}}` for the unread.",
        filter=("notification_type", "priority", "status", "read_at", "created_at"),
        order=("created_at",),
        owner="user_id",
    )

    user_id: Mapped[int | None] = _user("Who it is for (null: an address of no account, account mail only).")
    batch: Mapped[NotificationBatch | None] = reference(back="notifications")
    notification_type: Mapped[str] = mapped_column(String(100))
    priority: Mapped[NotificationPriority] = enum_column(NotificationPriority, NotificationPriority.NORMAL)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(
        default=dict, server_default="{}", comment="What the app needs to open it (ids, links)."
    )
    status: Mapped[NotificationStatus] = enum_column(NotificationStatus, NotificationStatus.QUEUED)
    read_at: Mapped[dt.datetime | None] = mapped_column(comment="When its reader first opened it; null: unread.")


class NotificationReadReceipt(AccountScopeMixin, Base):
    """A reader opened a notification (once per notification and channel)."""

    __tablename__ = "notification_read_receipts"
    __table_args__ = account_table(("notification_id", "notifications"), unique=("notification_id", "channel"))
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=own_user_rows("user_id"),
        list="notificationReadReceipts",
        about="Staff see the hostel's read receipts; anyone else their own.",
        filter=("notification_id", "channel", "read_at"),
        order=("read_at",),
        append_only=True,
        owner="user_id",
    )

    notification: Mapped[Notification] = reference(back="read_receipts")
    user_id: Mapped[int] = _user("The reader.")
    channel: Mapped[NotificationChannel] = enum_column(NotificationChannel, NotificationChannel.IN_APP)
    read_at: Mapped[dt.datetime]


class NotificationRoute(AccountScopeMixin, Base):
    """The routing decision for one channel of a notification: sent, deferred to the end of
    quiet hours, or skipped (and why)."""

    __tablename__ = "notification_routes"
    __table_args__ = account_table(("notification_id", "notifications"), unique=("notification_id", "channel"))
    __entity__ = Entity(
        read=STAFF,
        list="notificationRoutes",
        filter=("notification_id", "channel", "decision"),
        order=("created_at",),
        append_only=True,
    )

    notification: Mapped[Notification] = reference(back="routes")
    rule: Mapped[RoutingRule | None] = reference()
    channel: Mapped[NotificationChannel] = enum_column(NotificationChannel)
    decision: Mapped[RouteDecision] = enum_column(RouteDecision)
    reason: Mapped[str | None] = mapped_column(comment="Why deferred or skipped.")


class NotificationQueue(AccountScopeMixin, Base):
    """One delivery of a notification on one channel: a job sends it through the channel's
    provider, retried with backoff; each move is a status-history row."""

    __tablename__ = "notification_queue"
    __table_args__ = account_table(("notification_id", "notifications"), unique=("notification_id", "channel"))
    __entity__ = Entity(
        read=STAFF,
        list="notificationDeliveries",
        about="Every delivery of the hostel's notifications, with status and attempts (staff).",
        filter=("channel", "status", "user_id", "notification_id", "scheduled_for", "created_at"),
        order=("created_at", "scheduled_for"),
    )

    notification: Mapped[Notification] = reference(back="deliveries")
    user_id: Mapped[int | None] = _user("The recipient (null: an address of no account, account mail only).")
    channel: Mapped[NotificationChannel] = enum_column(NotificationChannel)
    status: Mapped[DeliveryStatus] = enum_column(DeliveryStatus, DeliveryStatus.QUEUED)
    scheduled_for: Mapped[dt.datetime] = mapped_column(comment="Not sent before (the end of quiet hours).")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None]
    delivered_at: Mapped[dt.datetime | None]
    provider: Mapped[str | None] = mapped_column(String(50), comment="Which provider sent it.")
    provider_message_id: Mapped[str | None] = mapped_column(String(200))


class NotificationStatusHistory(AccountScopeMixin, Base):
    """One move of a delivery (QUEUED -> RETRYING -> DELIVERED ...), with the attempt and error."""

    __tablename__ = "notification_status_history"
    __table_args__ = account_table(("notification_id", "notifications"), ("delivery_id", "notification_queue"))
    __entity__ = Entity(
        read=STAFF,
        list="notificationStatusHistory",
        filter=("notification_id", "delivery_id", "to_status", "created_at"),
        order=("created_at",),
        append_only=True,
    )

    notification: Mapped[Notification] = reference(back="status_history")
    delivery: Mapped[NotificationQueue | None] = reference(back="history")
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(default=0, server_default="0")
    note: Mapped[str | None]


class EmailNotification(AccountScopeMixin, Base):
    """The email of a delivery: address, rendered subject and body, and its tracking."""

    __tablename__ = "email_notifications"
    __table_args__ = account_table(("delivery_id", "notification_queue"), unique=("delivery_id",))
    __entity__ = Entity(
        read=STAFF,
        rows=hostel_rows_only,
        list="emailNotifications",
        filter=("to_address", "sent_at"),
        order=("created_at", "sent_at"),
        hide=("unsubscribe_url",),  # it unsubscribes its recipient without a login: theirs alone
    )

    delivery: Mapped[NotificationQueue] = reference(back="emails")
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(Text, comment="The one-click unsubscribe link it carries.")
    sent_at: Mapped[dt.datetime | None]
    opened_at: Mapped[dt.datetime | None]


class EmailAttachment(HostelTenantMixin, Base):
    """A file attached to an email (a receipt, a notice)."""

    __tablename__ = "email_attachments"
    __table_args__ = hostel_table()
    __entity__ = Entity(read=STAFF, filter=("email_id",), order=("created_at",))

    email: Mapped[EmailNotification] = reference(back="attachments")
    file_name: Mapped[str]
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    url: Mapped[str] = mapped_column(comment="Where the attachment is served from.")


class EmailClickEvent(HostelTenantMixin, Base):
    """A link of an email followed."""

    __tablename__ = "email_click_events"
    __table_args__ = hostel_table()
    __entity__ = Entity(read=STAFF, filter=("email_id", "clicked_at"), order=("clicked_at",), append_only=True)

    email: Mapped[EmailNotification] = reference(back="clicks")
    url: Mapped[str]
    clicked_at: Mapped[dt.datetime]


class SMSNotification(AccountScopeMixin, Base):
    """The text message of a delivery."""

    __tablename__ = "sms_notifications"
    __table_args__ = account_table(("delivery_id", "notification_queue"), unique=("delivery_id",))
    __entity__ = Entity(
        read=STAFF,
        rows=hostel_rows_only,
        list="smsNotifications",
        filter=("to_phone", "sent_at"),
        order=("created_at",),
    )

    delivery: Mapped[NotificationQueue] = reference(back="sms")
    to_phone: Mapped[str] = mapped_column(String(30))
    body: Mapped[str] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(default=1, server_default="1", comment="160-character parts billed.")
    sent_at: Mapped[dt.datetime | None]


class PushNotification(HostelTenantMixin, Base):
    """The push message of a delivery, sent to the recipient's active device tokens."""

    __tablename__ = "push_notifications"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "delivery_id"),))
    __entity__ = Entity(read=STAFF, list="pushNotifications", filter=("sent_at",), order=("created_at",))

    delivery: Mapped[NotificationQueue] = reference(back="pushes")
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    token_count: Mapped[int] = mapped_column(default=0, server_default="0", comment="Devices it went to.")
    sent_at: Mapped[dt.datetime | None]


class NotificationEscalation(HostelTenantMixin, Base):
    """A notification escalated along a path (unread past the path's delay): once per path, by
    the `escalate_unread` job (resolvers/notification/escalation.py)."""

    __tablename__ = "notification_escalations"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "notification_id", "path_id"),))
    __entity__ = Entity(read=STAFF, list="notificationEscalations", filter=("status", "path_id"), order=("created_at",))

    notification: Mapped[Notification] = reference(back="escalations")
    path: Mapped[EscalationPath] = reference()
    status: Mapped[EscalationStatus] = enum_column(EscalationStatus, EscalationStatus.PENDING)
    escalated_at: Mapped[dt.datetime | None]


# ---- the person's own settings --------------------------------------------------------------------


class NotificationPreference(HostelTenantMixin, Base):
    """A person's notification settings in a hostel: language, quiet hours (the hostel's local
    time; non-urgent email, SMS and push wait until they end), digest, and a stop to all
    but in-app messages."""

    __tablename__ = "notification_preferences"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "user_id"),))
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=OWN,
        list="myNotificationPreferences",
        about="Your notification settings (one per hostel).",
        owner="user_id",
    )

    user_id: Mapped[int] = _user("Whose settings.")
    language: Mapped[str | None] = mapped_column(String(10), comment="Null: the user's preferred language.")
    quiet_hours_start: Mapped[dt.time | None]
    quiet_hours_end: Mapped[dt.time | None]
    digest_mode: Mapped[DigestMode] = enum_column(DigestMode, DigestMode.OFF)
    unsubscribed_all: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="No email, SMS or push at all (in-app stays)."
    )


class ChannelPreference(HostelTenantMixin, Base):
    """A channel turned on or off for one notification type (`*`: every type)."""

    __tablename__ = "channel_preferences"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "user_id", "channel", "notification_type"),))
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=OWN,
        list="myChannelPreferences",
        filter=("channel", "notification_type", "enabled"),
        order=("created_at",),
        owner="user_id",
    )

    user_id: Mapped[int] = _user("Whose setting.")
    channel: Mapped[NotificationChannel] = enum_column(NotificationChannel)
    notification_type: Mapped[str] = mapped_column(String(100), default="*", server_default="*")
    enabled: Mapped[bool]


class UnsubscribeToken(HostelTenantMixin, Base):
    """A one-click unsubscribe link issued in an email (the link carries a token signed with
    this row's secret); used once, later clicks change nothing."""

    __tablename__ = "unsubscribe_tokens"
    __table_args__ = hostel_table(extra=(UniqueConstraint("jti"),))
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=OWN,
        list="myUnsubscribeTokens",
        about="The unsubscribe links sent to you, and which were used.",
        filter=("channel", "used_at"),
        order=("created_at",),
        owner="user_id",
        hide=("jti", "secret"),
    )

    user_id: Mapped[int] = _user("Whose link.")
    jti: Mapped[str] = mapped_column(String(40), comment="The signed token's id.")
    secret: Mapped[str] = mapped_column(String(64), comment="The key its token is signed with (HMAC).")
    channel: Mapped[NotificationChannel] = enum_column(NotificationChannel)
    notification_type: Mapped[str] = mapped_column(String(100), default="*", server_default="*")
    used_at: Mapped[dt.datetime | None]


class DeviceToken(ActiveMixin, HostelTenantMixin, Base):
    """A phone or browser of a person that receives push messages."""

    __tablename__ = "device_tokens"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "token"),))
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=OWN,
        list="myDeviceTokens",
        filter=("platform", "active"),
        order=("created_at", "last_seen_at"),
        owner="user_id",
    )

    user_id: Mapped[int] = _user("Whose device.")
    token: Mapped[str] = mapped_column(String(512), comment="The push service's token of the device.")
    platform: Mapped[DevicePlatform] = enum_column(DevicePlatform)
    device_name: Mapped[str | None]
    last_seen_at: Mapped[dt.datetime | None]


__all__ = [name for name in dir() if name[:1].isupper()]
