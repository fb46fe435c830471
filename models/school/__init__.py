"""School family root (seed 001 §1.1, school domain): School, AcademicSession, ActivityLog,
Subscription, SubscriptionPayment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKeyConstraint, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import ActiveMixin, AuditMixin, Base, SchoolTenantMixin, many, ref, school_ref


class School(ActiveMixin, AuditMixin, Base):
    """The tenant root of the school family; not itself tenant-scoped (seed §3.1)."""

    __tablename__ = "schools"
    __filterable__ = ("name", "display_name", "board", "medium", "school_code", "city", "state", "active", "created_at")
    __sortable__ = ("name", "school_code", "city", "created_at")

    name: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    board: Mapped[str | None] = mapped_column(String(100))
    medium: Mapped[str | None] = mapped_column(String(100))
    school_code: Mapped[str] = mapped_column(String(50), unique=True)
    affiliation_code: Mapped[str | None] = mapped_column(String(100))
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
    time_zone: Mapped[str] = mapped_column(String(50), default="Asia/Kolkata", server_default="Asia/Kolkata")
    # The pointer names a session of this same school: the composite foreign key below
    # (id, current_session_id) -> academic_sessions (school_id, id) makes that a database rule.
    current_session_id: Mapped[int | None]

    __table_args__ = (
        ForeignKeyConstraint(
            ["id", "current_session_id"], ["academic_sessions.school_id", "academic_sessions.id"],
            name="fk_schools_current_session_same_school", use_alter=True,
        ),
    )

    current_session: Mapped[AcademicSession | None] = relationship(
        primaryjoin="School.current_session_id == AcademicSession.id",
        foreign_keys="School.current_session_id", lazy="raise", viewonly=True,
    )
    academic_sessions: Mapped[list[AcademicSession]] = relationship(
        back_populates="school", foreign_keys="AcademicSession.school_id", lazy="raise"
    )


class AcademicSession(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "academic_sessions"
    __table_args__ = (
        UniqueConstraint("name", "school_id"),
        SchoolTenantMixin.tenant_unique(),
        # seed §7.6: a single active session per school, held by the database too
        Index("uq_academic_sessions_one_active", "school_id", unique=True, postgresql_where=text("active")),
    )
    __filterable__ = ("name", "start_date", "end_date", "active", "created_at")
    __sortable__ = ("name", "start_date", "end_date", "created_at")

    name: Mapped[str] = mapped_column(String(100))
    # Immutable after creation (seed §6.1): no update path changes them.
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]

    school: Mapped[School] = relationship(back_populates="academic_sessions", foreign_keys="AcademicSession.school_id", lazy="raise")


class ActivityLog(SchoolTenantMixin, Base):
    """seed 001: who did what to which entity, from where, when. Written by every mutation
    of the school family (kit/writes.py); append-only."""

    __tablename__ = "activity_logs"
    __table_args__ = (Index("idx_activity_logs_school_timestamp", "school_id", "timestamp"),)
    __filterable__ = ("action", "entity_type", "entity_id", "user_id", "timestamp")
    __sortable__ = ("timestamp",)

    user_id: Mapped[int | None]
    action: Mapped[str | None] = mapped_column(String(100))
    entity_type: Mapped[str | None] = mapped_column(String(100))
    entity_id: Mapped[int | None]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    timestamp: Mapped[dt.datetime | None]


class Subscription(SchoolTenantMixin, Base):
    """seed 001: a school's plan (managed by platform roles); `studentLimit` caps admissions."""

    __tablename__ = "subscriptions"
    __table_args__ = (SchoolTenantMixin.tenant_unique(),)
    __filterable__ = ("plan_name", "active", "start_date", "end_date")
    __sortable__ = ("start_date", "plan_name")

    plan_name: Mapped[str] = mapped_column(String(100))
    student_limit: Mapped[int | None] = mapped_column(Integer)
    monthly_price: Mapped[Decimal | None] = mapped_column(Numeric(15, 2))
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    active: Mapped[bool] = mapped_column(default=False, server_default="false")
    auto_renew: Mapped[bool] = mapped_column(default=False, server_default="false")

    school: Mapped[School] = ref("Subscription", "school_id", "School")
    payments: Mapped[list[SubscriptionPayment]] = many("Subscription", "SubscriptionPayment", "subscription_id")


class SubscriptionPayment(SchoolTenantMixin, Base):
    __tablename__ = "subscription_payments"
    __table_args__ = (school_ref("subscription_id", "subscriptions"),)
    __filterable__ = ("payment_date", "payment_mode")
    __sortable__ = ("payment_date",)

    subscription_id: Mapped[int]
    amount_paid: Mapped[Decimal | None] = mapped_column(Numeric(15, 2))
    payment_date: Mapped[dt.date | None]
    payment_mode: Mapped[str | None] = mapped_column(String(30))
    transaction_reference: Mapped[str | None] = mapped_column(String(100))
    invoice_url: Mapped[str | None] = mapped_column(String(1000))

    subscription: Mapped[Subscription] = ref("SubscriptionPayment", "subscription_id", "Subscription")
