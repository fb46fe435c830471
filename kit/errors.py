"""Expected failures are data: `errors: [UserError!]!` in every mutation payload."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from graphql import GraphQLError


@strawberry.enum(description="Why a mutation did not do what was asked.")
class ErrorCode(enum.Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    LOCKED = "LOCKED"


@strawberry.type(description="A problem with the input; nothing was changed.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "schoolCode"].'
    )
    code: ErrorCode
    message: str


class UserErrors(Exception):
    """Raised by services: the mutation's savepoint is rolled back, the payload carries these."""

    def __init__(self, *errors: UserError) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = list(errors)


def user_error(code: ErrorCode, message: str, *field: str) -> UserErrors:
    return UserErrors(UserError(field=["input", *field] if field else None, code=code, message=message))


# ---- refusals of a whole field (GraphQL errors, not payload errors) ---------------------------


class BadInput(GraphQLError):
    """A clear, expected error about an argument; shown to the client as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "BAD_USER_INPUT"})


class ForbiddenField(GraphQLError):
    """A filter or order on a field whose field rule refuses the caller."""

    def __init__(self, type_name: str, field: str, use: str) -> None:
        super().__init__(
            f"{type_name}.{field} is protected: you may not {use} by it.", extensions={"code": "FORBIDDEN"}
        )


class Forbidden(GraphQLError):
    def __init__(self) -> None:
        super().__init__("You are not allowed to do this.", extensions={"code": "FORBIDDEN"})


class Unauthenticated(GraphQLError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or "Log in first: send Authorization: Bearer <accessToken>.", extensions={"code": "UNAUTHENTICATED"}
        )


def authorize(info: Any, rule: Any) -> None:
    """Refuse the field unless `rule` allows the caller: UNAUTHENTICATED without a login,
    FORBIDDEN with one."""
    ctx = info.context
    if rule.allows(ctx):
        return
    if ctx.user_id is None:
        raise Unauthenticated(ctx.auth_problem)
    raise Forbidden()
