"""The platform identity (seed 001 `User`, seed 000 `user/`). Password hashes never appear
in the schema; contact data of other people is for administrators only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
import models
from auth.passwords import hash_password_async
from auth.permissions import PLATFORM, roles
from kit.connection import graphql_enum
from kit.entity import entity_type, relation
from kit.errors import ErrorCode, user_error
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


# who reads users and which rows, the field rule of `email` and `phone`, and the root list
# `users` are declared on the model (models/user `User.__entity__`)


@strawberry.type
class Query:
    """No hand-written query: `users` is declared on the model."""


async def _prepare(ctx: Any, values: dict[str, Any]) -> dict[str, Any]:
    if "email" in values:
        values["email"] = values["email"].strip().lower()
    password = values.pop("password", None)
    if password is not None:
        from auth.passwords import password_problem

        problem = password_problem(password)
        if problem:
            raise user_error(ErrorCode.INVALID, problem, "password")
        values["password_hash"] = await hash_password_async(password)
    return values


UserMutations = master_data_mutations(
    models.User,
    writable=("email", "full_name", "phone", "role", "school_id"),
    required=("email", "role"),
    refs={"school_id": models.School},
    permissions={"create": roles(*PLATFORM), "update": roles(*PLATFORM), "deactivate": roles(*PLATFORM)},
    prepare=_prepare,
    extra_create_fields={"password": (str, "The user's first password (kept only as its hash).")},
)

mutations = (UserMutations,)

from schema.school import School  # noqa: E402  (forward reference of `school`)
