"""announcements (issue 15, announcements slice): the 26 tables of seed 000 `announcement/`, tenant RLS, append-only history

Revision ID: d6e8c18ace4d
Revises: 678b110b05bd
Create Date: 2026-12-07 22:13:06.405937
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from migrations import rls
from sqlalchemy.dialects import postgresql

revision = "d6e8c18ace4d"
down_revision = "678b110b05bd"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcement_approval_rules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "categories",
            sa.ARRAY(sa.String(length=30)),
            server_default="{}",
            nullable=False,
            comment="Categories it approves; empty: all.",
        ),
        sa.Column(
            "max_priority",
            sa.Enum("LOW", "NORMAL", "HIGH", "URGENT", name="announcementpriority", native_enum=False, length=30),
            server_default="NORMAL",
            nullable=False,
        ),
        sa.Column("max_recipients", sa.BigInteger(), nullable=True, comment="At most this audience; null: any."),
        sa.Column(
            "usage_count", sa.BigInteger(), server_default="0", nullable=False, comment="Announcements it approved."
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_approval_rules_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_approval_rules")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_approval_rules_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_approval_rules_hostel_id"), "announcement_approval_rules", ["hostel_id"], unique=False
    )
    op.create_table(
        "announcement_delivery_channels",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("IN_APP", "EMAIL", "SMS", "PUSH", name="deliverychanneltype", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column(
            "batch_size",
            sa.BigInteger(),
            server_default="100",
            nullable=False,
            comment="At most this many residents per delivery batch (a provider's pace).",
        ),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "batch_size BETWEEN 1 AND 1000", name=op.f("ck_announcement_delivery_channels_batch_size_sane")
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_delivery_channels_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_delivery_channels")),
        sa.UniqueConstraint("hostel_id", "channel", name=op.f("uq_announcement_delivery_channels_hostel_id_channel")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_delivery_channels_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_delivery_channels_hostel_id"),
        "announcement_delivery_channels",
        ["hostel_id"],
        unique=False,
    )
    op.create_table(
        "recurring_announcements",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "GENERAL",
                "MAINTENANCE",
                "EVENT",
                "EMERGENCY",
                "FEES",
                "MESS",
                "RULES",
                name="announcementcategory",
                native_enum=False,
                length=30,
            ),
            server_default="GENERAL",
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum("LOW", "NORMAL", "HIGH", "URGENT", name="announcementpriority", native_enum=False, length=30),
            server_default="NORMAL",
            nullable=False,
        ),
        sa.Column(
            "pattern",
            sa.Enum(
                "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", name="announcementrecurrence", native_enum=False, length=30
            ),
            nullable=False,
        ),
        sa.Column(
            "floors",
            sa.ARRAY(sa.Integer()),
            server_default="{}",
            nullable=False,
            comment="Only these floors; empty: every resident.",
        ),
        sa.Column("requires_acknowledgment", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "next_run_at", sa.DateTime(timezone=True), nullable=False, comment="The next due time; moved on by the job."
        ),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_recurring_announcements_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_announcements")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_recurring_announcements_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_recurring_announcements_hostel_id"), "recurring_announcements", ["hostel_id"], unique=False
    )
    op.create_table(
        "announcement_approval_workflows",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "categories",
            sa.ARRAY(sa.String(length=30)),
            server_default="{}",
            nullable=False,
            comment="Categories it applies to; empty: all.",
        ),
        sa.Column(
            "min_priority",
            sa.Enum("LOW", "NORMAL", "HIGH", "URGENT", name="announcementpriority", native_enum=False, length=30),
            server_default="LOW",
            nullable=False,
            comment="Applies to this priority and above.",
        ),
        sa.Column("required_approvals", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column(
            "approver_roles",
            sa.ARRAY(sa.String(length=30)),
            server_default="{}",
            nullable=False,
            comment="Roles that may approve; empty: any staff.",
        ),
        sa.Column(
            "sla_hours", sa.BigInteger(), server_default="24", nullable=False, comment="Decide within; then escalated."
        ),
        sa.Column("escalate_to_user_id", sa.BigInteger(), nullable=True, comment="Told when a decision is overdue."),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "required_approvals BETWEEN 1 AND 5 AND sla_hours > 0",
            name=op.f("ck_announcement_approval_workflows_workflow_sane"),
        ),
        sa.ForeignKeyConstraint(
            ["escalate_to_user_id"],
            ["users.id"],
            name=op.f("fk_announcement_approval_workflows_escalate_to_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_approval_workflows_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_approval_workflows")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_approval_workflows_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_approval_workflows_escalate_to_user_id"),
        "announcement_approval_workflows",
        ["escalate_to_user_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_announcement_approval_workflows_hostel_id"),
        "announcement_approval_workflows",
        ["hostel_id"],
        unique=False,
    )
    op.create_table(
        "announcements",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "GENERAL",
                "MAINTENANCE",
                "EVENT",
                "EMERGENCY",
                "FEES",
                "MESS",
                "RULES",
                name="announcementcategory",
                native_enum=False,
                length=30,
            ),
            server_default="GENERAL",
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum("LOW", "NORMAL", "HIGH", "URGENT", name="announcementpriority", native_enum=False, length=30),
            server_default="NORMAL",
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "DRAFT",
                "PENDING_APPROVAL",
                "APPROVED",
                "REJECTED",
                "SCHEDULED",
                "PUBLISHED",
                "ARCHIVED",
                name="announcementstatus",
                native_enum=False,
                length=30,
            ),
            server_default="DRAFT",
            nullable=False,
            comment="Moved by the workflow mutations only.",
        ),
        sa.Column(
            "author_user_id",
            sa.BigInteger(),
            nullable=True,
            comment="The staff member who drafted it (cannot approve it); null: generated by a recurring announcement.",
        ),
        sa.Column(
            "requires_acknowledgment",
            sa.Boolean(),
            server_default="false",
            nullable=False,
            comment="Residents confirm they have read and acted on it.",
        ),
        sa.Column("acknowledgment_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_pinned", sa.Boolean(), server_default="false", nullable=False, comment="Shown on top."),
        sa.Column(
            "version",
            sa.BigInteger(),
            server_default="1",
            nullable=False,
            comment="1 until revised after publishing; each revision adds one.",
        ),
        sa.Column(
            "scheduled_for", sa.DateTime(timezone=True), nullable=True, comment="When the scheduling job publishes it."
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "expires_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Archived by the scheduling job after this.",
        ),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "recipient_count",
            sa.BigInteger(),
            server_default="0",
            nullable=False,
            comment="Residents it was published to.",
        ),
        sa.Column(
            "recurring_id", sa.BigInteger(), nullable=True, comment="The recurring template it was generated from."
        ),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("version >= 1 AND recipient_count >= 0", name=op.f("ck_announcements_announcement_counts")),
        sa.ForeignKeyConstraint(["author_user_id"], ["users.id"], name=op.f("fk_announcements_author_user_id_users")),
        sa.ForeignKeyConstraint(
            ["hostel_id", "recurring_id"],
            ["recurring_announcements.hostel_id", "recurring_announcements.id"],
            name=op.f("fk_announcements_hostel_id_recurring_id_recurring_announcements"),
        ),
        sa.ForeignKeyConstraint(["hostel_id"], ["hostels.id"], name=op.f("fk_announcements_hostel_id_hostels")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcements_hostel_id_id")),
    )
    op.create_index(op.f("ix_announcements_author_user_id"), "announcements", ["author_user_id"], unique=False)
    op.create_index(op.f("ix_announcements_hostel_id"), "announcements", ["hostel_id"], unique=False)
    op.create_table(
        "announcement_approvals",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("requested_by_user_id", sa.BigInteger(), nullable=False, comment="Who submitted it."),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "APPROVED",
                "REJECTED",
                "NOT_REQUIRED",
                "AUTO_APPROVED",
                "WITHDRAWN",
                name="announcementapprovalstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("required_approvals", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("approvals_given", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("approver_user_ids", sa.ARRAY(sa.BigInteger()), server_default="{}", nullable=False),
        sa.Column("decided_by_user_id", sa.BigInteger(), nullable=True, comment="Who gave the final decision."),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column(
            "publish_on_approval",
            sa.Boolean(),
            server_default="false",
            nullable=False,
            comment="Published (or scheduled) as soon as approved.",
        ),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True, comment="The decision's SLA."),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("workflow_id", sa.BigInteger(), nullable=True),
        sa.Column("rule_id", sa.BigInteger(), nullable=True, comment="The auto-approval rule that matched."),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"], ["users.id"], name=op.f("fk_announcement_approvals_decided_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_approvals_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "rule_id"],
            ["announcement_approval_rules.hostel_id", "announcement_approval_rules.id"],
            name=op.f("fk_announcement_approvals_hostel_id_rule_id_announcement_approval_rules"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "workflow_id"],
            ["announcement_approval_workflows.hostel_id", "announcement_approval_workflows.id"],
            name=op.f("fk_announcement_approvals_hostel_id_workflow_id_announcement_approval_workflows"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_approvals_hostel_id_hostels")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"], ["users.id"], name=op.f("fk_announcement_approvals_requested_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_approvals")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_approvals_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_approvals_decided_by_user_id"),
        "announcement_approvals",
        ["decided_by_user_id"],
        unique=False,
    )
    op.create_index(op.f("ix_announcement_approvals_hostel_id"), "announcement_approvals", ["hostel_id"], unique=False)
    op.create_index(
        op.f("ix_announcement_approvals_requested_by_user_id"),
        "announcement_approvals",
        ["requested_by_user_id"],
        unique=False,
    )
    op.create_table(
        "announcement_attachments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("caption", sa.String(), nullable=True),
        sa.Column("sort_order", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("file_id", sa.BigInteger(), nullable=False, comment="The stored file (file management)."),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_attachments_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "file_id"],
            ["file_uploads.hostel_id", "file_uploads.id"],
            name=op.f("fk_announcement_attachments_hostel_id_file_id_file_uploads"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_attachments_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_attachments")),
        sa.UniqueConstraint(
            "hostel_id",
            "announcement_id",
            "file_id",
            name=op.f("uq_announcement_attachments_hostel_id_announcement_id_file_id"),
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_attachments_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_attachments_hostel_id"), "announcement_attachments", ["hostel_id"], unique=False
    )
    op.create_table(
        "announcement_audience_cache",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("student_ids", sa.ARRAY(sa.BigInteger()), server_default="{}", nullable=False),
        sa.Column("recipient_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "with_login_count",
            sa.BigInteger(),
            server_default="0",
            nullable=False,
            comment="Of them, residents with a login (who get messages).",
        ),
        sa.Column(
            "by_floor",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
            comment="Residents per floor ('none': no bed).",
        ),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_audience_cache_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_audience_cache_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_audience_cache")),
        sa.UniqueConstraint(
            "hostel_id", "announcement_id", name=op.f("uq_announcement_audience_cache_hostel_id_announcement_id")
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_audience_cache_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_audience_cache_hostel_id"), "announcement_audience_cache", ["hostel_id"], unique=False
    )
    op.create_table(
        "announcement_bulk_targeting_rules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "combine",
            sa.Enum("UNION", "INTERSECTION", name="combinemode", native_enum=False, length=30),
            server_default="UNION",
            nullable=False,
        ),
        sa.Column("exclude_student_ids", sa.ARRAY(sa.BigInteger()), server_default="{}", nullable=False),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_bulk_targeting_rules_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_bulk_targeting_rules_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_bulk_targeting_rules")),
        sa.UniqueConstraint(
            "hostel_id", "announcement_id", name=op.f("uq_announcement_bulk_targeting_rules_hostel_id_announcement_id")
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_bulk_targeting_rules_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_bulk_targeting_rules_hostel_id"),
        "announcement_bulk_targeting_rules",
        ["hostel_id"],
        unique=False,
    )
    op.create_table(
        "announcement_delivery_batches",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, comment="The announcement version it tells."),
        sa.Column("batch_number", sa.BigInteger(), nullable=False),
        sa.Column("student_ids", sa.ARRAY(sa.BigInteger()), server_default="{}", nullable=False),
        sa.Column(
            "status",
            sa.Enum("PENDING", "PROCESSING", "COMPLETED", "FAILED", name="deliverystate", native_enum=False, length=30),
            server_default="PENDING",
            nullable=False,
        ),
        sa.Column("recipient_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("delivered_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("failed_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("notification_batch_id", sa.BigInteger(), nullable=True, comment="The pipeline's batch."),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_delivery_batches_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "notification_batch_id"],
            ["notification_batches.hostel_id", "notification_batches.id"],
            name=op.f("fk_announcement_delivery_batches_hostel_id_notification_batch_id_notification_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_delivery_batches_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_delivery_batches")),
        sa.UniqueConstraint(
            "hostel_id",
            "announcement_id",
            "version",
            "batch_number",
            name=op.f("uq_announcement_delivery_batches_hostel_id_announcement_id_version_batch_number"),
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_delivery_batches_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_delivery_batches_hostel_id"), "announcement_delivery_batches", ["hostel_id"], unique=False
    )
    op.create_table(
        "announcement_engagement_metrics",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("recipients", sa.BigInteger(), nullable=False),
        sa.Column("deliveries", sa.BigInteger(), nullable=False),
        sa.Column("delivered", sa.BigInteger(), nullable=False),
        sa.Column("failed", sa.BigInteger(), nullable=False),
        sa.Column("read_count", sa.BigInteger(), nullable=False),
        sa.Column("acknowledged_count", sa.BigInteger(), nullable=False),
        sa.Column("view_count", sa.BigInteger(), nullable=False),
        sa.Column("unique_viewers", sa.BigInteger(), nullable=False),
        sa.Column("read_rate", sa.Float(), nullable=False, comment="Percent of recipients who read it."),
        sa.Column(
            "acknowledgment_rate", sa.Float(), nullable=True, comment="Percent who acknowledged (null: not asked)."
        ),
        sa.Column("views_by_device", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "engagement_score",
            sa.Float(),
            nullable=False,
            comment="0-100: reading 60%, acknowledgement 30% (or reading), repeat views 10%.",
        ),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_engagement_metrics_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_engagement_metrics_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_engagement_metrics")),
        sa.UniqueConstraint(
            "hostel_id", "announcement_id", name=op.f("uq_announcement_engagement_metrics_hostel_id_announcement_id")
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_engagement_metrics_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_engagement_metrics_hostel_id"),
        "announcement_engagement_metrics",
        ["hostel_id"],
        unique=False,
    )
    op.create_table(
        "announcement_reading_time",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("readers", sa.BigInteger(), nullable=False),
        sa.Column("average_seconds", sa.Float(), nullable=True),
        sa.Column("median_seconds", sa.Float(), nullable=True),
        sa.Column("min_seconds", sa.BigInteger(), nullable=True),
        sa.Column("max_seconds", sa.BigInteger(), nullable=True),
        sa.Column("quick_readers", sa.BigInteger(), nullable=False),
        sa.Column("normal_readers", sa.BigInteger(), nullable=False),
        sa.Column("thorough_readers", sa.BigInteger(), nullable=False),
        sa.Column("average_by_device", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_reading_time_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_reading_time_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_reading_time")),
        sa.UniqueConstraint(
            "hostel_id", "announcement_id", name=op.f("uq_announcement_reading_time_hostel_id_announcement_id")
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_reading_time_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_reading_time_hostel_id"), "announcement_reading_time", ["hostel_id"], unique=False
    )
    op.create_table(
        "announcement_schedules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "PUBLISHED",
                "CANCELLED",
                "FAILED",
                name="announcementschedulestatus",
                native_enum=False,
                length=30,
            ),
            server_default="PENDING",
            nullable=False,
        ),
        sa.Column("failure_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_schedules_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_schedules_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_schedules")),
        sa.UniqueConstraint(
            "hostel_id", "announcement_id", name=op.f("uq_announcement_schedules_hostel_id_announcement_id")
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_schedules_hostel_id_id")),
    )
    op.create_index(op.f("ix_announcement_schedules_hostel_id"), "announcement_schedules", ["hostel_id"], unique=False)
    op.create_table(
        "announcement_targets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "target_type",
            sa.Enum(
                "ALL", "FLOORS", "ROOMS", "ROOM_TYPES", "RESIDENTS", name="targettype", native_enum=False, length=30
            ),
            server_default="ALL",
            nullable=False,
        ),
        sa.Column("floors", sa.ARRAY(sa.Integer()), server_default="{}", nullable=False),
        sa.Column("room_ids", sa.ARRAY(sa.BigInteger()), server_default="{}", nullable=False),
        sa.Column("room_type_ids", sa.ARRAY(sa.BigInteger()), server_default="{}", nullable=False),
        sa.Column("student_ids", sa.ARRAY(sa.BigInteger()), server_default="{}", nullable=False),
        sa.Column(
            "estimated_recipients",
            sa.BigInteger(),
            server_default="0",
            nullable=False,
            comment="The audience when last computed.",
        ),
        sa.Column("actual_recipients", sa.BigInteger(), nullable=True, comment="Reached at publishing."),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_targets_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_targets_hostel_id_hostels")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_targets")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_targets_hostel_id_id")),
    )
    op.create_index(op.f("ix_announcement_targets_hostel_id"), "announcement_targets", ["hostel_id"], unique=False)
    op.create_table(
        "announcement_versions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "edited_by_user_id",
            sa.BigInteger(),
            nullable=True,
            comment="Who published or revised this text; null: a recurring announcement's.",
        ),
        sa.Column("change_summary", sa.Text(), nullable=True, comment="Why it was revised."),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["edited_by_user_id"], ["users.id"], name=op.f("fk_announcement_versions_edited_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_versions_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_versions_hostel_id_hostels")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_versions")),
        sa.UniqueConstraint(
            "hostel_id",
            "announcement_id",
            "version",
            name=op.f("uq_announcement_versions_hostel_id_announcement_id_version"),
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_versions_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_versions_edited_by_user_id"), "announcement_versions", ["edited_by_user_id"], unique=False
    )
    op.create_index(op.f("ix_announcement_versions_hostel_id"), "announcement_versions", ["hostel_id"], unique=False)
    op.create_table(
        "announcement_acknowledgments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False, comment="Who acknowledged."),
        sa.Column("version", sa.BigInteger(), nullable=False, comment="The version acknowledged."),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True, comment="What the resident added (done, a question)."),
        sa.Column("seconds_to_acknowledge", sa.BigInteger(), nullable=False),
        sa.Column(
            "on_time", sa.Boolean(), nullable=False, comment="Before the acknowledgement deadline (or none was set)."
        ),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_acknowledgments_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "student_id"],
            ["hostel_students.hostel_id", "hostel_students.id"],
            name=op.f("fk_announcement_acknowledgments_hostel_id_student_id_hostel_students"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_acknowledgments_hostel_id_hostels")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_announcement_acknowledgments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_acknowledgments")),
        sa.UniqueConstraint(
            "hostel_id",
            "announcement_id",
            "student_id",
            name=op.f("uq_announcement_acknowledgments_hostel_id_announcement_id_student_id"),
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_acknowledgments_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_acknowledgments_hostel_id"), "announcement_acknowledgments", ["hostel_id"], unique=False
    )
    op.create_index(
        op.f("ix_announcement_acknowledgments_user_id"), "announcement_acknowledgments", ["user_id"], unique=False
    )
    op.create_table(
        "announcement_approval_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "CREATED",
                "EDITED",
                "SUBMITTED",
                "APPROVED",
                "AUTO_APPROVED",
                "REJECTED",
                "WITHDRAWN",
                "SCHEDULED",
                "PUBLISHED",
                "REVISED",
                "ARCHIVED",
                "ESCALATED",
                name="announcementaction",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_status",
            sa.Enum(
                "DRAFT",
                "PENDING_APPROVAL",
                "APPROVED",
                "REJECTED",
                "SCHEDULED",
                "PUBLISHED",
                "ARCHIVED",
                name="announcementstatus",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "DRAFT",
                "PENDING_APPROVAL",
                "APPROVED",
                "REJECTED",
                "SCHEDULED",
                "PUBLISHED",
                "ARCHIVED",
                name="announcementstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=True, comment="Who; null: a job."),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("approval_id", sa.BigInteger(), nullable=True),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_announcement_approval_history_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_approval_history_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "approval_id"],
            ["announcement_approvals.hostel_id", "announcement_approvals.id"],
            name=op.f("fk_announcement_approval_history_hostel_id_approval_id_announcement_approvals"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_approval_history_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_approval_history")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_approval_history_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_approval_history_actor_user_id"),
        "announcement_approval_history",
        ["actor_user_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_announcement_approval_history_hostel_id"), "announcement_approval_history", ["hostel_id"], unique=False
    )
    op.create_table(
        "announcement_publish_queue",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("priority_rank", sa.BigInteger(), server_default="1", nullable=False, comment="0 LOW ... 3 URGENT."),
        sa.Column(
            "status",
            sa.Enum("WAITING", "DONE", "CANCELLED", "FAILED", name="publishqueuestatus", native_enum=False, length=30),
            server_default="WAITING",
            nullable=False,
        ),
        sa.Column("attempts", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("schedule_id", sa.BigInteger(), nullable=True),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_publish_queue_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "schedule_id"],
            ["announcement_schedules.hostel_id", "announcement_schedules.id"],
            name=op.f("fk_announcement_publish_queue_hostel_id_schedule_id_announcement_schedules"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_publish_queue_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_publish_queue")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_publish_queue_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_publish_queue_due_at"), "announcement_publish_queue", ["due_at"], unique=False
    )
    op.create_index(
        op.f("ix_announcement_publish_queue_hostel_id"), "announcement_publish_queue", ["hostel_id"], unique=False
    )
    op.create_table(
        "announcement_read_receipts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False, comment="The reader."),
        sa.Column("version", sa.BigInteger(), nullable=False, comment="The version read."),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds_to_read", sa.BigInteger(), nullable=False, comment="From publishing to reading."),
        sa.Column("reading_seconds", sa.BigInteger(), server_default="0", nullable=False, comment="Time spent on it."),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_read_receipts_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "student_id"],
            ["hostel_students.hostel_id", "hostel_students.id"],
            name=op.f("fk_announcement_read_receipts_hostel_id_student_id_hostel_students"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_read_receipts_hostel_id_hostels")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_announcement_read_receipts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_read_receipts")),
        sa.UniqueConstraint(
            "hostel_id",
            "announcement_id",
            "student_id",
            name=op.f("uq_announcement_read_receipts_hostel_id_announcement_id_student_id"),
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_read_receipts_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_read_receipts_hostel_id"), "announcement_read_receipts", ["hostel_id"], unique=False
    )
    op.create_index(
        op.f("ix_announcement_read_receipts_user_id"), "announcement_read_receipts", ["user_id"], unique=False
    )
    op.create_table(
        "announcement_recipients",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "user_id",
            sa.BigInteger(),
            nullable=True,
            comment="The resident's login (none: told in person, no message).",
        ),
        sa.Column("floor", sa.BigInteger(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True, comment="First read; null: unread."),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False, comment="The resident."),
        sa.Column("room_id", sa.BigInteger(), nullable=True, comment="Their room when it was published."),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_recipients_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "room_id"],
            ["rooms.hostel_id", "rooms.id"],
            name=op.f("fk_announcement_recipients_hostel_id_room_id_rooms"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "student_id"],
            ["hostel_students.hostel_id", "hostel_students.id"],
            name=op.f("fk_announcement_recipients_hostel_id_student_id_hostel_students"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_recipients_hostel_id_hostels")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_announcement_recipients_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_recipients")),
        sa.UniqueConstraint(
            "hostel_id",
            "announcement_id",
            "student_id",
            name=op.f("uq_announcement_recipients_hostel_id_announcement_id_student_id"),
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_recipients_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_recipients_hostel_id"), "announcement_recipients", ["hostel_id"], unique=False
    )
    op.create_index(op.f("ix_announcement_recipients_user_id"), "announcement_recipients", ["user_id"], unique=False)
    op.create_table(
        "announcement_schedule_executions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("source_key", sa.String(length=40), nullable=False, comment="schedule:<id> or recurring:<id>."),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("SUCCEEDED", "FAILED", "SKIPPED", name="executionstatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("recipients", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("schedule_id", sa.BigInteger(), nullable=True),
        sa.Column("recurring_id", sa.BigInteger(), nullable=True),
        sa.Column("announcement_id", sa.BigInteger(), nullable=True, comment="What it published."),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_schedule_executions_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "recurring_id"],
            ["recurring_announcements.hostel_id", "recurring_announcements.id"],
            name=op.f("fk_announcement_schedule_executions_hostel_id_recurring_id_recurring_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "schedule_id"],
            ["announcement_schedules.hostel_id", "announcement_schedules.id"],
            name=op.f("fk_announcement_schedule_executions_hostel_id_schedule_id_announcement_schedules"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_schedule_executions_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_schedule_executions")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_schedule_executions_hostel_id_id")),
        sa.UniqueConstraint(
            "hostel_id",
            "source_key",
            "due_at",
            name=op.f("uq_announcement_schedule_executions_hostel_id_source_key_due_at"),
        ),
    )
    op.create_index(
        op.f("ix_announcement_schedule_executions_hostel_id"),
        "announcement_schedule_executions",
        ["hostel_id"],
        unique=False,
    )
    op.create_table(
        "announcement_targeting_rules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "field",
            sa.Enum(
                "GENDER",
                "INSTITUTION",
                "COURSE",
                "MESS_OPTED",
                "FLOOR",
                "STATUS",
                "CHECK_IN_DATE",
                name="targetingfield",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "operator",
            sa.Enum("EQ", "NE", "IN", "CONTAINS", "GTE", "LTE", name="targetingoperator", native_enum=False, length=30),
            server_default="EQ",
            nullable=False,
        ),
        sa.Column(
            "value",
            sa.String(length=200),
            nullable=False,
            comment="IN: comma-separated; dates YYYY-MM-DD; booleans true/false.",
        ),
        sa.Column("is_exclusion", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "priority", sa.BigInteger(), server_default="0", nullable=False, comment="Order shown, lowest first."
        ),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "target_id"],
            ["announcement_targets.hostel_id", "announcement_targets.id"],
            name=op.f("fk_announcement_targeting_rules_hostel_id_target_id_announcement_targets"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_targeting_rules_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_targeting_rules")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_targeting_rules_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_targeting_rules_hostel_id"), "announcement_targeting_rules", ["hostel_id"], unique=False
    )
    op.create_table(
        "announcement_views",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False, comment="The reader."),
        sa.Column(
            "device",
            sa.Enum("MOBILE", "WEB", "TABLET", "DESKTOP", name="announcementdevice", native_enum=False, length=30),
            server_default="MOBILE",
            nullable=False,
        ),
        sa.Column("source", sa.String(length=30), nullable=True, comment="app, push, email link ..."),
        sa.Column("reading_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("scroll_percent", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "reading_seconds >= 0 AND scroll_percent BETWEEN 0 AND 100", name=op.f("ck_announcement_views_view_sane")
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_views_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "student_id"],
            ["hostel_students.hostel_id", "hostel_students.id"],
            name=op.f("fk_announcement_views_hostel_id_student_id_hostel_students"),
        ),
        sa.ForeignKeyConstraint(["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_views_hostel_id_hostels")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_announcement_views_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_views")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_views_hostel_id_id")),
    )
    op.create_index(op.f("ix_announcement_views_hostel_id"), "announcement_views", ["hostel_id"], unique=False)
    op.create_index(op.f("ix_announcement_views_user_id"), "announcement_views", ["user_id"], unique=False)
    op.create_table(
        "announcement_deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False, comment="The resident's login."),
        sa.Column(
            "channel",
            sa.Enum("IN_APP", "EMAIL", "SMS", "PUSH", name="deliverychanneltype", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.String(length=20),
            nullable=False,
            comment="The pipeline's: QUEUED, DEFERRED, RETRYING, DELIVERED, FAILED.",
        ),
        sa.Column("attempts", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=False),
        sa.Column("notification_id", sa.BigInteger(), nullable=False),
        sa.Column("notification_delivery_id", sa.BigInteger(), nullable=False, comment="The pipeline's delivery row."),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "announcement_id"],
            ["announcements.hostel_id", "announcements.id"],
            name=op.f("fk_announcement_deliveries_hostel_id_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "batch_id"],
            ["announcement_delivery_batches.hostel_id", "announcement_delivery_batches.id"],
            name=op.f("fk_announcement_deliveries_hostel_id_batch_id_announcement_delivery_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "notification_delivery_id"],
            ["notification_queue.hostel_id", "notification_queue.id"],
            name=op.f("fk_announcement_deliveries_hostel_id_notification_delivery_id_notification_queue"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "notification_id"],
            ["notifications.hostel_id", "notifications.id"],
            name=op.f("fk_announcement_deliveries_hostel_id_notification_id_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id", "recipient_id"],
            ["announcement_recipients.hostel_id", "announcement_recipients.id"],
            name=op.f("fk_announcement_deliveries_hostel_id_recipient_id_announcement_recipients"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_deliveries_hostel_id_hostels")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_announcement_deliveries_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_deliveries")),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_deliveries_hostel_id_id")),
        sa.UniqueConstraint(
            "hostel_id",
            "notification_delivery_id",
            name=op.f("uq_announcement_deliveries_hostel_id_notification_delivery_id"),
        ),
    )
    op.create_index(
        op.f("ix_announcement_deliveries_hostel_id"), "announcement_deliveries", ["hostel_id"], unique=False
    )
    op.create_index(op.f("ix_announcement_deliveries_user_id"), "announcement_deliveries", ["user_id"], unique=False)
    op.create_table(
        "announcement_delivery_failures",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("history_id", sa.BigInteger(), nullable=False, comment="The pipeline's status-history row."),
        sa.Column("attempt", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("is_final", sa.Boolean(), nullable=False, comment="No attempt follows."),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "delivery_id"],
            ["announcement_deliveries.hostel_id", "announcement_deliveries.id"],
            name=op.f("fk_announcement_delivery_failures_hostel_id_delivery_id_announcement_deliveries"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_delivery_failures_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_delivery_failures")),
        sa.UniqueConstraint(
            "hostel_id", "history_id", name=op.f("uq_announcement_delivery_failures_hostel_id_history_id")
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_delivery_failures_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_delivery_failures_hostel_id"),
        "announcement_delivery_failures",
        ["hostel_id"],
        unique=False,
    )
    op.create_table(
        "announcement_delivery_retries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("history_id", sa.BigInteger(), nullable=False, comment="The pipeline's status-history row."),
        sa.Column("attempt", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False, comment="DELIVERED, RETRYING or FAILED."),
        sa.Column("retried_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("hostel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hostel_id", "delivery_id"],
            ["announcement_deliveries.hostel_id", "announcement_deliveries.id"],
            name=op.f("fk_announcement_delivery_retries_hostel_id_delivery_id_announcement_deliveries"),
        ),
        sa.ForeignKeyConstraint(
            ["hostel_id"], ["hostels.id"], name=op.f("fk_announcement_delivery_retries_hostel_id_hostels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_delivery_retries")),
        sa.UniqueConstraint(
            "hostel_id", "history_id", name=op.f("uq_announcement_delivery_retries_hostel_id_history_id")
        ),
        sa.UniqueConstraint("hostel_id", "id", name=op.f("uq_announcement_delivery_retries_hostel_id_id")),
    )
    op.create_index(
        op.f("ix_announcement_delivery_retries_hostel_id"), "announcement_delivery_retries", ["hostel_id"], unique=False
    )
    rls.enable_tenant_rls("announcement_acknowledgments", "hostel_id")
    rls.append_only("announcement_acknowledgments")
    rls.enable_tenant_rls("announcement_approval_history", "hostel_id")
    rls.append_only("announcement_approval_history")
    rls.enable_tenant_rls("announcement_approval_rules", "hostel_id")
    rls.enable_tenant_rls("announcement_approval_workflows", "hostel_id")
    rls.enable_tenant_rls("announcement_approvals", "hostel_id")
    rls.enable_tenant_rls("announcement_attachments", "hostel_id")
    rls.enable_tenant_rls("announcement_audience_cache", "hostel_id")
    rls.enable_tenant_rls("announcement_bulk_targeting_rules", "hostel_id")
    rls.enable_tenant_rls("announcement_deliveries", "hostel_id")
    rls.enable_tenant_rls("announcement_delivery_batches", "hostel_id")
    rls.enable_tenant_rls("announcement_delivery_channels", "hostel_id")
    rls.enable_tenant_rls("announcement_delivery_failures", "hostel_id")
    rls.append_only("announcement_delivery_failures")
    rls.enable_tenant_rls("announcement_delivery_retries", "hostel_id")
    rls.append_only("announcement_delivery_retries")
    rls.enable_tenant_rls("announcement_engagement_metrics", "hostel_id")
    rls.enable_tenant_rls("announcement_publish_queue", "hostel_id")
    rls.enable_tenant_rls("announcement_read_receipts", "hostel_id")
    rls.append_only("announcement_read_receipts")
    rls.enable_tenant_rls("announcement_reading_time", "hostel_id")
    rls.enable_tenant_rls("announcement_recipients", "hostel_id")
    rls.enable_tenant_rls("announcement_schedule_executions", "hostel_id")
    rls.append_only("announcement_schedule_executions")
    rls.enable_tenant_rls("announcement_schedules", "hostel_id")
    rls.enable_tenant_rls("announcement_targeting_rules", "hostel_id")
    rls.enable_tenant_rls("announcement_targets", "hostel_id")
    rls.enable_tenant_rls("announcement_versions", "hostel_id")
    rls.append_only("announcement_versions")
    rls.enable_tenant_rls("announcement_views", "hostel_id")
    rls.append_only("announcement_views")
    rls.enable_tenant_rls("announcements", "hostel_id")
    rls.enable_tenant_rls("recurring_announcements", "hostel_id")


def downgrade() -> None:
    op.drop_index(op.f("ix_announcement_delivery_retries_hostel_id"), table_name="announcement_delivery_retries")
    op.drop_table("announcement_delivery_retries")
    op.drop_index(op.f("ix_announcement_delivery_failures_hostel_id"), table_name="announcement_delivery_failures")
    op.drop_table("announcement_delivery_failures")
    op.drop_index(op.f("ix_announcement_deliveries_user_id"), table_name="announcement_deliveries")
    op.drop_index(op.f("ix_announcement_deliveries_hostel_id"), table_name="announcement_deliveries")
    op.drop_table("announcement_deliveries")
    op.drop_index(op.f("ix_announcement_views_user_id"), table_name="announcement_views")
    op.drop_index(op.f("ix_announcement_views_hostel_id"), table_name="announcement_views")
    op.drop_table("announcement_views")
    op.drop_index(op.f("ix_announcement_targeting_rules_hostel_id"), table_name="announcement_targeting_rules")
    op.drop_table("announcement_targeting_rules")
    op.drop_index(op.f("ix_announcement_schedule_executions_hostel_id"), table_name="announcement_schedule_executions")
    op.drop_table("announcement_schedule_executions")
    op.drop_index(op.f("ix_announcement_recipients_user_id"), table_name="announcement_recipients")
    op.drop_index(op.f("ix_announcement_recipients_hostel_id"), table_name="announcement_recipients")
    op.drop_table("announcement_recipients")
    op.drop_index(op.f("ix_announcement_read_receipts_user_id"), table_name="announcement_read_receipts")
    op.drop_index(op.f("ix_announcement_read_receipts_hostel_id"), table_name="announcement_read_receipts")
    op.drop_table("announcement_read_receipts")
    op.drop_index(op.f("ix_announcement_publish_queue_hostel_id"), table_name="announcement_publish_queue")
    op.drop_index(op.f("ix_announcement_publish_queue_due_at"), table_name="announcement_publish_queue")
    op.drop_table("announcement_publish_queue")
    op.drop_index(op.f("ix_announcement_approval_history_hostel_id"), table_name="announcement_approval_history")
    op.drop_index(op.f("ix_announcement_approval_history_actor_user_id"), table_name="announcement_approval_history")
    op.drop_table("announcement_approval_history")
    op.drop_index(op.f("ix_announcement_acknowledgments_user_id"), table_name="announcement_acknowledgments")
    op.drop_index(op.f("ix_announcement_acknowledgments_hostel_id"), table_name="announcement_acknowledgments")
    op.drop_table("announcement_acknowledgments")
    op.drop_index(op.f("ix_announcement_versions_hostel_id"), table_name="announcement_versions")
    op.drop_index(op.f("ix_announcement_versions_edited_by_user_id"), table_name="announcement_versions")
    op.drop_table("announcement_versions")
    op.drop_index(op.f("ix_announcement_targets_hostel_id"), table_name="announcement_targets")
    op.drop_table("announcement_targets")
    op.drop_index(op.f("ix_announcement_schedules_hostel_id"), table_name="announcement_schedules")
    op.drop_table("announcement_schedules")
    op.drop_index(op.f("ix_announcement_reading_time_hostel_id"), table_name="announcement_reading_time")
    op.drop_table("announcement_reading_time")
    op.drop_index(op.f("ix_announcement_engagement_metrics_hostel_id"), table_name="announcement_engagement_metrics")
    op.drop_table("announcement_engagement_metrics")
    op.drop_index(op.f("ix_announcement_delivery_batches_hostel_id"), table_name="announcement_delivery_batches")
    op.drop_table("announcement_delivery_batches")
    op.drop_index(
        op.f("ix_announcement_bulk_targeting_rules_hostel_id"), table_name="announcement_bulk_targeting_rules"
    )
    op.drop_table("announcement_bulk_targeting_rules")
    op.drop_index(op.f("ix_announcement_audience_cache_hostel_id"), table_name="announcement_audience_cache")
    op.drop_table("announcement_audience_cache")
    op.drop_index(op.f("ix_announcement_attachments_hostel_id"), table_name="announcement_attachments")
    op.drop_table("announcement_attachments")
    op.drop_index(op.f("ix_announcement_approvals_requested_by_user_id"), table_name="announcement_approvals")
    op.drop_index(op.f("ix_announcement_approvals_hostel_id"), table_name="announcement_approvals")
    op.drop_index(op.f("ix_announcement_approvals_decided_by_user_id"), table_name="announcement_approvals")
    op.drop_table("announcement_approvals")
    op.drop_index(op.f("ix_announcements_hostel_id"), table_name="announcements")
    op.drop_index(op.f("ix_announcements_author_user_id"), table_name="announcements")
    op.drop_table("announcements")
    op.drop_index(op.f("ix_announcement_approval_workflows_hostel_id"), table_name="announcement_approval_workflows")
    op.drop_index(
        op.f("ix_announcement_approval_workflows_escalate_to_user_id"), table_name="announcement_approval_workflows"
    )
    op.drop_table("announcement_approval_workflows")
    op.drop_index(op.f("ix_recurring_announcements_hostel_id"), table_name="recurring_announcements")
    op.drop_table("recurring_announcements")
    op.drop_index(op.f("ix_announcement_delivery_channels_hostel_id"), table_name="announcement_delivery_channels")
    op.drop_table("announcement_delivery_channels")
    op.drop_index(op.f("ix_announcement_approval_rules_hostel_id"), table_name="announcement_approval_rules")
    op.drop_table("announcement_approval_rules")
