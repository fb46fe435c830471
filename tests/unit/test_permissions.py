"""auth/permissions.py without a database: who each kind of rule admits, written out by hand
from seed 001 §9 / seed 000 (the HTTP matrix of every root field is tests/test_rule_matrix.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from auth import permissions as p

ALL_ROLES = (
    "SUPER_ADMIN",
    "PLATFORM_ADMIN",
    "SCHOOL_ADMIN",
    "ACCOUNTANT",
    "TEACHER",
    "GUARDIAN",
    "HOSTEL_ADMIN",
    "SUPERVISOR",
    "HOSTEL_STUDENT",
    "VISITOR",
)


def caller(*roles: str, user_id: int | None = 7) -> SimpleNamespace:
    return SimpleNamespace(user_id=user_id, roles=frozenset(roles))


def test_public_admits_everyone_even_anonymous() -> None:
    assert p.PUBLIC.allows(caller(user_id=None)) is True
    assert p.PUBLIC.allows(SimpleNamespace()) is True


def test_authenticated_admits_any_logged_in_user_and_no_anonymous_one() -> None:
    assert p.AUTHENTICATED.allows(caller()) is True
    assert p.AUTHENTICATED.allows(caller("VISITOR")) is True
    assert p.AUTHENTICATED.allows(caller(user_id=None)) is False
    assert p.AUTHENTICATED.allows(SimpleNamespace(roles=frozenset())) is False


def test_a_role_rule_admits_its_roles_only() -> None:
    rule = p.roles("SCHOOL_ADMIN", "ACCOUNTANT")
    assert rule.allows(caller("SCHOOL_ADMIN")) is True
    assert rule.allows(caller("TEACHER", "ACCOUNTANT")) is True
    assert rule.allows(caller("TEACHER")) is False
    assert rule.allows(caller()) is False
    assert rule.allows(SimpleNamespace(user_id=7)) is False  # no roles at all
    # holding the role is not enough without a user (an expired token is anonymous)
    assert rule.allows(caller("SCHOOL_ADMIN", user_id=None)) is False
    assert rule.public is False and rule.any_authenticated is False


def test_a_rule_describes_itself() -> None:
    assert p.roles("SCHOOL_ADMIN", "ACCOUNTANT").description == "roles: SCHOOL_ADMIN, ACCOUNTANT"
    assert p.roles("TEACHER", description="teachers").description == "teachers"
    assert p.roles("SCHOOL_ADMIN", "ACCOUNTANT").roles == {"SCHOOL_ADMIN", "ACCOUNTANT"}


@pytest.mark.parametrize(
    ("group", "members"),
    [
        (p.PLATFORM, {"SUPER_ADMIN", "PLATFORM_ADMIN"}),
        (p.SCHOOL_READERS, {"SUPER_ADMIN", "PLATFORM_ADMIN", "SCHOOL_ADMIN", "ACCOUNTANT", "TEACHER"}),
        (p.SCHOOL_ADMINS, {"SUPER_ADMIN", "PLATFORM_ADMIN", "SCHOOL_ADMIN"}),
        (p.HOSTEL_ADMINS, {"SUPER_ADMIN", "PLATFORM_ADMIN", "HOSTEL_ADMIN"}),
        # seed 001 §9.2: no PLATFORM_ADMIN in finance reports, nor in its writes
        (p.FINANCE_REPORTERS, {"SUPER_ADMIN", "SCHOOL_ADMIN", "ACCOUNTANT"}),
        (p.FINANCE_WRITERS, {"SUPER_ADMIN", "SCHOOL_ADMIN"}),
        (p.HOSTEL_STAFF, {"SUPER_ADMIN", "PLATFORM_ADMIN", "HOSTEL_ADMIN", "SUPERVISOR"}),
        (p.HOSTEL_MEMBERS, {"SUPER_ADMIN", "PLATFORM_ADMIN", "HOSTEL_ADMIN", "SUPERVISOR", "HOSTEL_STUDENT"}),
    ],
    ids=[
        "PLATFORM",
        "SCHOOL_READERS",
        "SCHOOL_ADMINS",
        "HOSTEL_ADMINS",
        "FINANCE_REPORTERS",
        "FINANCE_WRITERS",
        "HOSTEL_STAFF",
        "HOSTEL_MEMBERS",
    ],
)
def test_role_groups(group: tuple[str, ...], members: set[str]) -> None:
    assert set(group) == members
    assert len(group) == len(members)  # no role twice


class Row:
    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


def test_field_rule_admits_its_roles_and_the_rows_own_user() -> None:
    rule = p.FieldRule("staff and self", roles=frozenset({"SUPERVISOR"}), owner_attr="user_id")
    mine, theirs = Row(user_id=7), Row(user_id=8)
    assert rule.allows(caller("SUPERVISOR"), theirs) is True
    assert rule.allows(caller("HOSTEL_STUDENT"), mine) is True
    assert rule.allows(caller("HOSTEL_STUDENT"), theirs) is False
    assert rule.allows(caller("HOSTEL_STUDENT"), Row()) is False  # the row has no owner value
    # anonymous: refused even on a row whose owner column is empty (None == None)
    assert rule.allows(caller("SUPERVISOR", user_id=None), Row(user_id=None)) is False


def test_field_rule_admits_the_user_a_login_of_this_request_proved_to_their_own_row_only() -> None:
    """tokenCreate's payload: no token yet (anonymous), but the password was just proved."""
    rule = p.FieldRule("staff and self", roles=frozenset({"SUPERVISOR"}), owner_attr="user_id")
    just_logged_in = SimpleNamespace(user_id=None, proven_user_id=8, roles=frozenset({"SUPERVISOR"}))
    assert rule.allows(just_logged_in, Row(user_id=8)) is True
    assert rule.allows(just_logged_in, Row(user_id=9)) is False  # no roles before the token
    assert rule.allows(just_logged_in, Row(user_id=None)) is False
    # a caller with a token who proved another login: both own rows, nobody else's
    both = SimpleNamespace(user_id=7, proven_user_id=8, roles=frozenset())
    assert [rule.allows(both, Row(user_id=u)) for u in (7, 8, 9)] == [True, True, False]
    assert p.FieldRule("admins", roles=frozenset({"SUPERVISOR"})).allows(just_logged_in, Row(user_id=8)) is False


def test_field_rule_without_owner_is_roles_only() -> None:
    rule = p.FieldRule("admins", roles=frozenset({"SCHOOL_ADMIN"}))
    assert rule.owner_attr is None
    assert rule.allows(caller("SCHOOL_ADMIN"), Row(user_id=8)) is True
    assert rule.allows(caller("TEACHER"), Row(user_id=7)) is False
    assert rule.allows(SimpleNamespace(user_id=7), Row(user_id=7)) is False


def test_protect_registers_every_field_under_its_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(p, "FIELD_RULES", {})
    rule = p.FieldRule("x", roles=frozenset({"TEACHER"}))
    p.protect("Student", "aadhaar", "phone", rule=rule)
    assert p.FIELD_RULES == {"Student.aadhaar": rule, "Student.phone": rule}


def test_declare_keeps_one_rule_per_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(p, "DECLARED", {})
    admins = p.roles("SCHOOL_ADMIN")
    p.declare("Mutation.x", admins)
    p.declare("Mutation.x", p.roles("SCHOOL_ADMIN"))  # the same rule again: fine
    assert p.DECLARED == {"Mutation.x": admins}
    with pytest.raises(ValueError, match="Mutation.x declared twice with different rules"):
        p.declare("Mutation.x", p.roles("TEACHER"))
    assert p.DECLARED == {"Mutation.x": admins}


def test_every_role_is_known_to_some_group() -> None:
    """The roles of the platform (demo users: one per role) all appear in the groups or are
    the ones that appear in none of them on purpose (GUARDIAN, VISITOR)."""
    grouped = {*p.SCHOOL_READERS, *p.HOSTEL_MEMBERS, *p.FINANCE_REPORTERS}
    assert set(ALL_ROLES) - grouped == {"GUARDIAN", "VISITOR"}


def test_owner_is_compared_by_value() -> None:
    """Ids come from different places (the token, the row): equal numbers, different objects."""
    rule = p.FieldRule("self", owner_attr="user_id")
    me = int("100000000007")
    assert rule.allows(caller(user_id=me), Row(user_id=int("100000000007"))) is True
    assert rule.allows(caller(user_id=me), Row(user_id=int("100000000008"))) is False


@pytest.mark.parametrize(
    "rule", [p.roles("TEACHER"), p.FieldRule("x", roles=frozenset({"TEACHER"}))], ids=["Rule", "FieldRule"]
)
def test_rules_are_frozen_values(rule: object) -> None:
    """One rule object is shared by every declaration that names it: nobody may change it in
    place, and equal rules are one rule (`declare` compares them; they key dictionaries)."""
    from dataclasses import FrozenInstanceError

    with pytest.raises(FrozenInstanceError):
        rule.roles = frozenset({"VISITOR"})  # type: ignore[misc]
    assert {rule: 1}[rule] == 1
