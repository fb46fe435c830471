"""School family root (seed 001 §1.1, school domain): School, AcademicSession, ActivityLog,
SchoolSubscription, SubscriptionPayment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKeyConstraint, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import ActiveMixin, AuditMixin, Base, SchoolTenantMixin, ref, reference
from models.entity import Entity, Writes
from models.school.access import ADMINS, PLATFORM_ONLY, READERS_AND_FAMILIES, own_school, school_in_context


class School(ActiveMixin, AuditMixin, Base):
    """A school: the tenant of the school family; not itself tenant-scoped (seed §3.1)."""

    __tablename__ = "schools"
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=own_school,
        list="schools",
        about="Schools: all of them for platform roles, the schools you hold a role in for everyone else.",
        filter=("name", "display_name", "board", "medium", "school_code", "city", "state", "active", "created_at"),
        order=("name", "school_code", "city", "created_at"),
        write=Writes(
            {"create": PLATFORM_ONLY, "update": ADMINS, "deactivate": PLATFORM_ONLY},
            fields=(
                "name",
                "display_name",
                "board",
                "medium",
                "school_code",
                "affiliation_code",
                "address",
                "city",
                "state",
                "pincode",
                "contact_number",
                "contact_email",
                "website",
                "logo_url",
                "description",
                "time_zone",
                "student_accounts",
            ),
            required=("name", "school_code"),
            prepare="resolvers.school.service.check_time_zone",
            rows=school_in_context,
        ),
    )

    name: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    board: Mapped[str | None] = mapped_column(String(100), comment="Examination board (CBSE, ICSE, a state board...).")
    medium: Mapped[str | None] = mapped_column(String(100), comment="Language of instruction.")
    school_code: Mapped[str] = mapped_column(
        String(50), unique=True, comment="The school's own code; unique on the platform."
    )
    affiliation_code: Mapped[str | None] = mapped_column(String(100), comment="Affiliation number given by the board.")
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    pincode: Mapped[str | None] = mapped_column(String(20))
    contact_number: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(255))
    logo_url: Mapped[str | None] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(String(2000))
    # not in the seed: dates ("today", closed days, attendance) are the school's local dates
    time_zone: Mapped[str] = mapped_column(
        String(50),
        default="Asia/Kolkata",
        server_default="Asia/Kolkata",
        comment='IANA zone of the school\'s dates ("today", closed days, attendance).',
    )
    student_accounts: Mapped[bool] = mapped_column(
        default=False,
        server_default="false",
        comment="Students may have their own login (invited by the school) and read their own records.",
    )
    # The pointer names a session of this same school: the composite foreign key below
    # (id, current_session_id) -> academic_sessions (school_id, id) makes that a database rule
    # (not a reference(): the tenant key of a school is its own id).
    current_session_id: Mapped[int | None] = mapped_column(comment="The session the school works in by default.")

    __table_args__ = (
        ForeignKeyConstraint(
            ["id", "current_session_id"],
            ["academic_sessions.school_id", "academic_sessions.id"],
            name="fk_schools_current_session_same_school",
            use_alter=True,
        ),
    )

    current_session: Mapped[AcademicSession | None] = relationship(
        primaryjoin="School.current_session_id == AcademicSession.id",
        foreign_keys="School.current_session_id",
        lazy="raise",
        viewonly=True,
    )
    academic_sessions: Mapped[list[AcademicSession]] = relationship(
        back_populates="school", foreign_keys="AcademicSession.school_id", lazy="raise"
    )


class AcademicSession(ActiveMixin, SchoolTenantMixin, Base):
    """An academic year of one school. One session per school is active (and current); records
    of the year (classes, enrollments, attendance, exams, fees) belong to one session."""

    __tablename__ = "academic_sessions"
    __table_args__ = (
        UniqueConstraint("name", "school_id"),
        SchoolTenantMixin.tenant_unique(),
        # seed §7.6: a single active session per school, held by the database too
        Index("uq_academic_sessions_one_active", "school_id", unique=True, postgresql_where=text("active")),
    )
    # Sessions are created and activated by workflows (academicSessionCreate/Activate); only the
    # name changes afterwards (seed §6.1: start and end dates are immutable after creation).
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        list="academicSessions",
        about="Academic sessions of the active school.",
        filter=("name", "start_date", "end_date", "active", "created_at"),
        order=("name", "start_date", "end_date", "created_at"),
        write=Writes(ADMINS, fields=("name",), verbs=("update",)),
    )

    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[dt.date | None] = mapped_column(comment="First day of the session; immutable after creation.")
    end_date: Mapped[dt.date | None] = mapped_column(comment="Last day of the session; immutable after creation.")

    school: Mapped[School] = relationship(
        back_populates="academic_sessions", foreign_keys="AcademicSession.school_id", lazy="raise"
    )


class ActivityLog(SchoolTenantMixin, Base):
    """Who did what, to which record, from where (append-only). Written by every mutation of the
    school family (kit/writes.py), never through the API."""

    __tablename__ = "activity_logs"
    __table_args__ = (Index("idx_activity_logs_school_timestamp", "school_id", "timestamp"),)
    __entity__ = Entity(
        read=ADMINS,
        list="activityLogs",
        about="What was done in the active school, by whom.",
        filter=("action", "entity_type", "entity_id", "user_id", "timestamp"),
        order=("timestamp",),
        append_only=True,
    )

    user_id: Mapped[int | None] = mapped_column(comment="The acting user's database id.")
    action: Mapped[str | None] = mapped_column(String(100), comment="The mutation or workflow that wrote the record.")
    entity_type: Mapped[str | None] = mapped_column(String(100), comment="The GraphQL type of the record written.")
    entity_id: Mapped[int | None] = mapped_column(comment="The database id of the record written.")
    ip_address: Mapped[str | None] = mapped_column(String(64))
    timestamp: Mapped[dt.datetime | None]


class SchoolSubscription(SchoolTenantMixin, Base):
    """A school's plan (managed by platform roles); `studentLimit` caps admissions."""

    __tablename__ = "subscriptions"
    __table_args__ = (SchoolTenantMixin.tenant_unique(),)
    __entity__ = Entity(
        read=ADMINS,
        list="schoolSubscriptions",
        about="Plans of the active school (platform roles: of every school).",
        filter=("plan_name", "active", "start_date", "end_date"),
        order=("start_date", "plan_name"),
        write=Writes(
            PLATFORM_ONLY,
            fields=("plan_name", "student_limit", "monthly_price", "start_date", "end_date", "active", "auto_renew"),
            required=("plan_name",),
        ),
    )

    plan_name: Mapped[str] = mapped_column(String(100))
    student_limit: Mapped[int | None] = mapped_column(
        Integer, comment="Most active students the school may admit; null: no cap."
    )
    monthly_price: Mapped[Decimal | None] = mapped_column(
        Numeric(15, 2), comment="Price per month, in the platform's currency."
    )
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    active: Mapped[bool] = mapped_column(default=False, server_default="false")
    auto_renew: Mapped[bool] = mapped_column(default=False, server_default="false")

    # the tenant link (school_id comes from SchoolTenantMixin, with its plain key to schools)
    school: Mapped[School] = ref("SchoolSubscription", "school_id", "School")


class SubscriptionPayment(SchoolTenantMixin, Base):
    """A payment of a school for its subscription (platform roles record it; never changed)."""

    __tablename__ = "subscription_payments"
    __entity__ = Entity(
        read=ADMINS,
        list="subscriptionPayments",
        filter=("payment_date", "payment_mode"),
        order=("payment_date",),
        write=Writes(
            PLATFORM_ONLY,
            fields=(
                "subscription_id",
                "amount_paid",
                "payment_date",
                "payment_mode",
                "transaction_reference",
                "invoice_url",
            ),
            required=("subscription_id", "amount_paid", "payment_date"),
            verbs=("create",),
        ),
    )

    subscription: Mapped[SchoolSubscription] = reference(back="payments")
    amount_paid: Mapped[Decimal | None] = mapped_column(Numeric(15, 2))
    payment_date: Mapped[dt.date | None]
    payment_mode: Mapped[str | None] = mapped_column(String(30))
    transaction_reference: Mapped[str | None] = mapped_column(String(100), comment="The bank's or gateway's reference.")
    invoice_url: Mapped[str | None] = mapped_column(String(1000))
