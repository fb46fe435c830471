"""Deny by default: every root field and mutation declares who may use it.

A declaration is made where the field is defined (`schema.common.fields`), and
`tests/test_permissions_declared.py` walks the schema and fails on any root field that has
none. Enforcement (`Rule.check`) receives the request context; roles and tenant checks
are completed with login and tokens (identity issue).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    description: str
    roles: frozenset[str] = frozenset()
    public: bool = False
    any_authenticated: bool = False

    def allows(self, ctx: object) -> bool:
        if self.public:
            return True
        user_roles = getattr(ctx, "roles", None)
        if user_roles is None:  # no identity layer yet: the declaration is recorded, not enforced
            return True
        if self.any_authenticated:
            return bool(getattr(ctx, "user_id", None))
        return bool(self.roles & set(user_roles))


PUBLIC = Rule("anyone, without logging in", public=True)
AUTHENTICATED = Rule("any logged-in user", any_authenticated=True)


def roles(*names: str, description: str | None = None) -> Rule:
    return Rule(description or "roles: " + ", ".join(names), roles=frozenset(names))


PLATFORM = ("SUPER_ADMIN", "PLATFORM_ADMIN")
SCHOOL_READERS = (*PLATFORM, "SCHOOL_ADMIN", "ACCOUNTANT", "TEACHER")
SCHOOL_ADMINS = (*PLATFORM, "SCHOOL_ADMIN")
HOSTEL_ADMINS = (*PLATFORM, "HOSTEL_ADMIN")

# "Query.schools" -> Rule; "Mutation.schoolCreate" -> Rule
DECLARED: dict[str, Rule] = {}


def declare(path: str, rule: Rule) -> None:
    if path in DECLARED and DECLARED[path] != rule:
        raise ValueError(f"{path} declared twice with different rules")
    DECLARED[path] = rule
