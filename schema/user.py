"""The platform identity (seed 001 `User`). Password hashes never appear in the schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

import models
from auth.passwords import hash_password, password_problem
from auth.permissions import PLATFORM, roles
from schema.common.connection import Connection, graphql_enum
from schema.common.entity import entity_type, relation
from schema.common.errors import ErrorCode, user_error
from schema.common.fields import list_field
from schema.common.mutations import master_data_mutations
from schema.common.node import Node

UserRole = graphql_enum(models.UserRole)


@entity_type(models.User, description="A person who can log in: staff, teachers, students, guardians, hostel users.")
class User(Node):
    email: str
    full_name: str | None
    role: UserRole
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime | None
    school: School | None = relation("The school this user belongs to, if any.")


@strawberry.type
class Query:
    users: Connection[User] = list_field(
        models.User, name="users", permission=roles(*PLATFORM, "SCHOOL_ADMIN"),
        description="Users: platform roles see all; school admins those of their school.",
    )


async def _prepare(ctx: Any, values: dict[str, Any]) -> dict[str, Any]:
    if "email" in values:
        values["email"] = values["email"].strip().lower()
    password = values.pop("password", None)
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise user_error(ErrorCode.INVALID, problem, "password")
        values["password_hash"] = hash_password(password)
    return values


UserMutations = master_data_mutations(
    models.User,
    writable=("email", "full_name", "role", "school_id"),
    required=("email", "role"),
    refs={"school_id": models.School},
    permissions={"create": roles(*PLATFORM), "update": roles(*PLATFORM), "deactivate": roles(*PLATFORM)},
    prepare=_prepare,
    extra_create_fields={"password": str},
)

mutations = (UserMutations,)

from schema.school import School  # noqa: E402  (forward reference of `school`)
