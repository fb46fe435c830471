"""Fee setup through GraphQL (seed 001 fee domain, §5.1, §7.2-7.4, §7.6, §10.4): fee types,
structures with their late-fee policy, discount definitions, assignments (snapshots),
discounts, late-fee waivers, funding arrangements, the daily accrual command, and the one
pending formula (GraphQL = Python = SQL).

Every test creates the rows it changes (its own fee types, structures, students); the
accrual and formula tests work in a school of their own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql

import models
from resolvers.fees import accrual
from resolvers.fees.formula import pending, pending_sql, pending_sql_text
from kit.ids import decode_gid, encode_gid
from tests.conftest import (
    as_user,
    GQL,
    make_schools,
    school_today,
    tenant_header,
    unique,
)

D = Decimal
ADMIN, ACCOUNTANT, TEACHER, RIVERSIDE = (
    "admin@greenwood.demo",
    "accounts@greenwood.demo",
    "teacher@greenwood.demo",
    "admin@riverside.demo",
)
ERRORS = "errors { field code message }"
ASSIGNMENT = """id amount dueDate sponsorCoveredAmount lateFeeType lateFeeValue lateFeeGraceDays lateFeeCapType
  lateFeeCapValue lateFeeApplied lateFeeAccrued principalPaid lateFeePaid lateFeeWaived totalDiscountAmount pending active
  student { id } feeStructure { id amount }"""
POLICY = "latePolicies: lateFeePolicies(first: 5) { nodes { type amountValue graceDays capType capValue active } }"

FEE_TYPE_CREATE = f"""mutation($i: FeeTypeCreateInput!) {{ feeTypeCreate(input: $i) {{
  feeType {{ id name description active }} {ERRORS} }} }}"""
FEE_TYPE_UPDATE = f"""mutation($i: FeeTypeUpdateInput!) {{ feeTypeUpdate(input: $i) {{
  feeType {{ id name description active }} {ERRORS} }} }}"""
FEE_TYPE_TOGGLE = (
    f"""mutation($i: FeeTypeToggleInput!) {{ feeTypeToggle(input: $i) {{ feeType {{ id active }} {ERRORS} }} }}"""
)
STRUCTURE_CREATE = f"""mutation($i: FeeStructureCreateInput!) {{ feeStructureCreate(input: $i) {{
  feeStructure {{ id amount frequency dueDayOfMonth active feeType {{ id }} schoolClass {{ id }} session {{ id }} {POLICY} }}
  {ERRORS} }} }}"""
STRUCTURE_UPDATE = f"""mutation($i: FeeStructureUpdateInput!) {{ feeStructureUpdate(input: $i) {{
  feeStructure {{ id amount frequency dueDayOfMonth active {POLICY} }} {ERRORS} }} }}"""
STRUCTURE_TOGGLE = f"""mutation($i: FeeStructureToggleInput!) {{ feeStructureToggle(input: $i) {{
  feeStructure {{ id active }} {ERRORS} }} }}"""
DEFINITION_CREATE = f"""mutation($i: DiscountDefinitionCreateInput!) {{ discountDefinitionCreate(input: $i) {{
  discountDefinition {{ id name type amountValue active }} {ERRORS} }} }}"""
DEFINITION_TOGGLE = f"""mutation($i: DiscountDefinitionToggleInput!) {{ discountDefinitionToggle(input: $i) {{
  discountDefinition {{ id active }} {ERRORS} }} }}"""
ASSIGN = f"""mutation($i: FeeAssignInput!) {{ feeAssign(input: $i) {{ studentFeeAssignments {{ {ASSIGNMENT} }} {ERRORS} }} }}"""
DISCOUNT = f"""mutation($i: FeeDiscountApplyInput!) {{ feeDiscountApply(input: $i) {{
  feeAdjustment {{ id type amount discountNameSnapshot discountTypeSnapshot discountValueSnapshot reason createdByStaff }}
  studentFeeAssignment {{ {ASSIGNMENT} }} {ERRORS} }} }}"""
WAIVE = f"""mutation($i: LateFeeWaiveInput!) {{ lateFeeWaive(input: $i) {{
  feeAdjustment {{ id type amount reason discountNameSnapshot }} studentFeeAssignment {{ {ASSIGNMENT} }} {ERRORS} }} }}"""
FUNDING_CREATE = f"""mutation($i: FundingArrangementCreateInput!) {{ fundingArrangementCreate(input: $i) {{
  studentFundingArrangement {{ id coverageType coverageMode coverageValue validFrom validTo active student {{ id }} }}
  {ERRORS} }} }}"""
FUNDING_DEACTIVATE = f"""mutation($i: FundingArrangementDeactivateInput!) {{ fundingArrangementDeactivate(input: $i) {{
  studentFundingArrangement {{ id active }} {ERRORS} }} }}"""
NODE_ASSIGNMENT = f"query($id: ID!) {{ node(id: $id) {{ ... on StudentFeeAssignment {{ {ASSIGNMENT} }} }} }}"


@pytest.fixture
async def admin(client) -> GQL:
    return await as_user(client, ADMIN)


def gid(type_name: str, pk: int) -> str:
    return encode_gid(type_name, pk)


def pk(global_id: str) -> int:
    return decode_gid(global_id)[1]


async def call(g: GQL, query: str, name: str, inp: dict[str, Any]) -> dict[str, Any]:
    return (await g(query, {"i": inp}))["data"][name]


async def ok(g: GQL, query: str, name: str, inp: dict[str, Any]) -> dict[str, Any]:
    payload = await call(g, query, name, inp)
    assert payload["errors"] == [], payload["errors"]
    return payload


async def refused(
    g: GQL, query: str, name: str, inp: dict[str, Any], code: str, field: str | None = None, message: str | None = None
) -> dict[str, Any]:
    payload = await call(g, query, name, inp)
    assert payload["errors"], payload
    error = payload["errors"][0]
    assert error["code"] == code, payload["errors"]
    if field is not None:
        assert error["field"][-1] == field, payload["errors"]
    if message is not None:
        assert message in error["message"], payload["errors"]
    assert all(v is None or v == [] for k, v in payload.items() if k != "errors"), payload
    return error


# ---- arranging ---------------------------------------------------------------------------------------


async def greenwood(db) -> dict[str, Any]:
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT id, current_session_id FROM schools WHERE school_code = 'DEMO-GWH'")
        classes = await conn.fetch(
            "SELECT id FROM school_classes WHERE school_id = $1 AND session_id = $2 ORDER BY id LIMIT 2",
            row["id"],
            row["current_session_id"],
        )
        other_session = await conn.fetchval(
            "SELECT id FROM academic_sessions WHERE school_id = $1 AND id <> $2 LIMIT 1",
            row["id"],
            row["current_session_id"],
        )
        old_class = await conn.fetchval(
            "SELECT id FROM school_classes WHERE school_id = $1 AND session_id <> $2 LIMIT 1",
            row["id"],
            row["current_session_id"],
        )
    return {
        "school": row["id"],
        "session": row["current_session_id"],
        "classes": [c["id"] for c in classes],
        "other_session": other_session,
        "old_class": old_class,
    }


async def make_students(db, count: int, class_index: int = 0, enrolled: bool = True, active: bool = True) -> list[str]:
    """New Greenwood students (global IDs), actively enrolled in a class of the current session unless told otherwise."""
    gw = await greenwood(db)
    class_id = gw["classes"][class_index]
    ids = []
    async with db.acquire() as conn, conn.transaction():
        for _ in range(count):
            sid = await conn.fetchval(
                "INSERT INTO students (school_id, admission_number, first_name, gender, active, current_class_id) "
                "VALUES ($1, $2, 'Feepayer', 'MALE', $3, $4) RETURNING id",
                gw["school"],
                unique("FEE"),
                active,
                class_id,
            )
            if enrolled:
                await conn.execute(
                    "INSERT INTO student_enrollments (school_id, student_id, class_id, session_id, active) "
                    "VALUES ($1, $2, $3, $4, true)",
                    gw["school"],
                    sid,
                    class_id,
                    gw["session"],
                )
            ids.append(gid("Student", sid))
    return ids


async def make_fee_type(g: GQL) -> str:
    return (await ok(g, FEE_TYPE_CREATE, "feeTypeCreate", {"name": unique("Fee")}))["feeType"]["id"]


async def make_structure(
    g: GQL, amount: str = "1000.00", policy: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    inp = {"feeTypeId": await make_fee_type(g), "amount": amount, **extra}
    if policy is not None:
        inp["lateFeePolicy"] = policy
    return (await ok(g, STRUCTURE_CREATE, "feeStructureCreate", inp))["feeStructure"]


async def make_definition(g: GQL, kind: str, value: str) -> str:
    payload = await ok(
        g, DEFINITION_CREATE, "discountDefinitionCreate", {"name": unique("Disc"), "type": kind, "amountValue": value}
    )
    return payload["discountDefinition"]["id"]


async def assign_one(g: GQL, structure: str, student: str, due: str = "2026-06-10") -> dict[str, Any]:
    payload = await ok(g, ASSIGN, "feeAssign", {"feeStructureId": structure, "studentIds": [student], "dueDate": due})
    return payload["studentFeeAssignments"][0]


async def activity(g: GQL, entity_type: str, entity_id: int) -> list[str]:
    body = await g(
        """query($t: String!, $id: Int!) { activityLogs(filter: {entityType: {eq: $t}, entityId: {eq: $id}},
        first: 50) { nodes { action } } }""",
        {"t": entity_type, "id": entity_id},
    )
    return [n["action"] for n in body["data"]["activityLogs"]["nodes"]]


async def row_of(db, assignment_gid: str) -> dict[str, Any]:
    async with db.acquire() as conn:
        return dict(await conn.fetchrow("SELECT * FROM student_fee_assignments WHERE id = $1", pk(assignment_gid)))


async def adjustments_of(db, assignment_gid: str) -> int:
    async with db.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM fee_adjustments WHERE assignment_id = $1", pk(assignment_gid))


# ---- permissions ---------------------------------------------------------------------------------------

MUTATIONS = [
    "feeTypeCreate",
    "feeTypeUpdate",
    "feeTypeToggle",
    "feeStructureCreate",
    "feeStructureUpdate",
    "feeStructureToggle",
    "discountDefinitionCreate",
    "discountDefinitionToggle",
    "feeAssign",
    "feeDiscountApply",
    "lateFeeWaive",
    "fundingArrangementCreate",
    "fundingArrangementDeactivate",
]


@pytest.mark.parametrize("email", [ACCOUNTANT, TEACHER])
async def test_fee_setup_is_for_school_admins(client, email):
    g = await as_user(client, email)
    probe = gid("FeeType", 1)
    inputs = {
        "feeTypeCreate": ("FeeTypeCreateInput", {"name": "x"}),
        "feeTypeUpdate": ("FeeTypeUpdateInput", {"id": probe}),
        "feeTypeToggle": ("FeeTypeToggleInput", {"id": probe}),
        "feeStructureCreate": ("FeeStructureCreateInput", {"feeTypeId": probe, "amount": "1.00"}),
        "feeStructureUpdate": ("FeeStructureUpdateInput", {"id": gid("FeeStructure", 1)}),
        "feeStructureToggle": ("FeeStructureToggleInput", {"id": gid("FeeStructure", 1)}),
        "discountDefinitionCreate": (
            "DiscountDefinitionCreateInput",
            {"name": "x", "type": "FLAT", "amountValue": "1"},
        ),
        "discountDefinitionToggle": ("DiscountDefinitionToggleInput", {"id": gid("DiscountDefinition", 1)}),
        "feeAssign": ("FeeAssignInput", {"feeStructureId": gid("FeeStructure", 1), "studentIds": [gid("Student", 1)]}),
        "feeDiscountApply": (
            "FeeDiscountApplyInput",
            {"assignmentId": gid("StudentFeeAssignment", 1), "discountDefinitionId": gid("DiscountDefinition", 1)},
        ),
        "lateFeeWaive": (
            "LateFeeWaiveInput",
            {"assignmentId": gid("StudentFeeAssignment", 1), "amount": "1", "reason": "x"},
        ),
        "fundingArrangementCreate": (
            "FundingArrangementCreateInput",
            {"studentId": gid("Student", 1), "coverageType": "FULL"},
        ),
        "fundingArrangementDeactivate": (
            "FundingArrangementDeactivateInput",
            {"id": gid("StudentFundingArrangement", 1)},
        ),
    }
    assert sorted(inputs) == sorted(MUTATIONS)
    for name, (input_type, inp) in inputs.items():
        body = await g(
            f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ errors {{ code }} }} }}",
            {"i": inp},
            expect_errors=True,
        )
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (name, body)


async def test_platform_roles_set_fees_up_inside_a_school_only(gql, db):
    school = await own_school(db, 0)
    name = unique("Platform fee")
    created = await call(gql, FEE_TYPE_CREATE, "feeTypeCreate", {"name": name})  # no X-Tenant-Id: no school to write in
    assert created["feeType"] is None and created["errors"][0]["code"] == "INVALID"
    body = await gql(FEE_TYPE_CREATE, {"i": {"name": name}}, headers=tenant_header(school["gid"]))
    fee_type = body["data"]["feeTypeCreate"]["feeType"]["id"]
    toggled = await call(gql, FEE_TYPE_TOGGLE, "feeTypeToggle", {"id": fee_type})
    assert toggled["errors"][0]["code"] == "INVALID" and "Choose a school" in toggled["errors"][0]["message"]
    body = await gql(FEE_TYPE_TOGGLE, {"i": {"id": fee_type}}, headers=tenant_header(school["gid"]))
    assert body["data"]["feeTypeToggle"]["feeType"]["active"] is False


# ---- fee types ------------------------------------------------------------------------------------------


async def test_fee_type_create_update_toggle(admin):
    name = unique("Library")
    created = (await ok(admin, FEE_TYPE_CREATE, "feeTypeCreate", {"name": f"  {name} ", "description": "Books"}))[
        "feeType"
    ]
    assert (created["name"], created["description"], created["active"]) == (name, "Books", True)
    fee_type = created["id"]
    updated = (
        await ok(admin, FEE_TYPE_UPDATE, "feeTypeUpdate", {"id": fee_type, "name": name + " fund", "description": None})
    )["feeType"]
    assert (updated["name"], updated["description"]) == (name + " fund", None)
    assert (await ok(admin, FEE_TYPE_TOGGLE, "feeTypeToggle", {"id": fee_type}))["feeType"]["active"] is False
    assert (await ok(admin, FEE_TYPE_TOGGLE, "feeTypeToggle", {"id": fee_type}))["feeType"]["active"] is True
    assert await activity(admin, "FeeType", pk(fee_type)) == [
        "feeTypeCreate",
        "feeTypeUpdate",
        "feeTypeToggle",
        "feeTypeToggle",
    ]
    # an explicit state is idempotent: a double-tapped "deactivate" does not switch it back on
    for _ in range(2):
        toggled = await ok(admin, FEE_TYPE_TOGGLE, "feeTypeToggle", {"id": fee_type, "active": False})
        assert toggled["feeType"]["active"] is False


async def test_fee_type_names_are_unique_per_school(client, admin):
    name = unique("Sports")
    fee_type = (await ok(admin, FEE_TYPE_CREATE, "feeTypeCreate", {"name": name}))["feeType"]["id"]
    await refused(admin, FEE_TYPE_CREATE, "feeTypeCreate", {"name": name}, "CONFLICT", "name")
    await refused(admin, FEE_TYPE_CREATE, "feeTypeCreate", {"name": name.upper()}, "CONFLICT", "name")
    other = (await ok(admin, FEE_TYPE_CREATE, "feeTypeCreate", {"name": unique("Sports")}))["feeType"]["id"]
    await refused(admin, FEE_TYPE_UPDATE, "feeTypeUpdate", {"id": other, "name": f" {name} "}, "CONFLICT", "name")
    await refused(admin, FEE_TYPE_CREATE, "feeTypeCreate", {"name": "   "}, "INVALID", "name")
    await refused(admin, FEE_TYPE_CREATE, "feeTypeCreate", {"name": "x" * 101}, "INVALID", "name")
    await refused(admin, FEE_TYPE_UPDATE, "feeTypeUpdate", {"id": other, "name": None}, "INVALID", "name")
    # renaming to its own name is fine; another school may use the name
    await ok(admin, FEE_TYPE_UPDATE, "feeTypeUpdate", {"id": fee_type, "name": name})
    riverside = await as_user(client, RIVERSIDE)
    await ok(riverside, FEE_TYPE_CREATE, "feeTypeCreate", {"name": name})
    # another school's fee type is not found
    await refused(riverside, FEE_TYPE_TOGGLE, "feeTypeToggle", {"id": fee_type}, "NOT_FOUND", "id")
    await refused(riverside, FEE_TYPE_UPDATE, "feeTypeUpdate", {"id": fee_type, "name": "Mine"}, "NOT_FOUND", "id")
    assert (await admin("query($id: ID!) { node(id: $id) { ... on FeeType { name active } } }", {"id": fee_type}))[
        "data"
    ]["node"] == {"name": name, "active": True}


# ---- fee structures ----------------------------------------------------------------------------------------


async def test_fee_structure_with_its_policy(admin, db):
    gw = await greenwood(db)
    fee_type = await make_fee_type(admin)
    structure = (
        await ok(
            admin,
            STRUCTURE_CREATE,
            "feeStructureCreate",
            {
                "feeTypeId": fee_type,
                "amount": "2500.50",
                "classId": gid("SchoolClass", gw["classes"][0]),
                "frequency": "MONTHLY",
                "dueDayOfMonth": 5,
                "lateFeePolicy": {
                    "type": "DAILY_PERCENTAGE",
                    "amountValue": "0.50",
                    "graceDays": 3,
                    "capType": "FIXED",
                    "capValue": "200.00",
                },
            },
        )
    )["feeStructure"]
    assert (structure["amount"], structure["frequency"], structure["dueDayOfMonth"], structure["active"]) == (
        "2500.50",
        "MONTHLY",
        5,
        True,
    )
    assert structure["feeType"]["id"] == fee_type and structure["schoolClass"]["id"] == gid(
        "SchoolClass", gw["classes"][0]
    )
    assert structure["session"]["id"] == gid("AcademicSession", gw["session"])  # the session in force
    assert structure["latePolicies"]["nodes"] == [
        {
            "type": "DAILY_PERCENTAGE",
            "amountValue": "0.50",
            "graceDays": 3,
            "capType": "FIXED",
            "capValue": "200.00",
            "active": True,
        }
    ]
    # defaults: ONE_TIME, due day 10, no late fee, whole school
    plain = (await ok(admin, STRUCTURE_CREATE, "feeStructureCreate", {"feeTypeId": fee_type, "amount": "100"}))[
        "feeStructure"
    ]
    assert (plain["frequency"], plain["dueDayOfMonth"], plain["schoolClass"]) == ("ONE_TIME", 10, None)
    assert plain["latePolicies"]["nodes"] == [
        {"type": "NONE", "amountValue": "0.00", "graceDays": 0, "capType": "NONE", "capValue": "0.00", "active": True}
    ]
    # an earlier session of the school, explicitly
    older = (
        await ok(
            admin,
            STRUCTURE_CREATE,
            "feeStructureCreate",
            {"feeTypeId": fee_type, "amount": "100", "sessionId": gid("AcademicSession", gw["other_session"])},
        )
    )["feeStructure"]
    assert older["session"]["id"] == gid("AcademicSession", gw["other_session"])
    # update: amount, frequency, due day, the policy as a whole
    changed = (
        await ok(
            admin,
            STRUCTURE_UPDATE,
            "feeStructureUpdate",
            {
                "id": structure["id"],
                "amount": "2600.00",
                "frequency": "QUARTERLY",
                "dueDayOfMonth": None,
                "lateFeePolicy": {"type": "FLAT", "amountValue": "150"},
            },
        )
    )["feeStructure"]
    assert (changed["amount"], changed["frequency"], changed["dueDayOfMonth"]) == ("2600.00", "QUARTERLY", None)
    assert changed["latePolicies"]["nodes"] == [
        {"type": "FLAT", "amountValue": "150.00", "graceDays": 0, "capType": "NONE", "capValue": "0.00", "active": True}
    ]
    kept = (await ok(admin, STRUCTURE_UPDATE, "feeStructureUpdate", {"id": structure["id"], "dueDayOfMonth": 28}))[
        "feeStructure"
    ]
    assert (kept["amount"], kept["frequency"], kept["dueDayOfMonth"]) == ("2600.00", "QUARTERLY", 28)
    assert kept["latePolicies"]["nodes"][0]["type"] == "FLAT"
    assert (await ok(admin, STRUCTURE_TOGGLE, "feeStructureToggle", {"id": structure["id"]}))["feeStructure"][
        "active"
    ] is False
    assert (await ok(admin, STRUCTURE_TOGGLE, "feeStructureToggle", {"id": structure["id"]}))["feeStructure"][
        "active"
    ] is True
    assert await activity(admin, "FeeStructure", pk(structure["id"])) == [
        "feeStructureCreate",
        "feeStructureUpdate",
        "feeStructureUpdate",
        "feeStructureToggle",
        "feeStructureToggle",
    ]


async def test_fee_structure_refusals_change_nothing(client, admin, db):
    gw = await greenwood(db)
    fee_type = await make_fee_type(admin)
    base = {"feeTypeId": fee_type, "amount": "1000.00"}
    cases = [
        ({"amount": "0"}, "INVALID", "amount"),
        ({"amount": "-5"}, "INVALID", "amount"),
        ({"amount": "10.001"}, "INVALID", "amount"),
        ({"amount": "99999999999999"}, "INVALID", "amount"),
        ({"dueDayOfMonth": 31}, "INVALID", "dueDayOfMonth"),
        ({"dueDayOfMonth": 0}, "INVALID", "dueDayOfMonth"),
        ({"lateFeePolicy": {"type": "PERCENTAGE", "amountValue": "100.01"}}, "INVALID", "amountValue"),
        ({"lateFeePolicy": {"type": "DAILY_PERCENTAGE", "amountValue": "150"}}, "INVALID", "amountValue"),
        ({"lateFeePolicy": {"type": "FLAT", "amountValue": "-1"}}, "INVALID", "amountValue"),
        ({"lateFeePolicy": {"type": "FLAT"}}, "INVALID", "amountValue"),
        ({"lateFeePolicy": {"type": "FLAT", "amountValue": "10", "graceDays": -1}}, "INVALID", "graceDays"),
        (
            {"lateFeePolicy": {"type": "FLAT", "amountValue": "10", "capType": "PERCENTAGE", "capValue": "101"}},
            "INVALID",
            "capValue",
        ),
        (
            {"lateFeePolicy": {"type": "FLAT", "amountValue": "10", "capType": "FIXED", "capValue": "-2"}},
            "INVALID",
            "capValue",
        ),
        ({"lateFeePolicy": {"type": "FLAT", "amountValue": "10", "capType": "FIXED"}}, "INVALID", "capValue"),
        ({"feeTypeId": gid("FeeType", 987654321)}, "NOT_FOUND", "feeTypeId"),
        ({"feeTypeId": gid("SchoolClass", 1)}, "INVALID", "feeTypeId"),
        ({"classId": gid("SchoolClass", 987654321)}, "NOT_FOUND", "classId"),
        ({"classId": gid("SchoolClass", gw["old_class"])}, "INVALID", "classId"),  # a class of another session
        ({"sessionId": gid("AcademicSession", 987654321)}, "NOT_FOUND", "sessionId"),
    ]
    async with db.acquire() as conn:
        riverside = await conn.fetchrow(
            "SELECT s.id, s.current_session_id, (SELECT id FROM school_classes c WHERE "
            "c.school_id = s.id LIMIT 1) AS class FROM schools s WHERE school_code = 'DEMO-RVP'"
        )
        before = await conn.fetchval("SELECT count(*) FROM fee_structures WHERE fee_type_id = $1", pk(fee_type))
    cases += [
        ({"classId": gid("SchoolClass", riverside["class"])}, "NOT_FOUND", "classId"),
        ({"sessionId": gid("AcademicSession", riverside["current_session_id"])}, "NOT_FOUND", "sessionId"),
    ]
    for change, code, field in cases:
        await refused(admin, STRUCTURE_CREATE, "feeStructureCreate", {**base, **change}, code, field)
    # an inactive fee type takes no new structure
    await ok(admin, FEE_TYPE_TOGGLE, "feeTypeToggle", {"id": fee_type})
    await refused(admin, STRUCTURE_CREATE, "feeStructureCreate", base, "INVALID", "feeTypeId", "not active")
    await ok(admin, FEE_TYPE_TOGGLE, "feeTypeToggle", {"id": fee_type})
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM fee_structures WHERE fee_type_id = $1", pk(fee_type)) == before
    # updates: refused values, and another school's structure is NOT_FOUND
    structure = await make_structure(admin, policy={"type": "FLAT", "amountValue": "50"})
    for change, code, field in [
        ({"amount": None}, "INVALID", "amount"),
        ({"frequency": None}, "INVALID", "frequency"),
        ({"lateFeePolicy": None}, "INVALID", "lateFeePolicy"),
        ({"amount": "0"}, "INVALID", "amount"),
        ({"lateFeePolicy": {"type": "PERCENTAGE", "amountValue": "120"}}, "INVALID", "amountValue"),
    ]:
        await refused(admin, STRUCTURE_UPDATE, "feeStructureUpdate", {"id": structure["id"], **change}, code, field)
    other = await as_user(client, RIVERSIDE)
    await refused(
        other, STRUCTURE_UPDATE, "feeStructureUpdate", {"id": structure["id"], "amount": "1.00"}, "NOT_FOUND", "id"
    )
    await refused(other, STRUCTURE_TOGGLE, "feeStructureToggle", {"id": structure["id"]}, "NOT_FOUND", "id")
    now = (
        await admin(
            "query($id: ID!) { node(id: $id) { ... on FeeStructure { amount active " + POLICY + " } } }",
            {"id": structure["id"]},
        )
    )["data"]["node"]
    assert (now["amount"], now["active"], now["latePolicies"]["nodes"][0]["amountValue"]) == ("1000.00", True, "50.00")


# ---- discount definitions ----------------------------------------------------------------------------------


async def test_discount_definitions(client, admin):
    created = (
        await ok(
            admin,
            DEFINITION_CREATE,
            "discountDefinitionCreate",
            {"name": " Merit ", "type": "PERCENTAGE", "amountValue": "100"},
        )
    )["discountDefinition"]
    assert (created["name"], created["type"], created["amountValue"], created["active"]) == (
        "Merit",
        "PERCENTAGE",
        "100.00",
        True,
    )
    for inp, field in [
        ({"type": "PERCENTAGE", "amountValue": "100.01"}, "amountValue"),
        ({"type": "FLAT", "amountValue": "0"}, "amountValue"),
        ({"type": "FLAT", "amountValue": "-10"}, "amountValue"),
        ({"type": "FLAT", "amountValue": "1.234"}, "amountValue"),
        ({"type": "FLAT", "amountValue": "10", "name": " "}, "name"),
    ]:
        await refused(admin, DEFINITION_CREATE, "discountDefinitionCreate", {"name": "Bad", **inp}, "INVALID", field)
    assert (await ok(admin, DEFINITION_TOGGLE, "discountDefinitionToggle", {"id": created["id"]}))[
        "discountDefinition"
    ]["active"] is False
    assert (await ok(admin, DEFINITION_TOGGLE, "discountDefinitionToggle", {"id": created["id"]}))[
        "discountDefinition"
    ]["active"] is True
    other = await as_user(client, RIVERSIDE)
    await refused(other, DEFINITION_TOGGLE, "discountDefinitionToggle", {"id": created["id"]}, "NOT_FOUND", "id")
    assert await activity(admin, "DiscountDefinition", pk(created["id"])) == [
        "discountDefinitionCreate",
        "discountDefinitionToggle",
        "discountDefinitionToggle",
    ]


# ---- assignments -------------------------------------------------------------------------------------------


async def test_fee_assign_snapshots_the_structure_and_the_sponsor(admin, db):
    gw = await greenwood(db)
    students = await make_students(db, 4)
    structure = await make_structure(
        admin,
        "3000.00",
        {"type": "PERCENTAGE", "amountValue": "2.50", "graceDays": 7, "capType": "FIXED", "capValue": "60.00"},
        classId=gid("SchoolClass", gw["classes"][0]),
    )
    # sponsors of the session: a 50 % one, a fixed 1000 one valid only in July, and a full one already ended
    await ok(
        admin,
        FUNDING_CREATE,
        "fundingArrangementCreate",
        {"studentId": students[1], "coverageType": "PARTIAL", "coverageMode": "PERCENTAGE", "coverageValue": "50"},
    )
    await ok(
        admin,
        FUNDING_CREATE,
        "fundingArrangementCreate",
        {
            "studentId": students[2],
            "coverageType": "PARTIAL",
            "coverageMode": "FIXED_AMOUNT",
            "coverageValue": "1000.00",
            "validFrom": "2026-07-01",
            "validTo": "2026-07-31",
        },
    )
    ended = (
        await ok(admin, FUNDING_CREATE, "fundingArrangementCreate", {"studentId": students[3], "coverageType": "FULL"})
    )["studentFundingArrangement"]["id"]
    await ok(admin, FUNDING_DEACTIVATE, "fundingArrangementDeactivate", {"id": ended})

    body = await admin(
        ASSIGN, {"i": {"feeStructureId": structure["id"], "studentIds": students, "dueDate": "2026-06-10"}}
    )
    payload = body["data"]["feeAssign"]
    assert payload["errors"] == []
    created = payload["studentFeeAssignments"]
    assert [a["student"]["id"] for a in created] == students
    for a in created:
        assert (
            a["amount"],
            a["dueDate"],
            a["lateFeeType"],
            a["lateFeeValue"],
            a["lateFeeGraceDays"],
            a["lateFeeCapType"],
            a["lateFeeCapValue"],
        ) == ("3000.00", "2026-06-10", "PERCENTAGE", "2.50", 7, "FIXED", "60.00")
        assert (
            a["lateFeeApplied"],
            a["lateFeeAccrued"],
            a["principalPaid"],
            a["totalDiscountAmount"],
            a["active"],
        ) == (False, "0.00", "0.00", "0.00", True)
        assert a["feeStructure"]["id"] == structure["id"]
    assert [a["sponsorCoveredAmount"] for a in created] == ["0.00", "1500.00", "0.00", "0.00"]
    assert [a["pending"] for a in created] == ["3000.00", "1500.00", "3000.00", "3000.00"]
    # the July sponsor covers a fee due in July
    july = await assign_one(admin, structure["id"], students[2], "2026-07-10")
    assert (july["sponsorCoveredAmount"], july["pending"]) == ("1000.00", "2000.00")
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT session_id, version, created_by FROM student_fee_assignments WHERE id = $1", pk(created[0]["id"])
        )
    assert row["session_id"] == gw["session"] and row["version"] == 0 and row["created_by"] is not None
    assert await activity(admin, "StudentFeeAssignment", pk(created[0]["id"])) == ["feeAssign"]


async def test_fee_assign_statements_do_not_grow_with_the_students(admin, db):
    structure = await make_structure(admin, "100.00")
    counts = []
    for n in (1, 6):
        students = await make_students(db, n)
        body = await admin(ASSIGN, {"i": {"feeStructureId": structure["id"], "studentIds": students}})
        assert (
            body["data"]["feeAssign"]["errors"] == [] and len(body["data"]["feeAssign"]["studentFeeAssignments"]) == n
        )
        counts.append(admin.statements(body))
    assert counts[0] == counts[1], counts
    # no due date: the structure's due day in the current month
    today = school_today()
    assert body["data"]["feeAssign"]["studentFeeAssignments"][0]["dueDate"] == today.replace(day=10).isoformat()


async def test_snapshots_never_change_with_the_structure(admin, db):
    [student, later] = await make_students(db, 2)
    structure = await make_structure(admin, "1200.00", {"type": "FLAT", "amountValue": "100", "graceDays": 5})
    before = await assign_one(admin, structure["id"], student)
    await ok(
        admin,
        STRUCTURE_UPDATE,
        "feeStructureUpdate",
        {
            "id": structure["id"],
            "amount": "1500.00",
            "frequency": "MONTHLY",
            "lateFeePolicy": {
                "type": "DAILY_PERCENTAGE",
                "amountValue": "1",
                "graceDays": 2,
                "capType": "PERCENTAGE",
                "capValue": "10",
            },
        },
    )
    after = (await admin(NODE_ASSIGNMENT, {"id": before["id"]}))["data"]["node"]
    assert after == {**before, "feeStructure": {"id": structure["id"], "amount": "1500.00"}}
    assert (after["amount"], after["lateFeeType"], after["lateFeeValue"], after["lateFeeGraceDays"]) == (
        "1200.00",
        "FLAT",
        "100.00",
        5,
    )
    fresh = await assign_one(admin, structure["id"], later)
    assert (
        fresh["amount"],
        fresh["lateFeeType"],
        fresh["lateFeeValue"],
        fresh["lateFeeGraceDays"],
        fresh["lateFeeCapType"],
        fresh["lateFeeCapValue"],
    ) == ("1500.00", "DAILY_PERCENTAGE", "1.00", 2, "PERCENTAGE", "10.00")


async def test_fee_assign_refusals_change_nothing(client, admin, db):
    gw = await greenwood(db)
    [enrolled, other_class] = await make_students(db, 1) + await make_students(db, 1, class_index=1)
    [not_enrolled] = await make_students(db, 1, enrolled=False)
    [inactive] = await make_students(db, 1, active=False)
    structure = await make_structure(admin, "700.00", classId=gid("SchoolClass", gw["classes"][0]))
    whole_school = await make_structure(admin, "50.00")
    async with db.acquire() as conn:
        riverside_student = await conn.fetchval(
            "SELECT s.id FROM students s JOIN schools sc ON sc.id = s.school_id "
            "WHERE sc.school_code = 'DEMO-RVP' LIMIT 1"
        )
        old_structure = await conn.fetchval(
            "INSERT INTO fee_structures (school_id, session_id, fee_type_id, amount) VALUES ($1, $2, $3, 10) RETURNING id",
            gw["school"],
            gw["other_session"],
            pk(structure["feeType"]["id"]),
        )

    async def count() -> int:
        async with db.acquire() as conn:
            return await conn.fetchval(
                "SELECT count(*) FROM student_fee_assignments WHERE fee_structure_id = ANY($1)",
                [pk(structure["id"]), pk(whole_school["id"]), old_structure],
            )

    base = {"feeStructureId": structure["id"], "dueDate": "2026-06-10"}
    cases = [
        ({"studentIds": []}, "INVALID", "studentIds"),
        ({"studentIds": [enrolled, not_enrolled]}, "INVALID", "1"),
        ({"studentIds": [enrolled, inactive]}, "INVALID", "1"),
        ({"studentIds": [other_class, enrolled]}, "INVALID", "0"),  # not in the structure's class
        ({"studentIds": [enrolled, enrolled]}, "INVALID", "1"),
        ({"studentIds": [enrolled, gid("Student", riverside_student)]}, "INVALID", "1"),  # another school's student
        ({"studentIds": [gid("FeeType", 1)]}, "INVALID", "0"),
        ({"studentIds": [gid("Student", 1)] * 501}, "INVALID", "studentIds"),
        ({"feeStructureId": gid("FeeStructure", 987654321), "studentIds": [enrolled]}, "NOT_FOUND", "feeStructureId"),
        # enrolled in the current session, not in the structure's
        ({"feeStructureId": gid("FeeStructure", old_structure), "studentIds": [enrolled]}, "INVALID", "0"),
    ]
    for change, code, field in cases:
        await refused(admin, ASSIGN, "feeAssign", {**base, **change}, code, field)
    assert await count() == 0
    # the other class's student takes a whole-school fee; the same fee on the same due date only once
    await assign_one(admin, whole_school["id"], other_class)
    error = await refused(
        admin,
        ASSIGN,
        "feeAssign",
        {"feeStructureId": whole_school["id"], "dueDate": "2026-06-10", "studentIds": [enrolled, other_class]},
        "CONFLICT",
        "1",
    )
    assert "already has this fee" in error["message"]
    await assign_one(admin, whole_school["id"], other_class, "2026-07-10")  # next month's
    # inactive structure or fee type
    await ok(admin, STRUCTURE_TOGGLE, "feeStructureToggle", {"id": structure["id"]})
    await refused(
        admin, ASSIGN, "feeAssign", {**base, "studentIds": [enrolled]}, "INVALID", "feeStructureId", "not active"
    )
    await ok(admin, STRUCTURE_TOGGLE, "feeStructureToggle", {"id": structure["id"]})
    await ok(admin, FEE_TYPE_TOGGLE, "feeTypeToggle", {"id": structure["feeType"]["id"]})
    await refused(
        admin, ASSIGN, "feeAssign", {**base, "studentIds": [enrolled]}, "INVALID", "feeStructureId", "not active"
    )
    await ok(admin, FEE_TYPE_TOGGLE, "feeTypeToggle", {"id": structure["feeType"]["id"]})
    # another school's structure
    other = await as_user(client, RIVERSIDE)
    await refused(
        other,
        ASSIGN,
        "feeAssign",
        {**base, "studentIds": [gid("Student", riverside_student)]},
        "NOT_FOUND",
        "feeStructureId",
    )
    assert await count() == 2


# ---- discounts (§7.2) --------------------------------------------------------------------------------------


async def test_percentage_and_flat_discounts(admin, db):
    [student] = await make_students(db, 1)
    structure = await make_structure(admin, "3000.00")
    assignment = await assign_one(admin, structure["id"], student)
    sibling = await make_definition(admin, "PERCENTAGE", "10")
    staff = await make_definition(admin, "FLAT", "500")
    payload = await ok(
        admin,
        DISCOUNT,
        "feeDiscountApply",
        {"assignmentId": assignment["id"], "discountDefinitionId": sibling, "reason": "  Sibling in class 3 "},
    )
    adj = payload["feeAdjustment"]
    assert (
        adj["type"],
        adj["amount"],
        adj["discountTypeSnapshot"],
        adj["discountValueSnapshot"],
        adj["reason"],
        adj["createdByStaff"],
    ) == ("DISCOUNT", "300.00", "PERCENTAGE", "10.00", "Sibling in class 3", ADMIN)
    assert adj["discountNameSnapshot"].startswith("Disc-")
    assert (payload["studentFeeAssignment"]["totalDiscountAmount"], payload["studentFeeAssignment"]["pending"]) == (
        "300.00",
        "2700.00",
    )
    # a flat one on top; then a percentage is of the fee's amount (issue 10), within the principal still due
    payload = await ok(
        admin, DISCOUNT, "feeDiscountApply", {"assignmentId": assignment["id"], "discountDefinitionId": staff}
    )
    assert (payload["feeAdjustment"]["amount"], payload["feeAdjustment"]["reason"]) == ("500.00", None)
    assert payload["studentFeeAssignment"]["pending"] == "2200.00"
    quarter = await make_definition(admin, "PERCENTAGE", "25")
    payload = await ok(
        admin, DISCOUNT, "feeDiscountApply", {"assignmentId": assignment["id"], "discountDefinitionId": quarter}
    )
    assert payload["feeAdjustment"]["amount"] == "750.00"  # 25 % of 3000
    assert (payload["studentFeeAssignment"]["totalDiscountAmount"], payload["studentFeeAssignment"]["pending"]) == (
        "1550.00",
        "1450.00",
    )
    row = await row_of(db, assignment["id"])
    assert row["version"] == 3
    # the definition changes later: the adjustment keeps its snapshot
    await ok(admin, DEFINITION_TOGGLE, "discountDefinitionToggle", {"id": sibling})
    snap = await admin(
        "query($id: ID!) { node(id: $id) { ... on StudentFeeAssignment { adjustments(first: 10) { nodes { "
        "amount discountTypeSnapshot discountValueSnapshot } } } } }",
        {"id": assignment["id"]},
    )
    assert sorted(n["amount"] for n in snap["data"]["node"]["adjustments"]["nodes"]) == ["300.00", "500.00", "750.00"]
    assert await activity(admin, "FeeAdjustment", pk(adj["id"])) == ["feeDiscountApply"]


async def test_discount_refusals_change_nothing(client, admin, db):
    students = await make_students(db, 2)
    structure = await make_structure(admin, "400.00")
    assignment = await assign_one(admin, structure["id"], students[0])
    big_flat = await make_definition(admin, "FLAT", "400.01")
    exact_flat = await make_definition(admin, "FLAT", "400.00")
    inactive = await make_definition(admin, "PERCENTAGE", "5")
    await ok(admin, DEFINITION_TOGGLE, "discountDefinitionToggle", {"id": inactive})
    before, count = await row_of(db, assignment["id"]), await adjustments_of(db, assignment["id"])
    base = {"assignmentId": assignment["id"]}
    await refused(
        admin,
        DISCOUNT,
        "feeDiscountApply",
        {**base, "discountDefinitionId": big_flat},
        "INVALID",
        "discountDefinitionId",
        "Flat discount cannot exceed principal due",
    )
    await refused(
        admin,
        DISCOUNT,
        "feeDiscountApply",
        {**base, "discountDefinitionId": inactive},
        "INVALID",
        "discountDefinitionId",
        "not active",
    )
    await refused(
        admin,
        DISCOUNT,
        "feeDiscountApply",
        {**base, "discountDefinitionId": gid("DiscountDefinition", 987654321)},
        "NOT_FOUND",
        "discountDefinitionId",
    )
    await refused(
        admin,
        DISCOUNT,
        "feeDiscountApply",
        {"assignmentId": gid("StudentFeeAssignment", 987654321), "discountDefinitionId": exact_flat},
        "NOT_FOUND",
        "assignmentId",
    )
    await refused(
        admin,
        DISCOUNT,
        "feeDiscountApply",
        {**base, "discountDefinitionId": exact_flat, "reason": "x" * 501},
        "INVALID",
        "reason",
    )
    other = await as_user(client, RIVERSIDE)
    await refused(
        other, DISCOUNT, "feeDiscountApply", {**base, "discountDefinitionId": exact_flat}, "NOT_FOUND", "assignmentId"
    )
    assert await row_of(db, assignment["id"]) == before and await adjustments_of(db, assignment["id"]) == count
    # the whole principal may go, never below zero; then nothing is left to discount
    payload = await ok(admin, DISCOUNT, "feeDiscountApply", {**base, "discountDefinitionId": exact_flat})
    assert payload["studentFeeAssignment"]["pending"] == "0.00"
    another = await make_definition(admin, "PERCENTAGE", "10")
    await refused(
        admin,
        DISCOUNT,
        "feeDiscountApply",
        {**base, "discountDefinitionId": another},
        "INVALID",
        "assignmentId",
        "nothing to discount",
    )
    # the same definition twice on one fee (a retry) is refused
    second = await assign_one(admin, structure["id"], students[1])
    await ok(admin, DISCOUNT, "feeDiscountApply", {"assignmentId": second["id"], "discountDefinitionId": another})
    await refused(
        admin,
        DISCOUNT,
        "feeDiscountApply",
        {"assignmentId": second["id"], "discountDefinitionId": another},
        "CONFLICT",
        "discountDefinitionId",
    )
    assert (await row_of(db, second["id"]))["total_discount_amount"] == D("40.00")


async def test_the_two_readings_of_issue_10_percentage_of_the_amount_and_sponsor_on_the_net(client, admin, db):
    """§7.2: 10 % of 1000 after 400 paid is 100 (not 10 % of the 600 due); capped by the due.
    §7.3: a 50 % sponsor of 1000 covers 450 after a 100 discount (50 % of the net 900), and the
    share is recomputed when the discount is applied. Numbers written out, not computed."""
    students = await make_students(db, 3)
    structure = await make_structure(admin, "1000.00")
    ten = await make_definition(admin, "PERCENTAGE", "10")
    hundred = await make_definition(admin, "FLAT", "100")
    sixty = await make_definition(admin, "PERCENTAGE", "60")

    paid = await assign_one(admin, structure["id"], students[0])
    accountant = await as_user(client, ACCOUNTANT)  # 400 of it paid
    body = await accountant(
        """mutation($i: FeePaymentRecordInput!) { feePaymentRecord(input: $i) { errors { code message } } }""",
        {
            "i": {
                "studentId": students[0],
                "paymentDate": school_today().isoformat(),
                "mode": "CASH",
                "idempotencyKey": unique("k"),
                "allocations": [{"assignmentId": paid["id"], "amount": "400.00"}],
            }
        },
    )
    assert body["data"]["feePaymentRecord"]["errors"] == [], body
    payload = await ok(admin, DISCOUNT, "feeDiscountApply", {"assignmentId": paid["id"], "discountDefinitionId": ten})
    assert payload["feeAdjustment"]["amount"] == "100.00"
    assert (payload["studentFeeAssignment"]["totalDiscountAmount"], payload["studentFeeAssignment"]["pending"]) == (
        "100.00",
        "500.00",
    )
    # 60 % of 1000 is 600, more than the 500 still due: capped to 500
    payload = await ok(admin, DISCOUNT, "feeDiscountApply", {"assignmentId": paid["id"], "discountDefinitionId": sixty})
    assert (payload["feeAdjustment"]["amount"], payload["studentFeeAssignment"]["pending"]) == ("500.00", "0.00")

    for student, definition, discount in ((students[1], hundred, "100.00"), (students[2], ten, "100.00")):
        await ok(
            admin,
            FUNDING_CREATE,
            "fundingArrangementCreate",
            {"studentId": student, "coverageType": "PARTIAL", "coverageMode": "PERCENTAGE", "coverageValue": "50"},
        )
        sponsored = await assign_one(admin, structure["id"], student)
        assert (sponsored["sponsorCoveredAmount"], sponsored["pending"]) == ("500.00", "500.00")
        payload = await ok(
            admin, DISCOUNT, "feeDiscountApply", {"assignmentId": sponsored["id"], "discountDefinitionId": definition}
        )
        after = payload["studentFeeAssignment"]
        assert (
            payload["feeAdjustment"]["amount"],
            after["totalDiscountAmount"],
            after["sponsorCoveredAmount"],
            after["pending"],
        ) == (discount, "100.00", "450.00", "450.00")
        assert (await row_of(db, sponsored["id"]))["sponsor_covered_amount"] == D("450.00")


async def test_fully_sponsored_fee_takes_no_discount(admin, db):
    [student] = await make_students(db, 1)
    await ok(admin, FUNDING_CREATE, "fundingArrangementCreate", {"studentId": student, "coverageType": "FULL"})
    structure = await make_structure(admin, "900.00")
    assignment = await assign_one(admin, structure["id"], student)
    assert (assignment["sponsorCoveredAmount"], assignment["pending"]) == ("900.00", "0.00")
    definition = await make_definition(admin, "PERCENTAGE", "10")
    await refused(
        admin,
        DISCOUNT,
        "feeDiscountApply",
        {"assignmentId": assignment["id"], "discountDefinitionId": definition},
        "INVALID",
        "assignmentId",
        "nothing to discount",
    )


# ---- late-fee waivers --------------------------------------------------------------------------------------


async def test_late_fee_waiver_within_the_late_fee_due(client, admin, db):
    [student] = await make_students(db, 1)
    structure = await make_structure(admin, "1000.00", {"type": "FLAT", "amountValue": "100"})
    assignment = await assign_one(admin, structure["id"], student)
    base = {"assignmentId": assignment["id"], "reason": "first delay forgiven"}
    # nothing accrued yet: nothing to waive
    await refused(admin, WAIVE, "lateFeeWaive", {**base, "amount": "1.00"}, "INVALID", "amount", "At most 0")
    async with db.acquire() as conn:  # 100 accrued, 30 of it already waived
        await conn.execute(
            "UPDATE student_fee_assignments SET late_fee_accrued = 100, late_fee_applied = true, "
            "late_fee_waived = 30 WHERE id = $1",
            pk(assignment["id"]),
        )
    before, count = await row_of(db, assignment["id"]), await adjustments_of(db, assignment["id"])
    for amount, message in [
        ("70.01", "At most 70.00"),
        ("0", "greater than 0"),
        ("-5", "greater than 0"),
        ("1.234", "decimal places"),
    ]:
        await refused(admin, WAIVE, "lateFeeWaive", {**base, "amount": amount}, "INVALID", "amount", message)
    await refused(admin, WAIVE, "lateFeeWaive", {**base, "amount": "10", "reason": "  "}, "INVALID", "reason")
    other = await as_user(client, RIVERSIDE)
    await refused(other, WAIVE, "lateFeeWaive", {**base, "amount": "10"}, "NOT_FOUND", "assignmentId")
    assert await row_of(db, assignment["id"]) == before and await adjustments_of(db, assignment["id"]) == count
    payload = await ok(admin, WAIVE, "lateFeeWaive", {**base, "amount": "50.00"})
    assert (
        payload["feeAdjustment"]["type"],
        payload["feeAdjustment"]["amount"],
        payload["feeAdjustment"]["reason"],
        payload["feeAdjustment"]["discountNameSnapshot"],
    ) == ("LATE_FEE_WAIVER", "50.00", "first delay forgiven", None)
    assert (payload["studentFeeAssignment"]["lateFeeWaived"], payload["studentFeeAssignment"]["pending"]) == (
        "80.00",
        "1020.00",
    )
    await refused(admin, WAIVE, "lateFeeWaive", {**base, "amount": "20.01"}, "INVALID", "amount", "At most 20.00")
    payload = await ok(admin, WAIVE, "lateFeeWaive", {**base, "amount": "20"})
    assert payload["studentFeeAssignment"]["pending"] == "1000.00"
    assert await activity(admin, "FeeAdjustment", pk(payload["feeAdjustment"]["id"])) == ["lateFeeWaive"]


# ---- funding arrangements ----------------------------------------------------------------------------------


async def test_funding_arrangements(client, admin, db):
    gw = await greenwood(db)
    [student, other_student] = await make_students(db, 2)
    created = (
        await ok(
            admin,
            FUNDING_CREATE,
            "fundingArrangementCreate",
            {
                "studentId": student,
                "coverageType": "PARTIAL",
                "coverageMode": "FIXED_AMOUNT",
                "coverageValue": "1500.00",
                "validFrom": "2026-04-01",
                "validTo": "2026-04-01",
            },
        )
    )["studentFundingArrangement"]
    assert (
        created["coverageType"],
        created["coverageMode"],
        created["coverageValue"],
        created["validFrom"],
        created["validTo"],
        created["active"],
        created["student"]["id"],
    ) == ("PARTIAL", "FIXED_AMOUNT", "1500.00", "2026-04-01", "2026-04-01", True, student)
    async with db.acquire() as conn:
        assert (
            await conn.fetchval("SELECT session_id FROM student_funding_arrangements WHERE id = $1", pk(created["id"]))
            == gw["session"]
        )
    # one active per student and session
    await refused(
        admin,
        FUNDING_CREATE,
        "fundingArrangementCreate",
        {"studentId": student, "coverageType": "FULL"},
        "CONFLICT",
        "studentId",
    )
    for inp, field in [
        ({"coverageType": "FULL", "coverageValue": "50"}, "coverageValue"),
        ({"coverageType": "PARTIAL", "coverageValue": "50"}, "coverageMode"),
        ({"coverageType": "PARTIAL", "coverageMode": "PERCENTAGE"}, "coverageValue"),
        ({"coverageType": "PARTIAL", "coverageMode": "PERCENTAGE", "coverageValue": "100.5"}, "coverageValue"),
        ({"coverageType": "PARTIAL", "coverageMode": "FIXED_AMOUNT", "coverageValue": "0"}, "coverageValue"),
        ({"coverageType": "FULL", "validFrom": "2026-05-02", "validTo": "2026-05-01"}, "validTo"),
    ]:
        await refused(
            admin, FUNDING_CREATE, "fundingArrangementCreate", {"studentId": other_student, **inp}, "INVALID", field
        )
    await refused(
        admin,
        FUNDING_CREATE,
        "fundingArrangementCreate",
        {"studentId": gid("Student", 987654321), "coverageType": "FULL"},
        "NOT_FOUND",
        "studentId",
    )
    # another school's admin: the arrangement does not exist for them, exactly like a missing one
    riverside = await as_user(client, RIVERSIDE)
    foreign = await call(riverside, FUNDING_DEACTIVATE, "fundingArrangementDeactivate", {"id": created["id"]})
    missing = await call(
        riverside,
        FUNDING_DEACTIVATE,
        "fundingArrangementDeactivate",
        {"id": gid("StudentFundingArrangement", 987654321)},
    )
    assert (
        foreign
        == missing
        == {
            "studentFundingArrangement": None,
            "errors": [
                {"field": ["input", "id"], "code": "NOT_FOUND", "message": "No StudentFundingArrangement with this ID."}
            ],
        }
    )
    await refused(
        riverside,
        FUNDING_CREATE,
        "fundingArrangementCreate",
        {"studentId": student, "coverageType": "FULL"},
        "NOT_FOUND",
        "studentId",
    )
    # deactivate, then a new one may start
    done = await ok(admin, FUNDING_DEACTIVATE, "fundingArrangementDeactivate", {"id": created["id"]})
    assert done["studentFundingArrangement"] == {"id": created["id"], "active": False}
    await refused(admin, FUNDING_DEACTIVATE, "fundingArrangementDeactivate", {"id": created["id"]}, "INVALID", "id")
    full = (
        await ok(admin, FUNDING_CREATE, "fundingArrangementCreate", {"studentId": student, "coverageType": "FULL"})
    )["studentFundingArrangement"]
    assert (full["coverageMode"], full["coverageValue"]) == ("PERCENTAGE", "100.00")
    assert await activity(admin, "StudentFundingArrangement", pk(created["id"])) == [
        "fundingArrangementCreate",
        "fundingArrangementDeactivate",
    ]


# ---- a school of the tests' own, for the accrual command and the formula ---------------------------------------


async def own_school(db, students: int) -> dict[str, Any]:
    [school] = await make_schools(db, unique("FEESCH"), 1, sessions_per_school=1)
    async with db.acquire() as conn, conn.transaction():
        fee_type = await conn.fetchval(
            "INSERT INTO fee_types (school_id, name) VALUES ($1, 'Tuition') RETURNING id", school["id"]
        )
        structure = await conn.fetchval(
            "INSERT INTO fee_structures (school_id, session_id, fee_type_id, amount) "
            "VALUES ($1, $2, $3, 1000) RETURNING id",
            school["id"],
            school["sessions"][0],
            fee_type,
        )
        ids = [
            await conn.fetchval(
                "INSERT INTO students (school_id, admission_number, first_name, gender) "
                "VALUES ($1, $2, 'Own', 'FEMALE') RETURNING id",
                school["id"],
                f"A{i}",
            )
            for i in range(students)
        ]
    return {**school, "structure": structure, "students": ids, "session": school["sessions"][0]}


COLUMNS = (
    "student_id",
    "amount",
    "due_date",
    "late_fee_type",
    "late_fee_value",
    "late_fee_grace_days",
    "late_fee_cap_type",
    "late_fee_cap_value",
    "late_fee_applied",
    "late_fee_accrued",
    "principal_paid",
    "late_fee_paid",
    "late_fee_waived",
    "total_discount_amount",
    "sponsor_covered_amount",
)


async def insert_assignments(db, school: dict[str, Any], rows: list[dict[str, Any]]) -> list[int]:
    async with db.acquire() as conn, conn.transaction():
        return [
            await conn.fetchval(
                f"INSERT INTO student_fee_assignments (school_id, fee_structure_id, session_id, {', '.join(COLUMNS)}) "
                f"VALUES ($1, $2, $3, {', '.join(f'${i + 4}' for i in range(len(COLUMNS)))}) RETURNING id",
                school["id"],
                school["structure"],
                school["session"],
                *(r[c] for c in COLUMNS),
            )
            for r in rows
        ]


def late_row(student: int, kind: str, value: str, due: dt.date, **changes: Any) -> dict[str, Any]:
    row = {
        "student_id": student,
        "amount": D("1000.00"),
        "due_date": due,
        "late_fee_type": kind,
        "late_fee_value": D(value),
        "late_fee_grace_days": 5,
        "late_fee_cap_type": "NONE",
        "late_fee_cap_value": D("0"),
        "late_fee_applied": False,
        "late_fee_accrued": D("0"),
        "principal_paid": D("0"),
        "late_fee_paid": D("0"),
        "late_fee_waived": D("0"),
        "total_discount_amount": D("0"),
        "sponsor_covered_amount": D("0"),
    }
    row.update(changes)
    return row


async def test_accrual_command_is_idempotent(db, pg_url):
    school = await own_school(db, 7)
    on = school_today() - dt.timedelta(days=1)  # the school's date (Asia/Kolkata), not UTC's
    due = on - dt.timedelta(days=10)  # 5 days after the grace period
    s = school["students"]
    ids = await insert_assignments(
        db,
        school,
        [
            late_row(s[0], "FLAT", "100", due),  # 100 once
            late_row(s[1], "PERCENTAGE", "10", due, principal_paid=D("400.00")),  # 10 % of 600 once
            late_row(
                s[2], "DAILY_PERCENTAGE", "1", due, late_fee_cap_type="FIXED", late_fee_cap_value=D("30")
            ),  # 5 days: 50, cap 30
            late_row(s[3], "FLAT", "100", due, principal_paid=D("1000.00")),  # paid: nothing
            late_row(s[4], "FLAT", "100", on - dt.timedelta(days=5)),  # last day of grace: nothing
            late_row(s[5], "NONE", "0", due),  # no late fee
            late_row(s[6], "FLAT", "100", due, late_fee_applied=True, late_fee_accrued=D("100.00")),  # applied before
        ],
    )

    async def state() -> tuple[list[tuple[Decimal, bool, int]], int, list[Decimal]]:
        async with db.acquire() as conn:
            rows = await conn.fetch(
                "SELECT id, late_fee_accrued, late_fee_applied, version FROM student_fee_assignments "
                "WHERE id = ANY($1) ORDER BY id",
                ids,
            )
            logs = await conn.fetch(
                "SELECT assignment_id, computed_amount, applied_date FROM late_fee_logs "
                "WHERE assignment_id = ANY($1) ORDER BY assignment_id",
                ids,
            )
        assert all(log["applied_date"] in (on, on + dt.timedelta(days=1)) for log in logs)
        return (
            [(r["late_fee_accrued"], r["late_fee_applied"], r["version"]) for r in rows],
            len(logs),
            [log["computed_amount"] for log in logs],
        )

    first = await accrual.accrue_late_fees(pg_url, on, school_ids=[school["id"]])
    assert (first.schools, first.schools_touched, first.assignments, first.total) == (1, 1, 3, D("190.00"))
    assert "3 assignment(s) in 1 of 1 school(s), total 190.00" in first.describe()
    rows, logs, amounts = await state()
    assert rows == [
        (D("100.00"), True, 1),
        (D("60.00"), True, 1),
        (D("30.00"), False, 1),
        (D("0.00"), False, 0),
        (D("0.00"), False, 0),
        (D("0.00"), False, 0),
        (D("100.00"), True, 0),
    ]
    assert (logs, amounts) == (3, [D("100.00"), D("60.00"), D("30.00")])
    again = await accrual.accrue_late_fees(pg_url, on, school_ids=[school["id"]])
    assert (again.assignments, again.total) == (0, D("0.00"))
    assert await state() == (rows, logs, amounts)
    # the next day: the fee whose grace ended yesterday accrues; the daily fee's cap holds it
    today = await accrual.accrue_late_fees(pg_url, on + dt.timedelta(days=1), school_ids=[school["id"]])
    assert (today.assignments, today.total) == (1, D("100.00"))
    rows_now, logs_now, _ = await state()
    assert rows_now == rows[:4] + [(D("100.00"), True, 1)] + rows[5:] and logs_now == 4
    with pytest.raises(ValueError, match="future"):
        await accrual.accrue_late_fees(pg_url, on + dt.timedelta(days=2), school_ids=[school["id"]])


async def test_accrual_command_daily_percentage_and_batches(db, pg_url, monkeypatch):
    school = await own_school(db, 5)
    on = school_today()
    due = on - dt.timedelta(days=8)  # 3 days after the grace period
    ids = await insert_assignments(
        db, school, [late_row(st, "DAILY_PERCENTAGE", "0.5", due) for st in school["students"]]
    )
    monkeypatch.setattr(accrual, "BATCH", 2)  # three batches
    summary = await accrual.accrue_late_fees(pg_url, on - dt.timedelta(days=1), school_ids=[school["id"]])
    assert (summary.assignments, summary.total) == (5, D("50.00"))  # 2 days x 5.00 x 5
    summary = await accrual.accrue_late_fees(pg_url, on, school_ids=[school["id"]])
    assert (summary.assignments, summary.total) == (5, D("25.00"))  # one more day each
    assert (await accrual.accrue_late_fees(pg_url, on, school_ids=[school["id"]])).assignments == 0
    async with db.acquire() as conn:
        accrued = await conn.fetch(
            "SELECT late_fee_accrued, version FROM student_fee_assignments WHERE id = ANY($1)", ids
        )
        logs = await conn.fetchval("SELECT count(*) FROM late_fee_logs WHERE assignment_id = ANY($1)", ids)
    assert {(r["late_fee_accrued"], r["version"]) for r in accrued} == {(D("15.00"), 2)} and logs == 10


class _FrozenClock:
    """`dt` as the accrual command sees it, with `datetime.now` stopped at one instant."""

    def __init__(self, instant: dt.datetime) -> None:
        class Frozen(dt.datetime):
            @classmethod
            def now(cls, tz=None):  # noqa: ANN001, ANN206
                return instant.astimezone(tz) if tz else instant.replace(tzinfo=None)

        self.datetime, self.date, self.timedelta, self.UTC, self.timezone = (
            Frozen,
            dt.date,
            dt.timedelta,
            dt.UTC,
            dt.timezone,
        )


async def test_accrual_uses_each_schools_own_today(db, pg_url, monkeypatch):
    """Issue 10, item 10: without --date every school accrues for ITS date. At 11:00 UTC it is
    still yesterday at UTC-12 and already tomorrow at UTC+14: a fee due "today" at the western
    school is not charged yet (its grace has not passed there), a fee due "yesterday" at the
    eastern school is; and --date with the eastern school's today is not refused as future."""
    instant = dt.datetime.combine(dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1200), dt.time(11, 0), dt.UTC)
    utc_day = instant.date()
    west_day, east_day = utc_day - dt.timedelta(days=1), utc_day + dt.timedelta(days=1)
    west, east = await own_school(db, 1), await own_school(db, 1)
    async with db.acquire() as conn:
        await conn.execute("UPDATE schools SET time_zone = 'Etc/GMT+12' WHERE id = $1", west["id"])  # UTC-12
        await conn.execute("UPDATE schools SET time_zone = 'Pacific/Kiritimati' WHERE id = $1", east["id"])  # UTC+14
    # FLAT 100 without grace: charged once the due date has passed in the school
    [west_fee] = await insert_assignments(
        db, west, [late_row(west["students"][0], "FLAT", "100", west_day, late_fee_grace_days=0)]
    )
    [east_fee] = await insert_assignments(
        db, east, [late_row(east["students"][0], "FLAT", "100", utc_day, late_fee_grace_days=0)]
    )
    monkeypatch.setattr(accrual, "dt", _FrozenClock(instant))

    async def accrued(pk: int) -> tuple[Decimal, list[dt.date]]:
        async with db.acquire() as conn:
            return (
                await conn.fetchval("SELECT late_fee_accrued FROM student_fee_assignments WHERE id = $1", pk),
                [r[0] for r in await conn.fetch("SELECT applied_date FROM late_fee_logs WHERE assignment_id = $1", pk)],
            )

    summary = await accrual.accrue_late_fees(
        pg_url, None, school_ids=[west["id"], east["id"]]
    )  # the command without --date
    assert await accrued(west_fee) == (D("0.00"), [])  # its due date is today there: not late yet
    assert await accrued(east_fee) == (D("100.00"), [east_day])  # due yesterday there: late
    assert summary.dates == {west["id"]: west_day, east["id"]: east_day}
    assert "each school's today" in summary.describe()

    # --date of the eastern school's today: accepted there, skipped (not begun) at the western school
    summary = await accrual.accrue_late_fees(pg_url, east_day, school_ids=[west["id"], east["id"]])
    assert summary.not_yet == [west["id"]] and summary.schools == 1
    assert await accrued(west_fee) == (D("0.00"), [])
    # a date after every school's today is refused
    with pytest.raises(ValueError, match="future"):
        await accrual.accrue_late_fees(pg_url, east_day + dt.timedelta(days=1), school_ids=[west["id"], east["id"]])
    # the next instant at which the western school's day has passed: charged there, for its own date
    monkeypatch.setattr(accrual, "dt", _FrozenClock(instant + dt.timedelta(hours=13)))
    summary = await accrual.accrue_late_fees(pg_url, None, school_ids=[west["id"]])
    assert summary.dates == {west["id"]: utc_day} and await accrued(west_fee) == (D("100.00"), [utc_day])


def test_accrue_late_fees_subcommand(monkeypatch, pg_url, capsys):
    """The console command, wired to the owner's URL; a date long before any fee accrues nothing."""
    from gateway import cli
    from kit.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", pg_url)
    get_settings.cache_clear()
    try:
        assert cli.cmd_accrue_late_fees(argparse.Namespace(date="2000-01-03")) == 0
        assert "late fees accrued for 2000-01-03: 0 assignment(s)" in capsys.readouterr().out
        assert cli.cmd_accrue_late_fees(argparse.Namespace(date="03/01/2000")) == 2
        assert cli.cmd_accrue_late_fees(argparse.Namespace(date="2999-01-01")) == 2
        assert "future" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


# ---- the one formula: GraphQL = Python = SQL ----------------------------------------------------------------

# hand-computed rows first (the arithmetic in the comment), then 200 seeded random ones whose expected
# pending is the seed's formula written out here term by term (never `pending()` itself)
PENDING_BY_HAND = [
    # (amount, sponsor, discount, principal paid, accrued, late paid, waived, pending)
    ("1000.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "1000.00"),  # nothing paid
    ("1000.00", "250.00", "100.00", "400.00", "60.00", "20.00", "10.00", "280.00"),  # 1000+60-250-100-400-20-10
    ("333.33", "0.01", "33.33", "299.99", "4.99", "4.99", "0.00", "0.00"),  # 333.33+4.99-0.01-33.33-299.99-4.99
    ("0.10", "0.00", "0.00", "0.00", "500.00", "0.00", "499.99", "0.11"),  # 0.10+500-499.99
]


async def test_pending_is_the_same_through_graphql_python_and_sql(gql, db):
    school = await own_school(db, 20)
    seed = 5
    rng = random.Random(seed)

    def cents(limit: Decimal) -> Decimal:
        return (D(rng.randrange(0, int(limit * 100) + 1)) / 100).quantize(D("0.01"))

    rows = []
    by_hand: dict[int, Decimal] = {}  # row index -> the pending written out by hand
    for i, (amount, sponsor, discount, paid, accrued, late_paid, waived, shown) in enumerate(PENDING_BY_HAND):
        rows.append(
            late_row(
                school["students"][i],
                "FLAT",
                "10",
                dt.date(2026, 4, 10),
                amount=D(amount),
                sponsor_covered_amount=D(sponsor),
                total_discount_amount=D(discount),
                principal_paid=D(paid),
                late_fee_accrued=D(accrued),
                late_fee_paid=D(late_paid),
                late_fee_waived=D(waived),
            )
        )
        by_hand[i] = D(shown)
    for i in range(200):
        amount = (D(rng.randrange(0, 1_000_000)) / 100).quantize(D("0.01"))
        sponsor = cents(amount) if rng.random() < 0.3 else D("0.00")
        discount = cents(amount - sponsor) if rng.random() < 0.5 else D("0.00")
        paid = cents(amount - sponsor - discount) if rng.random() < 0.7 else D("0.00")
        accrued = cents(D("500")) if rng.random() < 0.5 else D("0.00")
        late_paid = cents(accrued)
        waived = cents(accrued - late_paid)
        rows.append(
            late_row(
                school["students"][i % 20],
                "FLAT",
                "10",
                dt.date(2026, 4, 10),
                amount=amount,
                sponsor_covered_amount=sponsor,
                total_discount_amount=discount,
                principal_paid=paid,
                late_fee_accrued=accrued,
                late_fee_paid=late_paid,
                late_fee_waived=waived,
            )
        )
    ids = await insert_assignments(db, school, rows)

    # GraphQL (super admin in the school), two pages of 100
    through_api: dict[int, str] = {}
    after = None
    while True:
        body = await gql(
            """query($s: ID!, $after: String) { studentFeeAssignments(first: 100, after: $after,
            filter: {feeStructureId: {eq: $s}}) { nodes { id pending } pageInfo { hasNextPage endCursor } } }""",
            {"s": gid("FeeStructure", school["structure"]), "after": after},
            headers=tenant_header(school["gid"]),
        )
        page = body["data"]["studentFeeAssignments"]
        through_api.update({pk(n["id"]): n["pending"] for n in page["nodes"]})
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(through_api) == sorted(ids)

    # SQL: pending_sql compiled by SQLAlchemy, and the hand-written text form
    table = models.StudentFeeAssignment.__table__
    from sqlalchemy import select

    compiled = str(
        select(table.c.id, pending_sql(table.c).label("p"))
        .where(table.c.fee_structure_id == school["structure"])
        .compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    )
    async with db.acquire() as conn:
        in_sql = {r["id"]: r["p"] for r in await conn.fetch(compiled)}
        in_text = {
            r["id"]: r["p"]
            for r in await conn.fetch(
                f"SELECT a.id, {pending_sql_text('a')} AS p FROM student_fee_assignments a WHERE a.fee_structure_id = $1",
                school["structure"],
            )
        }
        stored = {
            r["id"]: dict(r) for r in await conn.fetch("SELECT * FROM student_fee_assignments WHERE id = ANY($1)", ids)
        }
    # the seed's formula (§8.1) written out here, term by term, from the values this test inserted
    expected = {
        k: r["amount"]
        + r["late_fee_accrued"]
        - r["total_discount_amount"]
        - r["sponsor_covered_amount"]
        - r["late_fee_waived"]
        - r["principal_paid"]
        - r["late_fee_paid"]
        for k, r in zip(ids, rows, strict=True)
    }
    for i, shown in by_hand.items():
        assert expected[ids[i]] == shown and through_api[ids[i]] == str(shown), (i, through_api[ids[i]], shown)
    in_python = {k: pending(v) for k, v in stored.items()}
    assert len({v for v in expected.values()}) > 100  # the values really differ
    for k in ids:
        assert D(through_api[k]) == expected[k] == in_python[k] == in_sql[k] == in_text[k], (
            f"seed {seed}",
            k,
            expected[k],
            through_api[k],
            in_python[k],
            in_sql[k],
        )
    assert all(v >= 0 for v in expected.values())
