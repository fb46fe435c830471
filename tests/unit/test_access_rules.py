"""The rule tables and row filters of models/*/access.py without a database: which roles each
rule admits (written out by hand from seed 001 §9 and seed 000), and the condition each row
filter adds for each kind of caller, compiled with the kit's own binder. Isolation over HTTP:
tests/test_isolation*.py, tests/test_rule_matrix.py."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql

import models
from auth.permissions import PUBLIC
from kit.planner import Binder
from models.fees import access as fees
from models.hostel import access as hostel
from models.school import access as school

SUPER, PLATFORM, S_ADMIN, ACCOUNTANT, TEACHER, GUARDIAN, H_ADMIN, SUPERVISOR, RESIDENT, VISITOR = (
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
EVERY_ROLE = (SUPER, PLATFORM, S_ADMIN, ACCOUNTANT, TEACHER, GUARDIAN, H_ADMIN, SUPERVISOR, RESIDENT, VISITOR)


def ctx(
    *roles: str,
    user_id: int | None = 7,
    school_id: int | None = None,
    hostel_id: int | None = None,
    school_roles: dict[int, Any] | None = None,
) -> SimpleNamespace:
    identity = None if school_roles is None else SimpleNamespace(school_roles=school_roles)
    return SimpleNamespace(
        roles=frozenset(roles), user_id=user_id, school_id=school_id, hostel_id=hostel_id, identity=identity
    )


def admitted(rule: Any) -> set[str]:
    return {r for r in EVERY_ROLE if rule.allows(ctx(r))}


def sql(condition: Any) -> str:
    return " ".join(str(condition.compile(dialect=postgresql.dialect())).split())


@pytest.mark.parametrize(
    ("rule", "roles"),
    [
        (school.READERS, {SUPER, PLATFORM, S_ADMIN, ACCOUNTANT, TEACHER}),
        (school.ADMINS, {SUPER, PLATFORM, S_ADMIN}),
        (school.PLATFORM_ONLY, {SUPER, PLATFORM}),
        (school.MARKERS, {SUPER, PLATFORM, S_ADMIN, TEACHER}),
        (fees.FINANCE_READERS, {SUPER, PLATFORM, S_ADMIN, ACCOUNTANT}),
        (fees.FINANCE_REPORTS, {SUPER, S_ADMIN, ACCOUNTANT}),  # no PLATFORM_ADMIN (seed 001 §9.2)
        (fees.FEE_ADMINS, {SUPER, PLATFORM, S_ADMIN}),
        (fees.PAYMENT_WRITERS, {SUPER, PLATFORM, S_ADMIN, ACCOUNTANT}),
        (fees.FINANCE_WRITE, {SUPER, S_ADMIN}),
        (fees.OVERRIDERS, {SUPER}),  # dayClosingOverride: the super admin alone
        (hostel.STAFF, {SUPER, PLATFORM, H_ADMIN, SUPERVISOR}),
        (hostel.MEMBERS, {SUPER, PLATFORM, H_ADMIN, SUPERVISOR, RESIDENT}),
        (hostel.ADMINS, {SUPER, PLATFORM, H_ADMIN}),
        (hostel.HOSTEL_WRITERS["create"], {SUPER, PLATFORM}),
        (hostel.HOSTEL_WRITERS["update"], {SUPER, PLATFORM, H_ADMIN}),
        (hostel.HOSTEL_WRITERS["deactivate"], {SUPER, PLATFORM}),
    ],
    ids=[
        "school.READERS",
        "school.ADMINS",
        "school.PLATFORM_ONLY",
        "school.MARKERS",
        "fees.FINANCE_READERS",
        "fees.FINANCE_REPORTS",
        "fees.FEE_ADMINS",
        "fees.PAYMENT_WRITERS",
        "fees.FINANCE_WRITE",
        "fees.OVERRIDERS",
        "hostel.STAFF",
        "hostel.MEMBERS",
        "hostel.ADMINS",
        "hostel.create",
        "hostel.update",
        "hostel.deactivate",
    ],
)
def test_rule_admits(rule: Any, roles: set[str]) -> None:
    assert admitted(rule) == roles
    assert not rule.allows(ctx(*roles, user_id=None))


def test_hostel_config_and_catalogue_rules() -> None:
    assert hostel.CATALOGUE is PUBLIC
    assert set(hostel.CONFIG_WRITE) == {"create", "update", "deactivate"}
    assert all(rule is hostel.ADMINS for rule in hostel.CONFIG_WRITE.values())
    assert set(hostel.HOSTEL_WRITERS) == {"create", "update", "deactivate"}


class Row:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


@pytest.mark.parametrize("rule", [school.IDENTITY_NUMBERS, school.CONTACTS], ids=["IDENTITY_NUMBERS", "CONTACTS"])
def test_school_field_rules(rule: Any) -> None:
    readers = {SUPER, PLATFORM, S_ADMIN} | ({ACCOUNTANT, TEACHER} if rule is school.CONTACTS else set())
    assert {r for r in EVERY_ROLE if rule.allows(ctx(r), Row(user_id=7))} == readers


@pytest.mark.parametrize(
    "rule", [hostel.STAFF_OR_SELF, hostel.WAITLISTER_OR_STAFF], ids=["STAFF_OR_SELF", "WAITLISTER_OR_STAFF"]
)
def test_hostel_field_rules_admit_staff_and_the_rows_user(rule: Any) -> None:
    assert {r for r in EVERY_ROLE if rule.allows(ctx(r), Row(user_id=8))} == {SUPER, PLATFORM, H_ADMIN, SUPERVISOR}
    assert rule.allows(ctx(RESIDENT), Row(user_id=7)) is True
    assert rule.allows(ctx(VISITOR), Row(user_id=7)) is True


@pytest.mark.parametrize(
    "rule", [hostel.BOOKER_OR_STAFF, hostel.RESIDENT_OR_STAFF], ids=["BOOKER_OR_STAFF", "RESIDENT_OR_STAFF"]
)
def test_own_rows_rules_admit_whoever_reaches_the_row(rule: Any) -> None:
    assert rule.allows(ctx(VISITOR), Row()) is True  # the row filter narrowed them to their own rows
    assert rule.allows(ctx(), Row()) is True
    assert rule.allows(ctx(SUPERVISOR, user_id=None), Row()) is False
    assert rule.roles == {SUPER, PLATFORM, H_ADMIN, SUPERVISOR}  # who may filter and order by it


def test_school_wide_readers() -> None:
    assert school.SCHOOL_WIDE_READERS == {SUPER, PLATFORM, S_ADMIN, ACCOUNTANT}


# ---- row filters -----------------------------------------------------------------------------

SCHOOLS = models.School.__table__


@pytest.mark.parametrize("role", [SUPER, PLATFORM])
def test_platform_roles_see_and_change_every_school(role: str) -> None:
    assert school.own_school(ctx(role, S_ADMIN, school_roles={3: ()}), SCHOOLS, Binder()) is None
    assert school.school_in_context(ctx(role, school_id=3), SCHOOLS, Binder()) is None


def test_others_see_the_schools_they_hold_a_role_in() -> None:
    bind = Binder()
    branch, condition = school.own_school(ctx(TEACHER, GUARDIAN, school_roles={9: (), 4: ()}), SCHOOLS, bind)
    assert branch == "member" and sql(condition) == "schools.id = ANY (%(p0)s::BIGINT[])"
    assert bind.values == {"p0": [4, 9]}
    bind = Binder()
    branch, _ = school.own_school(ctx(VISITOR), SCHOOLS, bind)  # no identity: no school
    assert branch == "member" and bind.values == {"p0": []}


def test_others_change_only_the_school_they_work_in_now() -> None:
    bind = Binder()
    branch, condition = school.school_in_context(ctx(S_ADMIN, school_id=3), SCHOOLS, bind)
    assert (branch, sql(condition), bind.values) == ("context", "schools.id = %(p0)s", {"p0": 3})
    bind = Binder()
    school.school_in_context(ctx(S_ADMIN), SCHOOLS, bind)
    assert bind.values == {"p0": -1}  # no tenant: no school


def _class_table() -> Any:
    return models.SchoolClass.__table__


@pytest.mark.parametrize("role", [SUPER, PLATFORM, S_ADMIN, ACCOUNTANT])
def test_school_wide_readers_see_every_class_record(role: str) -> None:
    row_filter = school.classes_taught()
    assert row_filter(ctx(role, TEACHER), _class_table(), Binder()) is None


@pytest.mark.parametrize("role", [GUARDIAN, VISITOR, H_ADMIN])
def test_non_teachers_see_no_class_record(role: str) -> None:
    branch, condition = school.classes_taught()(ctx(role), _class_table(), Binder())
    assert branch == "none" and sql(condition) == "false"


def test_a_teacher_sees_the_records_of_the_classes_they_teach() -> None:
    bind = Binder()
    table = models.ClassSubject.__table__
    branch, condition = school.classes_taught()(ctx(TEACHER, user_id=11, school_id=5), table, bind)
    # the classes the caller teaches in this school: as class teacher, or as the teacher of an active subject
    assert branch == "taught" and sql(condition) == (
        "class_subjects.class_id IN (SELECT school_classes.id FROM school_classes JOIN teachers ON teachers.id = "
        "school_classes.class_teacher_id WHERE teachers.user_id = %(p0)s AND teachers.school_id = %(p1)s AND "
        "school_classes.school_id = %(p2)s UNION SELECT class_subjects.class_id FROM class_subjects JOIN teachers ON "
        "teachers.id = class_subjects.teacher_id WHERE teachers.user_id = %(p3)s AND teachers.school_id = %(p4)s AND "
        "class_subjects.school_id = %(p5)s AND class_subjects.active)"
    )
    assert bind.values == {"p0": 11, "p1": 5, "p2": 5, "p3": 11, "p4": 5, "p5": 5}
    bind = Binder()
    school.taught_class_ids(ctx(TEACHER, user_id=None), bind)
    assert bind.values == {"p0": -1, "p1": -1, "p2": -1, "p3": -1, "p4": -1, "p5": -1}


def test_a_teacher_sees_the_records_reached_through_a_taught_class() -> None:
    row_filter = school.classes_taught(via=("exams", "exam_id"))
    assert row_filter.__name__ == "classes_taught_exam_id"
    assert school.classes_taught("klass").__name__ == "classes_taught_klass"
    table = SimpleNamespace(c={"exam_id": models.ClassSubject.__table__.c.id})
    branch, condition = row_filter(ctx(TEACHER, user_id=11, school_id=5), table, Binder())
    assert branch == "taught" and sql(condition).startswith(
        "class_subjects.id IN (SELECT exams.id FROM exams WHERE exams.class_id IN (SELECT school_classes.id"
    )


BOOKINGS = models.Booking.__table__


@pytest.mark.parametrize("role", [SUPER, PLATFORM, H_ADMIN, SUPERVISOR])
def test_hostel_staff_see_every_row(role: str) -> None:
    assert hostel.is_staff(ctx(role)) is True
    assert hostel.own_resident_rows()(ctx(role), BOOKINGS, Binder()) is None
    assert hostel.own_user_rows("booker_user_id")(ctx(role), BOOKINGS, Binder()) is None
    assert hostel.own_booking_rows()(ctx(role), BOOKINGS, Binder()) is None


@pytest.mark.parametrize("role", [RESIDENT, VISITOR, S_ADMIN, TEACHER])
def test_others_see_only_their_own_rows(role: str) -> None:
    assert hostel.is_staff(ctx(role)) is False
    records = models.BookingNote.__table__ if hasattr(models, "BookingNote") else BOOKINGS
    bind = Binder()
    branch, condition = hostel.own_resident_rows("id")(ctx(role, user_id=7), BOOKINGS, bind)
    assert branch == "self" and sql(condition) == (
        "bookings.id IN (SELECT hostel_students.id FROM hostel_students WHERE hostel_students.user_id = %(p0)s)"
    )
    assert bind.values == {"p0": 7}
    bind = Binder()
    branch, condition = hostel.own_user_rows("booker_user_id")(ctx(role, user_id=7), BOOKINGS, bind)
    assert (branch, sql(condition), bind.values) == ("self", "bookings.booker_user_id = %(p0)s", {"p0": 7})
    bind = Binder()
    branch, condition = hostel.own_booking_rows()(ctx(role, user_id=7), records, bind)
    assert branch == "self" and sql(condition).startswith(f"{records.name}.booking_id IN (SELECT bookings.id")
    assert "bookings.booker_user_id = %(p0)s" in sql(condition) and bind.values == {"p0": 7}


def test_anonymous_callers_own_nothing() -> None:
    for row_filter in (hostel.own_resident_rows(), hostel.own_user_rows("booker_user_id"), hostel.own_booking_rows()):
        table = models.BookingNote.__table__ if row_filter.__qualname__.startswith("own_booking") else BOOKINGS
        if "student_id" not in table.c and row_filter.__qualname__.startswith("own_resident"):
            table = SimpleNamespace(c={"student_id": BOOKINGS.c.id})
        bind = Binder()
        row_filter(ctx(VISITOR, user_id=None), table, bind)
        assert bind.values == {"p0": -1}
    bind = Binder()
    hostel.my_student_ids(ctx(user_id=None), bind)
    assert bind.values == {"p0": -1}


HOSTELS = models.Hostel.__table__


def test_own_hostel() -> None:
    assert hostel.own_hostel(ctx(SUPER, hostel_id=2), HOSTELS, Binder()) is None
    assert hostel.own_hostel(ctx(PLATFORM), HOSTELS, Binder()) is None
    bind = Binder()
    assert sql(hostel.own_hostel(ctx(H_ADMIN, hostel_id=2), HOSTELS, bind)) == "hostels.id = %(p0)s"
    assert bind.values == {"p0": 2}
    bind = Binder()
    hostel.own_hostel(ctx(H_ADMIN), HOSTELS, bind)
    assert bind.values == {"p0": -1}
