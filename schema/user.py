"""The platform identity (seed 001 `User`, seed 000 `user/`). Password hashes never appear
in the schema; contact data of other people is for administrators only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import exists, or_

import models
from auth.passwords import hash_password
from auth.permissions import PLATFORM, FieldRule, protect, roles
from kit.connection import Connection, graphql_enum
from kit.entity import entity_type, relation
from kit.errors import ErrorCode, user_error
from kit.fields import list_field
from kit.mutations import master_data_mutations
from kit.node import Node

UserRole = graphql_enum(models.UserRole)
UserStatus = graphql_enum(models.UserStatus)


@entity_type(models.User, description="A person who can log in: staff, teachers, students, guardians, hostel users.")
class User(Node):
    email: str | None = strawberry.field(description="Visible to the user and to administrators.")
    full_name: str | None
    phone: str | None = strawberry.field(description="Visible to the user and to administrators.")
    role: UserRole = strawberry.field(description="The primary role (memberships in `me`).")
    status: UserStatus
    email_verified: bool
    last_login_at: dt.datetime | None
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime | None
    school: School | None = relation("The user's primary school, if any.")


protect("User", "email", "phone", rule=FieldRule(
    "the user, platform roles and the administrators of a tenant the user belongs to",
    roles=frozenset({*PLATFORM, "SCHOOL_ADMIN", "HOSTEL_ADMIN"}), owner_attr="_pk"))


def users_of_tenant(ctx: Any, alias: Any, bind: Any) -> Any:
    """Platform roles see every user; tenant administrators themselves and the users holding
    a role in their tenant (hostel admins also the hostel's other admins); everyone else
    only themselves."""
    if not ctx.roles.isdisjoint(PLATFORM):
        return None
    me = alias.c.id == bind(ctx.user_id if ctx.user_id is not None else -1)
    ra = models.RoleAssignment.__table__
    if ctx.school_id is not None and "SCHOOL_ADMIN" in ctx.roles:
        return "school", or_(me, exists().where(ra.c.user_id == alias.c.id, ra.c.active, ra.c.school_id == bind(ctx.school_id)))
    if ctx.hostel_id is not None and "HOSTEL_ADMIN" in ctx.roles:
        au, aha = models.AdminUser.__table__, models.AdminHostelAssignment.__table__
        hostel = ctx.hostel_id
        return "hostel", or_(
            me,
            exists().where(ra.c.user_id == alias.c.id, ra.c.active, ra.c.hostel_id == bind(hostel)),
            exists().where(au.c.user_id == alias.c.id, aha.c.admin_user_id == au.c.id, aha.c.status == "ACTIVE",
                           aha.c.hostel_id == bind(hostel)),
        )
    return "self", me


@strawberry.type
class Query:
    users: Connection[User] = list_field(
        models.User, name="users", permission=roles(*PLATFORM, "SCHOOL_ADMIN", "HOSTEL_ADMIN"),
        row_filter=users_of_tenant,
        description="Users: platform roles see all; tenant administrators the users of their tenant.",
    )


async def _prepare(ctx: Any, values: dict[str, Any]) -> dict[str, Any]:
    if "email" in values:
        values["email"] = values["email"].strip().lower()
    password = values.pop("password", None)
    if password is not None:
        from auth.passwords import password_problem

        problem = password_problem(password)
        if problem:
            raise user_error(ErrorCode.INVALID, problem, "password")
        values["password_hash"] = hash_password(password)
    return values


UserMutations = master_data_mutations(
    models.User,
    writable=("email", "full_name", "phone", "role", "school_id"),
    required=("email", "role"),
    refs={"school_id": models.School},
    permissions={"create": roles(*PLATFORM), "update": roles(*PLATFORM), "deactivate": roles(*PLATFORM)},
    prepare=_prepare,
    extra_create_fields={"password": str},
)

mutations = (UserMutations,)

from schema.school import School  # noqa: E402  (forward reference of `school`)
