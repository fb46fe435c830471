"""Expected failures are data: `errors: [UserError!]!` in every mutation payload."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="Why a mutation did not do what was asked.")
class ErrorCode(enum.Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    LOCKED = "LOCKED"


@strawberry.type(description="A problem with the input; nothing was changed.")
class UserError:
    field: list[str] | None = strawberry.field(description="Path to the input field at fault, e.g. [\"input\", \"schoolCode\"].")
    code: ErrorCode
    message: str


class UserErrors(Exception):
    """Raised by services: the mutation's savepoint is rolled back, the payload carries these."""

    def __init__(self, *errors: UserError) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = list(errors)


def user_error(code: ErrorCode, message: str, *field: str) -> UserErrors:
    return UserErrors(UserError(field=["input", *field] if field else None, code=code, message=message))
