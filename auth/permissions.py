"""Deny by default: every root field and mutation declares who may use it.

A declaration is made where the field is defined (`kit.fields`), and
`tests/test_schema_and_migrations.py` walks the schema and fails on any root field that has
none. `Rule.allows` receives the request context: the roles in force are the platform roles
plus those the user holds in the active tenant (auth/identity.py).
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
        if getattr(ctx, "user_id", None) is None:
            return False
        if self.any_authenticated:
            return True
        return not self.roles.isdisjoint(getattr(ctx, "roles", ()))


@dataclass(frozen=True)
class FieldRule:
    """Who may read a sensitive field of an object: holders of `roles`, or the object's
    own user (its `owner_attr` equals the caller's user id)."""

    description: str
    roles: frozenset[str] = frozenset()
    owner_attr: str | None = None

    def allows(self, ctx: object, source: object) -> bool:
        user_id = getattr(ctx, "user_id", None)
        # a login in this request proved who it is (kit/context.py): their own record, no roles
        proven = getattr(ctx, "proven_user_id", None)
        if self.owner_attr is not None:
            owner = source.__dict__.get(self.owner_attr)
            if owner is not None and (owner == user_id or owner == proven):
                return True
        if user_id is None:
            return False
        return not self.roles.isdisjoint(getattr(ctx, "roles", ()))


# "User.email" -> FieldRule
FIELD_RULES: dict[str, FieldRule] = {}


def protect(type_name: str, *fields: str, rule: FieldRule) -> None:
    for name in fields:
        FIELD_RULES[f"{type_name}.{name}"] = rule


PUBLIC = Rule("anyone, without logging in", public=True)
AUTHENTICATED = Rule("any logged-in user", any_authenticated=True)


def roles(*names: str, description: str | None = None) -> Rule:
    return Rule(description or "roles: " + ", ".join(names), roles=frozenset(names))


PLATFORM = ("SUPER_ADMIN", "PLATFORM_ADMIN")
SCHOOL_READERS = (*PLATFORM, "SCHOOL_ADMIN", "ACCOUNTANT", "TEACHER")
SCHOOL_ADMINS = (*PLATFORM, "SCHOOL_ADMIN")
HOSTEL_ADMINS = (*PLATFORM, "HOSTEL_ADMIN")
# seed 001 §9.2: finance reporting and exports are SCHOOL_ADMIN, ACCOUNTANT and SUPER_ADMIN (no PLATFORM_ADMIN)
FINANCE_REPORTERS = ("SUPER_ADMIN", "SCHOOL_ADMIN", "ACCOUNTANT")
# ... and its mutations are "school-admin focused" (vouchers, transfers, day closing): the platform's
# operators neither read a school's books nor write them; the override stays SUPER_ADMIN's alone
FINANCE_WRITERS = ("SUPER_ADMIN", "SCHOOL_ADMIN")
HOSTEL_STAFF = (*HOSTEL_ADMINS, "SUPERVISOR")
HOSTEL_MEMBERS = (*HOSTEL_STAFF, "HOSTEL_STUDENT")

# "Query.schools" -> Rule; "Mutation.schoolCreate" -> Rule
DECLARED: dict[str, Rule] = {}


def declare(path: str, rule: Rule) -> None:
    if path in DECLARED and DECLARED[path] != rule:
        raise ValueError(f"{path} declared twice with different rules")
    DECLARED[path] = rule
