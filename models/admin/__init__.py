"""Hostel administration (seed 000 `admin/`): admin identity and roles, permissions,
assignments of admins to hostels, and the active hostel context of each admin.

These are platform-level tables: they say which hostels an admin may act in, so they are
read before a tenant is chosen (not row-level secured by tenant; access is by permission).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ARRAY, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.permissions import PLATFORM, roles
from models.base import ActiveMixin, AuditMixin, Base
from models.entity import Entity, Internal

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.user import User

HOSTEL_STAFF_READERS = roles(*PLATFORM, "HOSTEL_ADMIN")


def _platform(ctx: Any) -> bool:
    return not ctx.roles.isdisjoint(PLATFORM)


def own_admin_rows(column: str) -> Any:
    """Row filter of an admin's own records: platform roles see all, a hostel admin theirs."""

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        if _platform(ctx):
            return None
        admin_id = ctx.identity.admin_user_id if ctx.identity is not None else None
        return "own", alias.c[column] == bind(admin_id if admin_id is not None else -1)

    row_filter.__name__ = f"own_admin_rows_{column}"
    return row_filter


def own_admin_user(ctx: Any, alias: Any, bind: Any) -> Any:
    """Platform roles see every admin record; a hostel admin their own."""
    return None if _platform(ctx) else ("own", alias.c.user_id == bind(ctx.user_id if ctx.user_id is not None else -1))


_HAND = "written by hand in schema/admin.py: a chosen subset of the admin tables' columns, with their descriptions"


class AdminStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    ON_LEAVE = "ON_LEAVE"
    SUSPENDED = "SUSPENDED"


class PermissionLevel(enum.Enum):
    FULL_ACCESS = "FULL_ACCESS"
    MANAGER = "MANAGER"
    VIEW_ONLY = "VIEW_ONLY"


class AssignmentStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"


# ---- admin_user.py ----------------------------------------------------------------------


class AdminRole(ActiveMixin, AuditMixin, Base):
    """A role definition with its place in the hierarchy and permission keys (RBAC)."""

    __tablename__ = "admin_roles"
    __entity__ = Entity(
        read=HOSTEL_STAFF_READERS,
        list="adminRoles",
        filter=("name", "code", "level", "active"),
        order=("name", "level"),
        hand_written=_HAND,
    )

    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer, default=10, server_default="10")  # lower is more senior
    permissions: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list, server_default="{}")
    is_system: Mapped[bool] = mapped_column(default=False, server_default="false")


class AdminUser(AuditMixin, Base):
    """The admin side of a `User`: hierarchy, status, multi-hostel flag."""

    __tablename__ = "admin_users"
    __entity__ = Entity(
        read=HOSTEL_STAFF_READERS,
        rows=own_admin_user,
        list="adminUsers",
        about="Hostel administrators (platform roles); a hostel admin sees their own record.",
        filter=("employee_code", "designation", "status", "can_manage_multiple_hostels"),
        order=("employee_code", "created_at"),
        hand_written=_HAND,
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    admin_role_id: Mapped[int | None] = mapped_column(ForeignKey("admin_roles.id"))
    employee_code: Mapped[str | None] = mapped_column(String(50), unique=True)
    designation: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[AdminStatus] = mapped_column(
        Enum(AdminStatus, native_enum=False, length=20), default=AdminStatus.ACTIVE, server_default="ACTIVE"
    )
    reports_to_id: Mapped[int | None] = mapped_column(ForeignKey("admin_users.id"))
    can_manage_multiple_hostels: Mapped[bool] = mapped_column(default=False, server_default="false")
    last_active_at: Mapped[dt.datetime | None]

    user: Mapped["User"] = relationship(lazy="raise")
    admin_role: Mapped[AdminRole | None] = relationship(lazy="raise")
    hostel_assignments: Mapped[list[AdminHostelAssignment]] = relationship(
        back_populates="admin_user", lazy="raise", foreign_keys="AdminHostelAssignment.admin_user_id"
    )


class AdminProfile(AuditMixin, Base):
    """An administrator's work profile (phone, office, qualifications)."""

    __tablename__ = "admin_profiles"
    __entity__ = Internal("seed 000 admin profile, not in the API yet")

    admin_user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id"), unique=True)
    joining_date: Mapped[dt.date | None]
    work_phone: Mapped[str | None] = mapped_column(String(30))
    office_location: Mapped[str | None] = mapped_column(String(255))
    qualifications: Mapped[str | None] = mapped_column(Text)
    bio: Mapped[str | None] = mapped_column(Text)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


class AdminSession(Base):
    """The admin view of a login session: which hostel it works in, how active it is."""

    __tablename__ = "admin_sessions"
    __entity__ = Internal("bookkeeping of admin logins (the gateway's hostel context)")

    admin_user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id"), index=True)
    user_session_id: Mapped[int] = mapped_column(ForeignKey("user_sessions.id"), unique=True)
    active_hostel_id: Mapped[int | None] = mapped_column(ForeignKey("hostels.id"))
    started_at: Mapped[dt.datetime]
    last_activity_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    request_count: Mapped[int] = mapped_column(Integer, default=0)


# ---- admin_permissions.py ---------------------------------------------------------------


class PermissionGroup(ActiveMixin, AuditMixin, Base):
    """Related permission keys grouped for the UI."""

    __tablename__ = "permission_groups"
    __entity__ = Entity(
        read=HOSTEL_STAFF_READERS, list="permissionGroups", filter=("name", "active"), hand_written=_HAND
    )

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    permission_keys: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list, server_default="{}")


class RolePermission(AuditMixin, Base):
    """A permission key an admin role grants (or withholds)."""

    __tablename__ = "role_permissions"
    __entity__ = Internal("RBAC bookkeeping read by the permission checks, not in the API yet")
    __table_args__ = (UniqueConstraint("admin_role_id", "permission_key"),)

    admin_role_id: Mapped[int] = mapped_column(ForeignKey("admin_roles.id"))
    permission_key: Mapped[str] = mapped_column(String(100))
    granted: Mapped[bool] = mapped_column(default=True)


class AdminPermission(AuditMixin, Base):
    """A permission granted to (or withheld from) one admin, optionally in one hostel."""

    __tablename__ = "admin_permissions"
    __table_args__ = (
        Index(
            "uq_admin_permissions_key", "admin_user_id", "permission_key", text("coalesce(hostel_id, 0)"), unique=True
        ),
    )
    __entity__ = Internal("RBAC bookkeeping read by the permission checks, not in the API yet")

    admin_user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id"))
    hostel_id: Mapped[int | None] = mapped_column(ForeignKey("hostels.id"))
    permission_key: Mapped[str] = mapped_column(String(100))
    granted: Mapped[bool] = mapped_column(default=True)
    expires_at: Mapped[dt.datetime | None]


class PermissionAudit(Base):
    """Append-only trail of changes to admin permissions."""

    __tablename__ = "permission_audits"
    __entity__ = Internal("audit trail of permission changes, not in the API yet", append_only=True)

    admin_user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id"), index=True)
    permission_key: Mapped[str] = mapped_column(String(100))
    hostel_id: Mapped[int | None] = mapped_column(ForeignKey("hostels.id"))
    action: Mapped[str] = mapped_column(String(20))  # grant | revoke | expire
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[dt.datetime]
    reason: Mapped[str | None] = mapped_column(Text)


class PermissionTemplate(ActiveMixin, AuditMixin, Base):
    """A predefined set of permissions for quick assignment."""

    __tablename__ = "permission_templates"
    __entity__ = Entity(
        read=HOSTEL_STAFF_READERS, list="permissionTemplates", filter=("name", "active"), hand_written=_HAND
    )

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    permission_keys: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list, server_default="{}")
    permission_level: Mapped[PermissionLevel] = mapped_column(
        Enum(PermissionLevel, native_enum=False, length=20), default=PermissionLevel.MANAGER
    )


# ---- admin_hostel_assignment.py -----------------------------------------------------------


class AdminHostelAssignment(AuditMixin, Base):
    """An admin's assignment to a hostel. ACTIVE assignments are the hostels the admin may
    switch among (X-Tenant-Id) and the portfolio views cover."""

    __tablename__ = "admin_hostel_assignments"
    __table_args__ = (
        Index(
            "uq_admin_hostel_assignments_active",
            "admin_user_id",
            "hostel_id",
            unique=True,
            postgresql_where=text("status = 'ACTIVE'"),
        ),
    )
    __entity__ = Entity(
        read=HOSTEL_STAFF_READERS,
        rows=own_admin_rows("admin_user_id"),
        list="adminHostelAssignments",
        about="Assignments of administrators to hostels.",
        filter=("status", "permission_level", "is_primary", "assigned_at"),
        order=("assigned_at",),
        hand_written=_HAND,
    )

    admin_user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id"), index=True)
    hostel_id: Mapped[int] = mapped_column(ForeignKey("hostels.id"), index=True)
    permission_level: Mapped[PermissionLevel] = mapped_column(
        Enum(PermissionLevel, native_enum=False, length=20), default=PermissionLevel.FULL_ACCESS
    )
    status: Mapped[AssignmentStatus] = mapped_column(
        Enum(AssignmentStatus, native_enum=False, length=20), default=AssignmentStatus.ACTIVE, server_default="ACTIVE"
    )
    is_primary: Mapped[bool] = mapped_column(default=False, server_default="false")
    assigned_at: Mapped[dt.datetime]
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[dt.datetime | None]

    admin_user: Mapped[AdminUser] = relationship(
        back_populates="hostel_assignments", lazy="raise", foreign_keys=[admin_user_id]
    )
    hostel: Mapped["Hostel"] = relationship(lazy="raise")


class AssignmentPermission(AuditMixin, Base):
    """A permission key granted (or withheld) in one hostel assignment."""

    __tablename__ = "assignment_permissions"
    __entity__ = Internal("RBAC bookkeeping read by the permission checks, not in the API yet")
    __table_args__ = (UniqueConstraint("assignment_id", "permission_key"),)

    assignment_id: Mapped[int] = mapped_column(ForeignKey("admin_hostel_assignments.id"))
    permission_key: Mapped[str] = mapped_column(String(100))
    granted: Mapped[bool] = mapped_column(default=True)


class AdminAssignmentHistory(Base):
    """seed 000 admin `AssignmentHistory` (prefixed: `booking/` and `room/` have their own)."""

    __tablename__ = "admin_assignment_history"
    __entity__ = Internal("audit trail of assignment changes, not in the API yet", append_only=True)

    assignment_id: Mapped[int] = mapped_column(ForeignKey("admin_hostel_assignments.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    old_values: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    new_values: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[dt.datetime]
    reason: Mapped[str | None] = mapped_column(Text)


class PrimaryHostelDesignation(Base):
    """History of which hostel is an admin's primary one."""

    __tablename__ = "primary_hostel_designations"
    __entity__ = Internal("history of an admin's primary hostel, not in the API yet")

    admin_user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id"), index=True)
    hostel_id: Mapped[int] = mapped_column(ForeignKey("hostels.id"))
    designated_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    designated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# ---- hostel_context.py --------------------------------------------------------------------


class HostelContext(Base):
    """The hostel an admin currently works in, with counters of the current stint."""

    __tablename__ = "hostel_contexts"
    __entity__ = Internal("the gateway's per-admin hostel context (X-Tenant-Id switching)")

    admin_user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id"), unique=True)
    active_hostel_id: Mapped[int] = mapped_column(ForeignKey("hostels.id"))
    activated_at: Mapped[dt.datetime]
    switch_count: Mapped[int] = mapped_column(Integer, default=0)
    cached_stats: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


class ContextSwitch(Base):
    """One switch from one hostel to another (X-Tenant-Id on a request of a hostel admin)."""

    __tablename__ = "context_switches"
    __table_args__ = (Index("ix_context_switches_admin_at", "admin_user_id", "switched_at"),)
    __entity__ = Entity(
        read=HOSTEL_STAFF_READERS,
        rows=own_admin_rows("admin_user_id"),
        list="contextSwitches",
        about="Hostel context switches, newest last.",
        filter=("switched_at",),
        order=("switched_at",),
        append_only=True,
        hand_written=_HAND,
    )

    admin_user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id"))
    from_hostel_id: Mapped[int | None] = mapped_column(ForeignKey("hostels.id"))
    to_hostel_id: Mapped[int] = mapped_column(ForeignKey("hostels.id"))
    switched_at: Mapped[dt.datetime]
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(64))

    to_hostel: Mapped["Hostel"] = relationship(lazy="raise", foreign_keys=[to_hostel_id])


class ContextPreference(AuditMixin, Base):
    """Per admin and hostel UI preferences (dashboard layout, default filters)."""

    __tablename__ = "context_preferences"
    __entity__ = Internal("UI preferences of an admin per hostel, not in the API yet")
    __table_args__ = (UniqueConstraint("admin_user_id", "hostel_id"),)

    admin_user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id"))
    hostel_id: Mapped[int] = mapped_column(ForeignKey("hostels.id"))
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


class ContextSnapshot(Base):
    """State of the hostel/UI at the moment of a switch."""

    __tablename__ = "context_snapshots"
    __entity__ = Internal("UI state at a context switch, not in the API yet")

    context_switch_id: Mapped[int] = mapped_column(ForeignKey("context_switches.id"), index=True)
    hostel_id: Mapped[int] = mapped_column(ForeignKey("hostels.id"))
    taken_at: Mapped[dt.datetime]
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


from models.hostel import Hostel  # noqa: E402
