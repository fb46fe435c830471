"""Seed 000 `announcement/` (26 classes): notices staff write for the residents of a hostel.

The life of an announcement (resolvers/announcement/workflow.py):

    DRAFT -> PENDING_APPROVAL -> APPROVED -> SCHEDULED -> PUBLISHED -> ARCHIVED
    PENDING_APPROVAL -> REJECTED -> DRAFT;  APPROVED/SCHEDULED -> DRAFT (withdrawn)

Staff draft it and say whom it is for (`AnnouncementTarget`s: the whole hostel, floors, rooms,
room types or named residents, narrowed by `TargetingRule`s, combined by a `BulkTargetingRule`);
the audience is computed into `TargetAudienceCache`. Submitting applies the hostel's approval
rules (`AnnouncementApprovalWorkflow`, auto-approval by `AnnouncementApprovalRule`); every move is
an `AnnouncementApprovalHistory` row. Publishing (now, or by the scheduling job at the
`AnnouncementSchedule`'s time through the `PublishQueue`; `RecurringAnnouncement`s each due time,
`AnnouncementScheduleExecution` once per due time) expands the audience into
`AnnouncementRecipient`s and delivers through the notification pipeline in `DeliveryBatch`es;
`AnnouncementDelivery` mirrors each pipeline delivery, `DeliveryFailure`/`DeliveryRetry` its failed
and retried attempts. Residents read (`AnnouncementView`, `ReadReceipt`) and acknowledge
(`Acknowledgment`); `EngagementMetric` and `ReadingTimeAnalytic` are computed from those rows.

Who reads what: staff every row of their hostel; a resident only announcements published to
them (and their attachments), their own recipient rows (`myAnnouncements`), views, read
receipts and acknowledgements.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ARRAY, BigInteger, CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import and_, select
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, ComputedMixin, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, MEMBERS, STAFF, is_staff, own_user_rows

if TYPE_CHECKING:
    from models.file_management import FileUpload
    from models.hostel_student import HostelStudent
    from models.notification import Notification, NotificationBatch, NotificationQueue
    from models.room.room import Room


class AnnouncementStatus(enum.Enum):
    DRAFT = "DRAFT"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    SCHEDULED = "SCHEDULED"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


class AnnouncementCategory(enum.Enum):
    GENERAL = "GENERAL"
    MAINTENANCE = "MAINTENANCE"
    EVENT = "EVENT"
    EMERGENCY = "EMERGENCY"
    FEES = "FEES"
    MESS = "MESS"
    RULES = "RULES"


class AnnouncementPriority(enum.Enum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


PRIORITY_RANK = {p: i for i, p in enumerate(AnnouncementPriority)}


class TargetType(enum.Enum):
    ALL = "ALL"  # every current resident
    FLOORS = "FLOORS"
    ROOMS = "ROOMS"
    ROOM_TYPES = "ROOM_TYPES"
    RESIDENTS = "RESIDENTS"


class TargetingField(enum.Enum):
    GENDER = "GENDER"
    INSTITUTION = "INSTITUTION"
    COURSE = "COURSE"
    MESS_OPTED = "MESS_OPTED"
    FLOOR = "FLOOR"
    STATUS = "STATUS"
    CHECK_IN_DATE = "CHECK_IN_DATE"


class TargetingOperator(enum.Enum):
    EQ = "EQ"
    NE = "NE"
    IN = "IN"  # value: comma-separated
    CONTAINS = "CONTAINS"  # case-insensitive, text fields
    GTE = "GTE"
    LTE = "LTE"


class CombineMode(enum.Enum):
    UNION = "UNION"  # in any target
    INTERSECTION = "INTERSECTION"  # in every target


class AnnouncementApprovalStatus(enum.Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    NOT_REQUIRED = "NOT_REQUIRED"  # no approval workflow applies
    AUTO_APPROVED = "AUTO_APPROVED"  # an auto-approval rule matched
    WITHDRAWN = "WITHDRAWN"  # the announcement went back to draft


class AnnouncementAction(enum.Enum):
    CREATED = "CREATED"
    EDITED = "EDITED"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"  # one approver's approval (a step of several, or the last)
    AUTO_APPROVED = "AUTO_APPROVED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"
    SCHEDULED = "SCHEDULED"
    PUBLISHED = "PUBLISHED"
    REVISED = "REVISED"  # edited after publishing: a new version
    ARCHIVED = "ARCHIVED"
    ESCALATED = "ESCALATED"  # the approval passed its SLA


class AnnouncementRecurrence(enum.Enum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    BIWEEKLY = "BIWEEKLY"
    MONTHLY = "MONTHLY"


class AnnouncementScheduleStatus(enum.Enum):
    PENDING = "PENDING"
    PUBLISHED = "PUBLISHED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


class PublishQueueStatus(enum.Enum):
    WAITING = "WAITING"
    DONE = "DONE"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


class ExecutionStatus(enum.Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"  # nothing to do at that time (withdrawn, no audience)


class DeliveryChannelType(enum.Enum):
    IN_APP = "IN_APP"
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"


class DeliveryState(enum.Enum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class AnnouncementDevice(enum.Enum):
    MOBILE = "MOBILE"
    WEB = "WEB"
    TABLET = "TABLET"
    DESKTOP = "DESKTOP"


def _user(comment: str, nullable: bool = False) -> Any:
    return mapped_column(ForeignKey("users.id"), index=True, nullable=nullable, comment=comment)


def _uid(ctx: Any, bind: Any) -> Any:
    return bind(ctx.user_id if ctx.user_id is not None else -1)


def published_to_me(ctx: Any, bind: Any) -> Any:
    """Ids of the announcements published to the caller (their recipient rows)."""
    a, r = Announcement.__table__, AnnouncementRecipient.__table__
    return (
        select(r.c.announcement_id)
        .join(a, and_(a.c.id == r.c.announcement_id, a.c.hostel_id == r.c.hostel_id))
        .where(r.c.user_id == _uid(ctx, bind), a.c.status == AnnouncementStatus.PUBLISHED.name)
    )


def _announcement_rows(ctx: Any, alias: Any, bind: Any) -> Any:
    """Staff: every announcement of the hostel; anyone else: those published to them."""
    if is_staff(ctx):
        return None
    return "published-to-me", alias.c.id.in_(published_to_me(ctx, bind))


def _of_my_announcements(ctx: Any, alias: Any, bind: Any) -> Any:
    if is_staff(ctx):
        return None
    return "published-to-me", alias.c.announcement_id.in_(published_to_me(ctx, bind))


def _my_recipient_rows(ctx: Any, alias: Any, bind: Any) -> Any:
    """Staff: every recipient of the hostel's announcements; a resident their own, of
    announcements published now (a withdrawn or archived one leaves their list)."""
    if is_staff(ctx):
        return None
    a = Announcement.__table__
    published = select(a.c.id).where(a.c.status == AnnouncementStatus.PUBLISHED.name)
    return "self", and_(alias.c.user_id == _uid(ctx, bind), alias.c.announcement_id.in_(published))


OWN = own_user_rows("user_id")


# ---- core ------------------------------------------------------------------------------------------


class Announcement(HostelTenantMixin, Base):
    """A notice of the hostel for its residents: drafted by staff, approved per the hostel's
    rules, published now or at a time, delivered through the notification pipeline. Its text
    changes after publishing only through `announcementRevise` (a new version)."""

    __tablename__ = "announcements"
    __table_args__ = hostel_table(
        extra=(CheckConstraint("version >= 1 AND recipient_count >= 0", name="announcement_counts"),)
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=_announcement_rows,
        list="announcements",
        about="Staff: every announcement of the hostel; a resident: those published to them.",
        filter=(
            "status",
            "category",
            "priority",
            "author_user_id",
            "requires_acknowledgment",
            "is_pinned",
            "published_at",
            "created_at",
        ),
        order=("created_at", "published_at", "priority"),
    )

    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    category: Mapped[AnnouncementCategory] = enum_column(AnnouncementCategory, AnnouncementCategory.GENERAL)
    priority: Mapped[AnnouncementPriority] = enum_column(AnnouncementPriority, AnnouncementPriority.NORMAL)
    status: Mapped[AnnouncementStatus] = enum_column(
        AnnouncementStatus, AnnouncementStatus.DRAFT, comment="Moved by the workflow mutations only."
    )
    author_user_id: Mapped[int | None] = _user(
        "The staff member who drafted it (cannot approve it); null: generated by a recurring announcement.",
        nullable=True,
    )
    requires_acknowledgment: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="Residents confirm they have read and acted on it."
    )
    acknowledgment_deadline: Mapped[dt.datetime | None]
    is_pinned: Mapped[bool] = mapped_column(default=False, server_default="false", comment="Shown on top.")
    version: Mapped[int] = mapped_column(
        default=1, server_default="1", comment="1 until revised after publishing; each revision adds one."
    )
    scheduled_for: Mapped[dt.datetime | None] = mapped_column(comment="When the scheduling job publishes it.")
    published_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None] = mapped_column(comment="Archived by the scheduling job after this.")
    archived_at: Mapped[dt.datetime | None]
    recipient_count: Mapped[int] = mapped_column(
        default=0, server_default="0", comment="Residents it was published to."
    )
    recurring: Mapped[RecurringAnnouncement | None] = reference(
        back="announcements", comment="The recurring template it was generated from."
    )


class AnnouncementAttachment(HostelTenantMixin, Base):
    """A stored file (a form, a timetable) attached to an announcement; read with it."""

    __tablename__ = "announcement_attachments"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id", "file_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=_of_my_announcements,
        filter=("announcement_id",),
        order=("sort_order", "created_at"),
    )

    announcement: Mapped[Announcement] = reference(back="attachments")
    file: Mapped[FileUpload] = reference(comment="The stored file (file management).")
    caption: Mapped[str | None]
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")


class AnnouncementVersion(HostelTenantMixin, Base):
    """The text of an announcement as published: version 1 at publishing, one more per revision."""

    __tablename__ = "announcement_versions"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id", "version"),))
    __entity__ = Entity(
        read=STAFF,
        list="announcementVersions",
        filter=("announcement_id", "version", "created_at"),
        order=("version", "created_at"),
        append_only=True,
    )

    announcement: Mapped[Announcement] = reference(back="versions")
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    edited_by_user_id: Mapped[int | None] = _user(
        "Who published or revised this text; null: a recurring announcement's.", nullable=True
    )
    change_summary: Mapped[str | None] = mapped_column(Text, comment="Why it was revised.")


class AnnouncementRecipient(HostelTenantMixin, Base):
    """One resident an announcement was published to (the audience expanded at publishing),
    with their read and acknowledgement state: the resident's phone list."""

    __tablename__ = "announcement_recipients"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id", "student_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=_my_recipient_rows,
        list="myAnnouncements",
        about="A resident's announcements (the phone's list: published to them, with their read and "
        "acknowledgement state; `filter: {readAt: {isNull: true}}` for the unread). Staff: every "
        "recipient of the hostel's announcements.",
        filter=("announcement_id", "student_id", "user_id", "read_at", "acknowledged_at", "created_at"),
        order=("created_at", "read_at"),
    )

    announcement: Mapped[Announcement] = reference(back="recipients")
    student: Mapped[HostelStudent] = reference(comment="The resident.")
    user_id: Mapped[int | None] = _user("The resident's login (none: told in person, no message).", nullable=True)
    room: Mapped[Room | None] = reference(comment="Their room when it was published.")
    floor: Mapped[int | None]
    read_at: Mapped[dt.datetime | None] = mapped_column(comment="First read; null: unread.")
    acknowledged_at: Mapped[dt.datetime | None]


# ---- targeting -------------------------------------------------------------------------------------


class AnnouncementTarget(HostelTenantMixin, Base):
    """Whom an announcement is for: every resident, or those on some floors, in some rooms or
    room types, or named; `TargetingRule`s narrow it. An announcement's targets are combined by
    its `BulkTargetingRule` (default: any of them)."""

    __tablename__ = "announcement_targets"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="announcementTargets",
        filter=("announcement_id", "target_type"),
        order=("created_at",),
    )

    announcement: Mapped[Announcement] = reference(back="targets")
    target_type: Mapped[TargetType] = enum_column(TargetType, TargetType.ALL)
    floors: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list, server_default="{}")
    room_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")
    room_type_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")
    student_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")
    estimated_recipients: Mapped[int] = mapped_column(
        default=0, server_default="0", comment="The audience when last computed."
    )
    actual_recipients: Mapped[int | None] = mapped_column(comment="Reached at publishing.")


class TargetingRule(HostelTenantMixin, Base):
    """A condition on residents under a target (`INSTITUTION CONTAINS 'college'`): a resident
    must meet every including rule and no excluding one."""

    __tablename__ = "announcement_targeting_rules"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="targetingRules",
        filter=("target_id", "field", "is_exclusion"),
        order=("priority", "created_at"),
    )

    target: Mapped[AnnouncementTarget] = reference(back="rules")
    field: Mapped[TargetingField] = enum_column(TargetingField)
    operator: Mapped[TargetingOperator] = enum_column(TargetingOperator, TargetingOperator.EQ)
    value: Mapped[str] = mapped_column(
        String(200), comment="IN: comma-separated; dates YYYY-MM-DD; booleans true/false."
    )
    is_exclusion: Mapped[bool] = mapped_column(default=False, server_default="false")
    priority: Mapped[int] = mapped_column(default=0, server_default="0", comment="Order shown, lowest first.")


class BulkTargetingRule(HostelTenantMixin, Base):
    """How an announcement's targets combine (any or every one) and who is left out whatever
    the targets say."""

    __tablename__ = "announcement_bulk_targeting_rules"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id"),))
    __entity__ = Entity(read=STAFF, list="bulkTargetingRules", filter=("announcement_id", "combine"))

    announcement: Mapped[Announcement] = reference()
    combine: Mapped[CombineMode] = enum_column(CombineMode, CombineMode.UNION)
    exclude_student_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")


class TargetAudienceCache(ComputedMixin, HostelTenantMixin, Base):
    """The audience of an announcement as last computed from its targets (on every targeting
    change, at submission and at publishing): residents and their breakdown by floor."""

    __tablename__ = "announcement_audience_cache"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id"),))
    __entity__ = Entity(read=STAFF, list="targetAudienceCaches", filter=("announcement_id",), order=("computed_at",))

    announcement: Mapped[Announcement] = reference()
    student_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")
    recipient_count: Mapped[int] = mapped_column(default=0, server_default="0")
    with_login_count: Mapped[int] = mapped_column(
        default=0, server_default="0", comment="Of them, residents with a login (who get messages)."
    )
    by_floor: Mapped[dict[str, Any]] = mapped_column(
        default=dict, server_default="{}", comment="Residents per floor ('none': no bed)."
    )


# ---- approval --------------------------------------------------------------------------------------


class AnnouncementApprovalWorkflow(ActiveMixin, HostelTenantMixin, Base):
    """The hostel's approval rule for announcements of some categories and priorities: how
    many distinct approvers (never the author) of which roles, within how many hours."""

    __tablename__ = "announcement_approval_workflows"
    __table_args__ = hostel_table(
        extra=(CheckConstraint("required_approvals BETWEEN 1 AND 5 AND sla_hours > 0", name="workflow_sane"),)
    )
    __entity__ = Entity(
        read=STAFF,
        list="announcementApprovalWorkflows",
        about="Which announcements need approval, by whom (staff).",
        filter=("active",),
        order=("name", "created_at"),
        write=Writes(
            ADMINS,
            fields=(
                "name",
                "categories",
                "min_priority",
                "required_approvals",
                "approver_roles",
                "sla_hours",
                "escalate_to_user_id",
            ),
            required=("name",),
            validate="resolvers.announcement.approval.check_workflow",
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    categories: Mapped[list[str]] = mapped_column(
        ARRAY(String(30)), default=list, server_default="{}", comment="Categories it applies to; empty: all."
    )
    min_priority: Mapped[AnnouncementPriority] = enum_column(
        AnnouncementPriority, AnnouncementPriority.LOW, comment="Applies to this priority and above."
    )
    required_approvals: Mapped[int] = mapped_column(default=1, server_default="1")
    approver_roles: Mapped[list[str]] = mapped_column(
        ARRAY(String(30)), default=list, server_default="{}", comment="Roles that may approve; empty: any staff."
    )
    sla_hours: Mapped[int] = mapped_column(default=24, server_default="24", comment="Decide within; then escalated.")
    escalate_to_user_id: Mapped[int | None] = _user("Told when a decision is overdue.", nullable=True)


class AnnouncementApprovalRule(ActiveMixin, HostelTenantMixin, Base):
    """Auto-approval: an announcement that a workflow would hold is approved at once when it
    matches (category, at most this priority, at most this audience)."""

    __tablename__ = "announcement_approval_rules"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="announcementApprovalRules",
        filter=("active",),
        order=("name", "created_at"),
        write=Writes(
            ADMINS,
            fields=("name", "categories", "max_priority", "max_recipients"),
            required=("name",),
            validate="resolvers.announcement.approval.check_rule",
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    categories: Mapped[list[str]] = mapped_column(
        ARRAY(String(30)), default=list, server_default="{}", comment="Categories it approves; empty: all."
    )
    max_priority: Mapped[AnnouncementPriority] = enum_column(AnnouncementPriority, AnnouncementPriority.NORMAL)
    max_recipients: Mapped[int | None] = mapped_column(comment="At most this audience; null: any.")
    usage_count: Mapped[int] = mapped_column(default=0, server_default="0", comment="Announcements it approved.")
    last_used_at: Mapped[dt.datetime | None]


class AnnouncementApproval(HostelTenantMixin, Base):
    """One round of approval of an announcement (each submission opens one): the workflow that
    applied, approvals given so far, the decision and its SLA."""

    __tablename__ = "announcement_approvals"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="announcementApprovals",
        filter=("announcement_id", "status", "due_at", "created_at"),
        order=("created_at", "due_at"),
    )

    announcement: Mapped[Announcement] = reference(back="approvals")
    workflow: Mapped[AnnouncementApprovalWorkflow | None] = reference()
    rule: Mapped[AnnouncementApprovalRule | None] = reference(comment="The auto-approval rule that matched.")
    requested_by_user_id: Mapped[int] = _user("Who submitted it.")
    status: Mapped[AnnouncementApprovalStatus] = enum_column(AnnouncementApprovalStatus)
    required_approvals: Mapped[int] = mapped_column(default=0, server_default="0")
    approvals_given: Mapped[int] = mapped_column(default=0, server_default="0")
    approver_user_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")
    decided_by_user_id: Mapped[int | None] = _user("Who gave the final decision.", nullable=True)
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    publish_on_approval: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="Published (or scheduled) as soon as approved."
    )
    due_at: Mapped[dt.datetime | None] = mapped_column(comment="The decision's SLA.")
    escalated_at: Mapped[dt.datetime | None]


class AnnouncementApprovalHistory(HostelTenantMixin, Base):
    """Every move of an announcement (created, submitted, approved, rejected, scheduled,
    published, revised, archived ...): who, from which status to which, and why."""

    __tablename__ = "announcement_approval_history"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="announcementApprovalHistory",
        filter=("announcement_id", "action", "to_status", "actor_user_id", "created_at"),
        order=("created_at",),
        append_only=True,
    )

    announcement: Mapped[Announcement] = reference(back="history")
    approval: Mapped[AnnouncementApproval | None] = reference(back="history")
    action: Mapped[AnnouncementAction] = enum_column(AnnouncementAction)
    from_status: Mapped[AnnouncementStatus | None] = enum_column(AnnouncementStatus)
    to_status: Mapped[AnnouncementStatus] = enum_column(AnnouncementStatus)
    actor_user_id: Mapped[int | None] = _user("Who; null: a job.", nullable=True)
    note: Mapped[str | None] = mapped_column(Text)


# ---- scheduling ------------------------------------------------------------------------------------


class AnnouncementSchedule(HostelTenantMixin, Base):
    """When an approved announcement is published (and archived): the scheduling job
    publishes it at `publishAt`, once."""

    __tablename__ = "announcement_schedules"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="announcementSchedules",
        filter=("status", "publish_at"),
        order=("publish_at", "created_at"),
    )

    announcement: Mapped[Announcement] = reference(back="schedules")
    publish_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime | None]
    status: Mapped[AnnouncementScheduleStatus] = enum_column(
        AnnouncementScheduleStatus, AnnouncementScheduleStatus.PENDING
    )
    failure_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


class RecurringAnnouncement(ActiveMixin, HostelTenantMixin, Base):
    """A notice the hostel repeats (rent reminder on the 1st, weekly mess menu): at each due
    time the scheduling job publishes a new announcement from it to every current resident (or
    the floors named), once per due time. Creating one is an administrator's approval of all."""

    __tablename__ = "recurring_announcements"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="recurringAnnouncements",
        filter=("pattern", "category", "next_run_at", "active"),
        order=("next_run_at", "created_at"),
        write=Writes(
            ADMINS,
            fields=(
                "title",
                "content",
                "category",
                "priority",
                "pattern",
                "floors",
                "requires_acknowledgment",
                "next_run_at",
                "ends_at",
            ),
            required=("title", "content", "pattern", "next_run_at"),
            validate="resolvers.announcement.scheduling.check_recurring",
        ),
    )

    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    category: Mapped[AnnouncementCategory] = enum_column(AnnouncementCategory, AnnouncementCategory.GENERAL)
    priority: Mapped[AnnouncementPriority] = enum_column(AnnouncementPriority, AnnouncementPriority.NORMAL)
    pattern: Mapped[AnnouncementRecurrence] = enum_column(AnnouncementRecurrence)
    floors: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), default=list, server_default="{}", comment="Only these floors; empty: every resident."
    )
    requires_acknowledgment: Mapped[bool] = mapped_column(default=False, server_default="false")
    next_run_at: Mapped[dt.datetime] = mapped_column(comment="The next due time; moved on by the job.")
    ends_at: Mapped[dt.datetime | None]
    last_run_at: Mapped[dt.datetime | None]
    run_count: Mapped[int] = mapped_column(default=0, server_default="0")


class AnnouncementScheduleExecution(HostelTenantMixin, Base):
    """One due time of a schedule or a recurring announcement, run by the scheduling job:
    unique per source and due time, so a second run of the job does nothing."""

    __tablename__ = "announcement_schedule_executions"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "source_key", "due_at"),))
    __entity__ = Entity(
        read=STAFF,
        list="announcementScheduleExecutions",
        filter=("status", "schedule_id", "recurring_id", "due_at"),
        order=("due_at", "executed_at"),
        append_only=True,
    )

    schedule: Mapped[AnnouncementSchedule | None] = reference(back="executions")
    recurring: Mapped[RecurringAnnouncement | None] = reference(back="executions")
    source_key: Mapped[str] = mapped_column(String(40), comment="schedule:<id> or recurring:<id>.")
    announcement: Mapped[Announcement | None] = reference(comment="What it published.")
    due_at: Mapped[dt.datetime]
    executed_at: Mapped[dt.datetime]
    status: Mapped[ExecutionStatus] = enum_column(ExecutionStatus)
    recipients: Mapped[int] = mapped_column(default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)


class PublishQueue(HostelTenantMixin, Base):
    """An announcement waiting to be published at a time: the scheduling job takes the due
    entries (locked, skipped by other workers), highest priority first."""

    __tablename__ = "announcement_publish_queue"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="publishQueue",
        filter=("status", "due_at"),
        order=("due_at", "priority_rank"),
    )

    announcement: Mapped[Announcement] = reference()
    schedule: Mapped[AnnouncementSchedule | None] = reference()
    due_at: Mapped[dt.datetime] = mapped_column(index=True)
    priority_rank: Mapped[int] = mapped_column(default=1, server_default="1", comment="0 LOW ... 3 URGENT.")
    status: Mapped[PublishQueueStatus] = enum_column(PublishQueueStatus, PublishQueueStatus.WAITING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    processed_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


# ---- delivery --------------------------------------------------------------------------------------


class DeliveryChannel(ActiveMixin, HostelTenantMixin, Base):
    """The pace of one channel for announcements in this hostel: a delivery batch holds at most
    the smallest batch size of the active channels. Which channels a message takes is the
    notification pipeline's (the routing rule of `announcement.published` and each resident's
    preferences)."""

    __tablename__ = "announcement_delivery_channels"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "channel"),
            CheckConstraint("batch_size BETWEEN 1 AND 1000", name="batch_size_sane"),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="deliveryChannels",
        filter=("channel", "active"),
        order=("channel",),
        write=Writes(
            ADMINS,
            fields=("channel", "batch_size"),
            required=("channel",),
            immutable=("channel",),
        ),
    )

    channel: Mapped[DeliveryChannelType] = enum_column(DeliveryChannelType)
    batch_size: Mapped[int] = mapped_column(
        default=100, server_default="100", comment="At most this many residents per delivery batch (a provider's pace)."
    )


class DeliveryBatch(HostelTenantMixin, Base):
    """One batch of an announcement's recipients, told through the notification pipeline by
    one job (one `notify` call); its counts are refreshed from the pipeline's deliveries."""

    __tablename__ = "announcement_delivery_batches"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id", "version", "batch_number"),))
    __entity__ = Entity(
        read=STAFF,
        list="deliveryBatches",
        filter=("announcement_id", "status", "created_at"),
        order=("created_at", "batch_number"),
    )

    announcement: Mapped[Announcement] = reference(back="batches")
    version: Mapped[int] = mapped_column(comment="The announcement version it tells.")
    batch_number: Mapped[int]
    student_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")
    status: Mapped[DeliveryState] = enum_column(DeliveryState, DeliveryState.PENDING)
    notification_batch: Mapped[NotificationBatch | None] = reference(comment="The pipeline's batch.")
    recipient_count: Mapped[int] = mapped_column(default=0, server_default="0")
    delivered_count: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_count: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class AnnouncementDelivery(HostelTenantMixin, Base):
    """One recipient on one channel: the pipeline's delivery of it, its status mirrored."""

    __tablename__ = "announcement_deliveries"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "notification_delivery_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="announcementDeliveries",
        filter=("announcement_id", "batch_id", "channel", "status", "user_id"),
        order=("created_at",),
    )

    announcement: Mapped[Announcement] = reference()
    batch: Mapped[DeliveryBatch] = reference(back="deliveries")
    recipient: Mapped[AnnouncementRecipient] = reference()
    user_id: Mapped[int] = _user("The resident's login.")
    channel: Mapped[DeliveryChannelType] = enum_column(DeliveryChannelType)
    notification: Mapped[Notification] = reference()
    notification_delivery: Mapped[NotificationQueue] = reference(comment="The pipeline's delivery row.")
    status: Mapped[str] = mapped_column(
        String(20), comment="The pipeline's: QUEUED, DEFERRED, RETRYING, DELIVERED, FAILED."
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    delivered_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class DeliveryFailure(HostelTenantMixin, Base):
    """A failed attempt of an announcement's delivery (from the pipeline's status history):
    the error, and whether it was the last attempt."""

    __tablename__ = "announcement_delivery_failures"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "history_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="deliveryFailures",
        filter=("delivery_id", "is_final", "failed_at"),
        order=("failed_at",),
        append_only=True,
    )

    delivery: Mapped[AnnouncementDelivery] = reference(back="failures")
    history_id: Mapped[int] = mapped_column(BigInteger, comment="The pipeline's status-history row.")
    attempt: Mapped[int]
    error: Mapped[str | None] = mapped_column(Text)
    is_final: Mapped[bool] = mapped_column(comment="No attempt follows.")
    failed_at: Mapped[dt.datetime]


class DeliveryRetry(HostelTenantMixin, Base):
    """A repeated attempt of an announcement's delivery after a failure, and how it ended."""

    __tablename__ = "announcement_delivery_retries"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "history_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="deliveryRetries",
        filter=("delivery_id", "outcome", "retried_at"),
        order=("retried_at",),
        append_only=True,
    )

    delivery: Mapped[AnnouncementDelivery] = reference(back="retries")
    history_id: Mapped[int] = mapped_column(BigInteger, comment="The pipeline's status-history row.")
    attempt: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(20), comment="DELIVERED, RETRYING or FAILED.")
    retried_at: Mapped[dt.datetime]


# ---- tracking --------------------------------------------------------------------------------------


class AnnouncementView(HostelTenantMixin, Base):
    """A resident opened an announcement: on which device, from where, for how long."""

    __tablename__ = "announcement_views"
    __table_args__ = hostel_table(
        extra=(CheckConstraint("reading_seconds >= 0 AND scroll_percent BETWEEN 0 AND 100", name="view_sane"),)
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=OWN,
        list="announcementViews",
        about="Staff: every view of the hostel's announcements; a resident their own.",
        filter=("announcement_id", "device", "viewed_at"),
        order=("viewed_at",),
        append_only=True,
    )

    announcement: Mapped[Announcement] = reference(back="views")
    student: Mapped[HostelStudent] = reference()
    user_id: Mapped[int] = _user("The reader.")
    device: Mapped[AnnouncementDevice] = enum_column(AnnouncementDevice, AnnouncementDevice.MOBILE)
    source: Mapped[str | None] = mapped_column(String(30), comment="app, push, email link ...")
    reading_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    scroll_percent: Mapped[int] = mapped_column(default=0, server_default="0")
    viewed_at: Mapped[dt.datetime]


class ReadReceipt(HostelTenantMixin, Base):
    """A resident has read an announcement (once): when, how long after publishing."""

    __tablename__ = "announcement_read_receipts"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id", "student_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=OWN,
        list="announcementReadReceipts",
        about="Staff: who has read the hostel's announcements; a resident their own.",
        filter=("announcement_id", "read_at"),
        order=("read_at",),
        append_only=True,
    )

    announcement: Mapped[Announcement] = reference(back="read_receipts")
    student: Mapped[HostelStudent] = reference()
    user_id: Mapped[int] = _user("The reader.")
    version: Mapped[int] = mapped_column(comment="The version read.")
    read_at: Mapped[dt.datetime]
    seconds_to_read: Mapped[int] = mapped_column(comment="From publishing to reading.")
    reading_seconds: Mapped[int] = mapped_column(default=0, server_default="0", comment="Time spent on it.")


class Acknowledgment(HostelTenantMixin, Base):
    """A resident confirms an announcement that asks for it (once)."""

    __tablename__ = "announcement_acknowledgments"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id", "student_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=OWN,
        list="announcementAcknowledgments",
        about="Staff: who has acknowledged the hostel's announcements; a resident their own.",
        filter=("announcement_id", "acknowledged_at", "on_time"),
        order=("acknowledged_at",),
        append_only=True,
    )

    announcement: Mapped[Announcement] = reference(back="acknowledgments")
    student: Mapped[HostelStudent] = reference()
    user_id: Mapped[int] = _user("Who acknowledged.")
    version: Mapped[int] = mapped_column(comment="The version acknowledged.")
    acknowledged_at: Mapped[dt.datetime]
    note: Mapped[str | None] = mapped_column(Text, comment="What the resident added (done, a question).")
    seconds_to_acknowledge: Mapped[int]
    on_time: Mapped[bool] = mapped_column(comment="Before the acknowledgement deadline (or none was set).")


class EngagementMetric(ComputedMixin, HostelTenantMixin, Base):
    """How an announcement landed: delivery, reading and acknowledgement rates, views by
    device and an overall score; computed by the engagement job (and on demand)."""

    __tablename__ = "announcement_engagement_metrics"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="engagementMetrics",
        filter=("announcement_id", "computed_at"),
        order=("computed_at", "engagement_score"),
    )

    announcement: Mapped[Announcement] = reference(back="engagement")
    recipients: Mapped[int]
    deliveries: Mapped[int]
    delivered: Mapped[int]
    failed: Mapped[int]
    read_count: Mapped[int]
    acknowledged_count: Mapped[int]
    view_count: Mapped[int]
    unique_viewers: Mapped[int]
    read_rate: Mapped[float] = mapped_column(Float, comment="Percent of recipients who read it.")
    acknowledgment_rate: Mapped[float | None] = mapped_column(
        Float, comment="Percent who acknowledged (null: not asked)."
    )
    views_by_device: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    engagement_score: Mapped[float] = mapped_column(
        Float, comment="0-100: reading 60%, acknowledgement 30% (or reading), repeat views 10%."
    )


class ReadingTimeAnalytic(ComputedMixin, HostelTenantMixin, Base):
    """How long residents spent reading an announcement (from their views): average, median,
    extremes, quick (<10 s) / normal / thorough (>60 s) readers, and per device."""

    __tablename__ = "announcement_reading_time"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "announcement_id"),))
    __entity__ = Entity(read=STAFF, list="readingTimeAnalytics", filter=("announcement_id",), order=("computed_at",))

    announcement: Mapped[Announcement] = reference()
    readers: Mapped[int]
    average_seconds: Mapped[float | None] = mapped_column(Float)
    median_seconds: Mapped[float | None] = mapped_column(Float)
    min_seconds: Mapped[int | None]
    max_seconds: Mapped[int | None]
    quick_readers: Mapped[int]
    normal_readers: Mapped[int]
    thorough_readers: Mapped[int]
    average_by_device: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


__all__ = [name for name in dir() if name[:1].isupper()]
