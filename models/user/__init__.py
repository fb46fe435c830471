"""The one platform identity (seed 001 `User`, extended by seed 000 `user/`), its role
memberships per tenant, and the personal records around it."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import ActiveMixin, AuditMixin, Base
from models.school import School


class UserRole(enum.Enum):
    # seed 001 §9
    SUPER_ADMIN = "SUPER_ADMIN"
    PLATFORM_ADMIN = "PLATFORM_ADMIN"
    SCHOOL_ADMIN = "SCHOOL_ADMIN"
    ACCOUNTANT = "ACCOUNTANT"
    TEACHER = "TEACHER"
    STUDENT = "STUDENT"
    GUARDIAN = "GUARDIAN"
    # seed 000 (hostel family)
    HOSTEL_ADMIN = "HOSTEL_ADMIN"
    SUPERVISOR = "SUPERVISOR"
    HOSTEL_STUDENT = "HOSTEL_STUDENT"
    VISITOR = "VISITOR"


PLATFORM_ROLES = frozenset({UserRole.SUPER_ADMIN, UserRole.PLATFORM_ADMIN})
SCHOOL_ROLES = frozenset({UserRole.SCHOOL_ADMIN, UserRole.ACCOUNTANT, UserRole.TEACHER, UserRole.STUDENT, UserRole.GUARDIAN})
HOSTEL_ROLES = frozenset({UserRole.HOSTEL_ADMIN, UserRole.SUPERVISOR, UserRole.HOSTEL_STUDENT})


class UserStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    PENDING_VERIFICATION = "PENDING_VERIFICATION"
    SUSPENDED = "SUSPENDED"


def _role_enum() -> Enum:
    return Enum(UserRole, native_enum=False, length=50, validate_strings=True)


class User(ActiveMixin, AuditMixin, Base):
    __tablename__ = "users"
    __filterable__ = ("email", "full_name", "role", "status", "active", "created_at", "last_login_at")
    __sortable__ = ("email", "full_name", "created_at", "last_login_at")

    # seed 001
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(_role_enum())  # the primary role; memberships below
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    # seed 000 user.py: contact, status, security tracking
    phone: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[UserStatus] = mapped_column(Enum(UserStatus, native_enum=False, length=30),
                                               default=UserStatus.ACTIVE, server_default="ACTIVE")
    email_verified: Mapped[bool] = mapped_column(default=False, server_default="false")
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]

    school: Mapped[School | None] = relationship(lazy="raise")
    role_assignments: Mapped[list[RoleAssignment]] = relationship(back_populates="user", lazy="raise")
    login_history: Mapped[list[LoginHistory]] = relationship(lazy="raise", viewonly=True)


class RoleAssignment(ActiveMixin, AuditMixin, Base):
    """A role a user holds in one tenant (a school or a hostel), or platform-wide.

    Authorisation reads these: one user may be a teacher in one school and a guardian in
    another, or supervise two hostels. (Hostel admins hold their hostels through
    `AdminHostelAssignment`.)"""

    __tablename__ = "role_assignments"
    __table_args__ = (
        CheckConstraint("school_id IS NULL OR hostel_id IS NULL", name="one_tenant"),
        Index("uq_role_assignments_active", "user_id", "role", text("coalesce(school_id, 0)"), text("coalesce(hostel_id, 0)"),
              unique=True, postgresql_where=text("active")),
    )
    __filterable__ = ("role", "active")
    __sortable__ = ("role", "created_at")

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[UserRole] = mapped_column(_role_enum())
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    hostel_id: Mapped[int | None] = mapped_column(ForeignKey("hostels.id"), index=True)

    user: Mapped[User] = relationship(back_populates="role_assignments", lazy="raise")
    school: Mapped[School | None] = relationship(lazy="raise")
    hostel: Mapped["Hostel | None"] = relationship(lazy="raise")


class UserProfile(AuditMixin, Base):
    """seed 000 user_profile.py: demographics, media, localisation, preferences."""

    __tablename__ = "user_profiles"
    __filterable__ = ("gender", "preferred_language")

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    gender: Mapped[str | None] = mapped_column(String(20))
    date_of_birth: Mapped[dt.date | None]
    bio: Mapped[str | None] = mapped_column(Text)
    avatar_url: Mapped[str | None] = mapped_column(String(1000))
    preferred_language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    timezone: Mapped[str] = mapped_column(String(50), default="Asia/Kolkata", server_default="Asia/Kolkata")
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    privacy_settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")

    user: Mapped[User] = relationship(lazy="raise")


class UserAddress(ActiveMixin, AuditMixin, Base):
    """seed 000 user_address.py: address with geolocation and verification."""

    __tablename__ = "user_addresses"
    __filterable__ = ("city", "state", "is_primary")

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(50))
    line1: Mapped[str] = mapped_column(String(255))
    line2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    pincode: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="IN", server_default="IN")
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    is_primary: Mapped[bool] = mapped_column(default=False, server_default="false")
    verified_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="raise")


class EmergencyContact(ActiveMixin, AuditMixin, Base):
    """seed 000 emergency_contact.py."""

    __tablename__ = "emergency_contacts"
    __filterable__ = ("name", "relation")
    __sortable__ = ("priority", "name")

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    relation: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(255))
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    can_authorize_pickup: Mapped[bool] = mapped_column(default=False, server_default="false")
    consent_given_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="raise")


class LoginHistory(Base):
    """seed 000 login_history.py: a user's own log of logins (the security counters are
    `LoginAttempt`, which also covers addresses and unknown emails)."""

    __tablename__ = "login_history"
    __table_args__ = (Index("ix_login_history_user_at", "user_id", "attempted_at"),)
    __filterable__ = ("success", "attempted_at", "method")
    __sortable__ = ("attempted_at",)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attempted_at: Mapped[dt.datetime]
    success: Mapped[bool]
    failure_reason: Mapped[str | None] = mapped_column(String(50))
    method: Mapped[str] = mapped_column(String(20), default="password", server_default="password")
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("user_sessions.id"))


from models.hostel import Hostel  # noqa: E402  (string annotation above)
