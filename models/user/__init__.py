"""The one platform identity (seed 001 `User`, extended by seed 000 `user/`), its role
memberships per tenant, and the personal records around it."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, Numeric, String, Text, exists, or_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.permissions import AUTHENTICATED, PLATFORM, FieldRule, roles
from models.base import ActiveMixin, AuditMixin, Base
from models.entity import Entity, Internal
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
SCHOOL_ROLES = frozenset(
    {UserRole.SCHOOL_ADMIN, UserRole.ACCOUNTANT, UserRole.TEACHER, UserRole.STUDENT, UserRole.GUARDIAN}
)
HOSTEL_ROLES = frozenset({UserRole.HOSTEL_ADMIN, UserRole.SUPERVISOR, UserRole.HOSTEL_STUDENT})


class UserStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    PENDING_VERIFICATION = "PENDING_VERIFICATION"
    SUSPENDED = "SUSPENDED"


def own_rows(ctx: Any, alias: Any, bind: Any) -> Any:
    """A user's own records (`user_id` is the caller): sessions, login history."""
    return alias.c.user_id == bind(ctx.user_id if ctx.user_id is not None else -1)


def memberships_visible(ctx: Any, alias: Any, bind: Any) -> Any:
    """Platform roles: all; a school admin: the memberships of their school; others: their own."""
    if not ctx.roles.isdisjoint(PLATFORM):
        return None
    if ctx.school_id is not None and "SCHOOL_ADMIN" in ctx.roles:
        return "school", alias.c.school_id == bind(ctx.school_id)
    return "own", alias.c.user_id == bind(ctx.user_id if ctx.user_id is not None else -1)


def _role_enum() -> Enum:
    return Enum(UserRole, native_enum=False, length=50, validate_strings=True)


def users_of_tenant(ctx: Any, alias: Any, bind: Any) -> Any:
    """Platform roles see every user; tenant administrators themselves and the users who hold
    or held a role in their tenant (hostel admins also the hostel's other admins); everyone else
    only themselves. Held: a revoked membership stays in the tenant's history, and its `user`
    must stay readable where the membership is."""
    if not ctx.roles.isdisjoint(PLATFORM):
        return None
    own = ctx.self_id()  # a login's payload reads the user it just proved (kit/context.py)
    me = alias.c.id == bind(own if own is not None else -1)
    ra = RoleAssignment.__table__
    if ctx.school_id is not None and "SCHOOL_ADMIN" in ctx.roles:
        return "school", or_(me, exists().where(ra.c.user_id == alias.c.id, ra.c.school_id == bind(ctx.school_id)))
    if ctx.hostel_id is not None and "HOSTEL_ADMIN" in ctx.roles:
        from models.admin import AdminHostelAssignment, AdminUser

        au, aha = AdminUser.__table__, AdminHostelAssignment.__table__
        hostel = ctx.hostel_id
        return "hostel", or_(
            me,
            exists().where(ra.c.user_id == alias.c.id, ra.c.hostel_id == bind(hostel)),
            exists().where(
                au.c.user_id == alias.c.id,
                aha.c.admin_user_id == au.c.id,
                aha.c.status == "ACTIVE",
                aha.c.hostel_id == bind(hostel),
            ),
        )
    if ctx.school_id is not None and not ctx.roles.isdisjoint(("GUARDIAN", "STUDENT")):
        # a family reads the names of their children's teachers (models/school/access.py)
        from models.school.access import family_teacher_ids
        from models.teachers import Teacher

        t = Teacher.__table__
        teachers = exists().where(t.c.user_id == alias.c.id, t.c.id.in_(family_teacher_ids(ctx, bind)))
        return "family", or_(me, teachers)
    return "self", me


_USER_ADMINS = roles(*PLATFORM, "SCHOOL_ADMIN", "HOSTEL_ADMIN")
_CONTACT_OF_USER = FieldRule(
    "the user, platform roles and the administrators of a tenant the user belongs to",
    roles=frozenset({*PLATFORM, "SCHOOL_ADMIN", "HOSTEL_ADMIN"}),
    owner_attr="_pk",
)


class User(ActiveMixin, AuditMixin, Base):
    """A person who can log in: staff, teachers, students, guardians, hostel users."""

    __tablename__ = "users"
    __entity__ = Entity(
        read=_USER_ADMINS,
        rows=users_of_tenant,
        list="users",
        about="Users: platform roles see all; tenant administrators the users of their tenant.",
        filter=("email", "full_name", "role", "status", "active", "created_at", "last_login_at"),
        order=("email", "full_name", "created_at", "last_login_at"),
        protect={"email": _CONTACT_OF_USER, "phone": _CONTACT_OF_USER},
        hide=("password_hash", "failed_login_count", "locked_until", "password_changed_at"),
        hand_written="an account shows a chosen subset with prose on who sees what (schema/user.py); its create "
        "takes a password that is not a column, so its mutations are written there too",
    )

    # seed 001
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(_role_enum())  # the primary role; memberships below
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    # seed 000 user.py: contact, status, security tracking
    phone: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[UserStatus] = mapped_column(
        Enum(UserStatus, native_enum=False, length=30), default=UserStatus.ACTIVE, server_default="ACTIVE"
    )
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
        Index(
            "uq_role_assignments_active",
            "user_id",
            "role",
            text("coalesce(school_id, 0)"),
            text("coalesce(hostel_id, 0)"),
            unique=True,
            postgresql_where=text("active"),
        ),
    )
    __entity__ = Entity(
        read=roles(*PLATFORM, "SCHOOL_ADMIN"),
        rows=memberships_visible,
        list="roleAssignments",
        about="Who holds which role where.",
        filter=("role", "active"),
        order=("role", "created_at"),
        hand_written="its tenant is a School or a Hostel (one of two references), and roleAssign/roleRevoke "
        "keep the memberships' rules (schema/admin.py)",
    )

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
    __entity__ = Internal("personal data of seed 000 `user/`, not in the API yet")

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
    __entity__ = Internal("personal data of seed 000 `user/`, not in the API yet")

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
    __entity__ = Internal("personal data of seed 000 `user/`, not in the API yet")

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
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=own_rows,
        filter=("success", "attempted_at", "method"),
        order=("attempted_at",),
        hand_written="listed only as `me.loginHistory`, newest first (schema/auth.py); the address and the "
        "session it opened stay out",
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attempted_at: Mapped[dt.datetime]
    success: Mapped[bool]
    failure_reason: Mapped[str | None] = mapped_column(String(50))
    method: Mapped[str] = mapped_column(String(20), default="password", server_default="password")
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("user_sessions.id"))


from models.hostel import Hostel  # noqa: E402  (string annotation above)
