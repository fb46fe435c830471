"""Hostel administration and role memberships (seed 000 `admin/`; memberships per tenant).

Platform roles manage admins, their hostel assignments and everyone's memberships; a hostel
admin sees their own admin record, assignments and context switches; a school admin manages
the school roles of their own school.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import false, select
from strawberry.types import Info

import models
from auth.permissions import PLATFORM, declare, roles
from models.admin import AssignmentStatus
from models.user import memberships_visible
from kit import writes
from kit.registry import spec_for_model
from kit.connection import Connection, graphql_enum
from kit.entity import entity_type, relation
from kit.errors import ErrorCode, UserErrors, user_error
from kit.fields import authorize
from kit.mutations import decode_ref, master_data_mutations, payload_type
from kit.node import Node

PermissionLevel = graphql_enum(models.admin.PermissionLevel)
AssignmentStatusEnum = graphql_enum(AssignmentStatus)
AdminStatus = graphql_enum(models.admin.AdminStatus)
UserRole = graphql_enum(models.UserRole)

SCHOOL_ROLES_A_SCHOOL_ADMIN_GIVES = {"TEACHER", "ACCOUNTANT", "STUDENT", "GUARDIAN"}


def _platform(ctx: Any) -> bool:
    return not ctx.roles.isdisjoint(PLATFORM)


def platform_only(ctx: Any, alias: Any, bind: Any) -> Any:
    return None if _platform(ctx) else ("none", false())


@entity_type(models.AdminRole, description="A role definition for hostel administrators (RBAC).")
class AdminRole(Node):
    name: str
    code: str
    description: str | None
    level: int
    permissions: list[str]
    is_system: bool
    active: bool


@entity_type(models.AdminUser, description="The administrator side of a user: hierarchy, status, hostels.")
class AdminUser(Node):
    employee_code: str | None
    designation: str | None
    department: str | None
    status: AdminStatus
    can_manage_multiple_hostels: bool
    last_active_at: dt.datetime | None
    created_at: dt.datetime
    user: User = relation()
    admin_role: AdminRole | None = relation()
    hostel_assignments: Connection[AdminHostelAssignment] = relation("Hostels this admin is assigned to.")


@entity_type(models.AdminHostelAssignment, description="An administrator's assignment to a hostel.")
class AdminHostelAssignment(Node):
    permission_level: PermissionLevel
    status: AssignmentStatusEnum
    is_primary: bool
    assigned_at: dt.datetime
    revoked_at: dt.datetime | None
    admin_user: AdminUser = relation()
    hostel: Hostel | None = relation()  # a hostel out of the caller's sight (private, closed) reads null


@entity_type(models.ContextSwitch, description="A hostel admin moving from one hostel to another.")
class ContextSwitch(Node):
    switched_at: dt.datetime
    request_id: str | None
    to_hostel: Hostel | None = relation()


@entity_type(models.PermissionTemplate, description="A predefined set of permissions for quick assignment.")
class PermissionTemplate(Node):
    name: str
    description: str | None
    permission_keys: list[str]
    permission_level: PermissionLevel
    active: bool


@entity_type(models.PermissionGroup, description="Related permission keys grouped for the UI.")
class PermissionGroup(Node):
    name: str
    description: str | None
    permission_keys: list[str]
    active: bool


@entity_type(models.RoleAssignment, description="A role a user holds in a school, a hostel, or platform-wide.")
class RoleAssignment(Node):
    role: UserRole
    active: bool
    created_at: dt.datetime
    user: User = relation()
    school: School | None = relation()
    hostel: Hostel | None = relation()


@strawberry.type
class Query:
    """No hand-written query: the admin lists are declared on the models (models/admin, models/user)."""


# ---- memberships ----------------------------------------------------------------------------


@strawberry.input
class RoleAssignInput:
    user_id: strawberry.ID
    role: UserRole
    tenant_id: strawberry.ID | None = strawberry.field(
        default=None, description="A School or Hostel; none for platform roles."
    )


@strawberry.input
class RoleRevokeInput:
    id: strawberry.ID


RoleAssignPayload = payload_type("RoleAssignPayload", spec_for_model(models.RoleAssignment))
RoleRevokePayload = payload_type("RoleRevokePayload", spec_for_model(models.RoleAssignment))
RoleAssignmentSpec = spec_for_model(models.RoleAssignment)


def _may_manage(ctx: Any, role: str, school_id: int | None, hostel_id: int | None) -> bool:
    """Who may give or take away `role` in this tenant. Platform roles are the super admin's
    alone: a platform admin who could give SUPER_ADMIN (or take it from the super admin) would
    be one mutation away from being one."""
    if role in PLATFORM:
        return "SUPER_ADMIN" in ctx.roles
    if _platform(ctx):
        return True
    return (
        school_id is not None
        and school_id == ctx.school_id
        and "SCHOOL_ADMIN" in ctx.roles
        and role in SCHOOL_ROLES_A_SCHOOL_ADMIN_GIVES
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Give a user a role in a school, a hostel, or platform-wide.")
    async def role_assign(self, info: Info, input: RoleAssignInput) -> RoleAssignPayload:  # noqa: A002
        authorize(info, roles(*PLATFORM, "SCHOOL_ADMIN"))
        ctx = info.context
        try:
            user_id = decode_ref(input.user_id, models.User, "userId")
            school_id = hostel_id = None
            if input.tenant_id is not None:
                kind = _kind(input.tenant_id)
                if kind == "School":
                    school_id = decode_ref(input.tenant_id, models.School, "tenantId")
                else:
                    hostel_id = decode_ref(input.tenant_id, models.Hostel, "tenantId")
            role = input.role.value
            platform_role = role in PLATFORM
            if platform_role != (school_id is None and hostel_id is None) and role != "VISITOR":
                raise user_error(
                    ErrorCode.INVALID, "Platform roles take no tenant; every other role needs one.", "tenantId"
                )
            if not _may_manage(ctx, role, school_id, hostel_id):
                raise user_error(ErrorCode.FORBIDDEN, "You may not give this role in this tenant.", "role")
            async with writes.mutation_scope(ctx, RoleAssignmentSpec) as session:
                exists = await session.scalar(select(models.User.id).where(models.User.id == user_id))
                if exists is None:
                    raise user_error(ErrorCode.NOT_FOUND, "No user with this ID.", "userId")
                assignment = models.RoleAssignment(
                    user_id=user_id, role=models.UserRole(role), school_id=school_id, hostel_id=hostel_id
                )
                session.add(assignment)
                await session.flush()
                pk = assignment.id
        except UserErrors as exc:
            return RoleAssignPayload.make(None, exc.errors)
        return RoleAssignPayload.make(pk)

    @strawberry.mutation(description="Take a role away (the membership is deactivated, kept in history).")
    async def role_revoke(self, info: Info, input: RoleRevokeInput) -> RoleRevokePayload:  # noqa: A002
        authorize(info, roles(*PLATFORM, "SCHOOL_ADMIN"))
        ctx = info.context
        try:
            pk = decode_ref(input.id, models.RoleAssignment, "id")
            async with writes.mutation_scope(ctx, RoleAssignmentSpec) as session:
                row = await writes.get_for_update(ctx, session, RoleAssignmentSpec, pk, memberships_visible)
                if not _may_manage(ctx, row.role.value, row.school_id, row.hostel_id):
                    raise user_error(ErrorCode.NOT_FOUND, "No RoleAssignment with this ID.", "id")
                row.active = False
        except UserErrors as exc:
            return RoleRevokePayload.make(None, exc.errors)
        return RoleRevokePayload.make(pk)


def _kind(gid: str) -> str:
    from kit.ids import InvalidId, decode_gid

    try:
        return decode_gid(gid)[0]
    except InvalidId:
        return ""


declare("Mutation.roleAssign", roles(*PLATFORM, "SCHOOL_ADMIN"))
declare("Mutation.roleRevoke", roles(*PLATFORM, "SCHOOL_ADMIN"))

AdminRoleMutations = master_data_mutations(
    models.AdminRole,
    writable=("name", "code", "description", "level", "permissions"),
    required=("name", "code"),
    permissions={v: roles(*PLATFORM) for v in ("create", "update", "deactivate")},
    write_filter=platform_only,
)
PermissionTemplateMutations = master_data_mutations(
    models.PermissionTemplate,
    writable=("name", "description", "permission_keys", "permission_level"),
    required=("name",),
    permissions={v: roles(*PLATFORM) for v in ("create", "update", "deactivate")},
    write_filter=platform_only,
)
PermissionGroupMutations = master_data_mutations(
    models.PermissionGroup,
    writable=("name", "description", "permission_keys"),
    required=("name",),
    permissions={v: roles(*PLATFORM) for v in ("create", "update", "deactivate")},
    write_filter=platform_only,
)

mutations = (Mutation, AdminRoleMutations, PermissionTemplateMutations, PermissionGroupMutations)

from schema.hostel import Hostel  # noqa: E402
from schema.school import School  # noqa: E402
from schema.user import User  # noqa: E402
