"""The money formulas pinned by literal, hand-computed examples, end to end through GraphQL over HTTP.

Every expected figure below is written out by hand with its arithmetic in a comment; none is
computed with the code's formula (the property tests against plain references are in
tests/test_money_properties.py). Each test works in a school or hostel of its own:

- pending (seed 001 §8.1): amount + lateFeeAccrued - discount - sponsor - waived - principalPaid - lateFeePaid;
- a payment (§7.1, §7.4): the late fee accrued on the payment date from the assignment's snapshot,
  then each amount clears the whole late fee first and the rest goes to principal;
- discounts (§7.2, issue 10): a percentage of the assignment's amount, half up to the paisa, capped
  by the principal due; a flat discount as it is;
- funding (§7.3): the sponsor's share snapshotted at assignment (FULL, PARTIAL fixed or percent, capped by the net);
- hostel bookings (seed 000): total = monthly rent x months; advance = 25 % (the default approval
  setting) of the total, half up; deposit = the room type's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kit.ids import encode_gid
from tests.booking_world import add_room_type, booking_input, create, make_world
from tests.conftest import school_today, unique
from tests.test_fees import ASSIGN, DEFINITION_CREATE, DISCOUNT, FUNDING_CREATE, NODE_ASSIGNMENT
from tests.test_finance import call, ok, own_school

D = Decimal
TERMS = (
    "amount",
    "late_fee_accrued",
    "total_discount_amount",
    "sponsor_covered_amount",
    "late_fee_waived",
    "principal_paid",
    "late_fee_paid",
)
PAY = """mutation($input: FeePaymentRecordInput!) { feePaymentRecord(input: $input) {
  feePayment { id principalPaid lateFeePaid } errors { field code message } } }"""


@pytest.fixture
async def school(client: Any, db: Any) -> dict[str, Any]:
    """A school of the test's own (tests/test_finance.py: admin, accountant, super admin headers), with a
    fee type and a structure of its current session, and a student enrolled in a class of it."""
    out = await own_school(client, db, "MNY")
    async with db.acquire() as conn, conn.transaction():
        fee_type = await conn.fetchval(
            "INSERT INTO fee_types (school_id, name) VALUES ($1, 'Tuition') RETURNING id", out["id"]
        )
        out["structure"] = await conn.fetchval(
            "INSERT INTO fee_structures (school_id, session_id, fee_type_id, amount) VALUES ($1, $2, $3, 1000) RETURNING id",
            out["id"],
            out["session"],
            fee_type,
        )
        out["class"] = await conn.fetchval(
            "INSERT INTO school_classes (school_id, session_id, name, section) "
            "VALUES ($1, $2, 'Class 6', 'A') RETURNING id",
            out["id"],
            out["session"],
        )
    return out


async def student(db: Any, school: dict[str, Any]) -> int:
    async with db.acquire() as conn, conn.transaction():
        sid = await conn.fetchval(
            "INSERT INTO students (school_id, admission_number, first_name, gender) "
            "VALUES ($1, $2, 'Money', 'FEMALE') RETURNING id",
            school["id"],
            unique("M"),
        )
        await conn.execute(
            "INSERT INTO student_enrollments (school_id, student_id, class_id, session_id, active) "
            "VALUES ($1, $2, $3, $4, true)",
            school["id"],
            sid,
            school["class"],
            school["session"],
        )
    return sid


async def assignment(db: Any, school: dict[str, Any], **columns: Any) -> tuple[str, str]:
    """A fee assignment with the given columns (the rest 0 / no late fee): (student, assignment) global IDs."""
    sid = await student(db, school)
    values = {
        "amount": D("1000.00"),
        "late_fee_type": "NONE",
        "late_fee_value": D("0"),
        "late_fee_grace_days": 0,
        "late_fee_cap_type": "NONE",
        "late_fee_cap_value": D("0"),
        "due_date": school_today(),
        **{k: D("0") for k in TERMS[1:]},
        **columns,
    }
    names = list(values)
    async with db.acquire() as conn:
        pk = await conn.fetchval(
            f"INSERT INTO student_fee_assignments (school_id, student_id, fee_structure_id, session_id, {', '.join(names)}) "
            f"VALUES ($1, $2, $3, $4, {', '.join(f'${i + 5}' for i in range(len(names)))}) RETURNING id",
            school["id"],
            sid,
            school["structure"],
            school["session"],
            *values.values(),
        )
    return encode_gid("Student", sid), encode_gid("StudentFeeAssignment", pk)


async def read(client: Any, school: dict[str, Any], assignment_gid: str) -> dict[str, Any]:
    body = await call(client, school["ACCOUNTANT"], NODE_ASSIGNMENT, {"id": assignment_gid})
    assert "errors" not in body, body
    return body["data"]["node"]


# ---- pending (seed 001 §8.1) -------------------------------------------------------------------------------

PENDING = [
    # (columns, pending shown)
    ({}, "1000.00"),  # nothing paid: the amount
    ({"principal_paid": D("400.00"), "total_discount_amount": D("100.00")}, "500.00"),  # 1000 - 100 - 400
    (
        {
            "late_fee_accrued": D("60.00"),
            "late_fee_waived": D("10.00"),
            "late_fee_paid": D("20.00"),
            "sponsor_covered_amount": D("250.00"),
        },
        "780.00",
    ),  # 1000 + 60 - 250 - 10 - 20
    (
        {
            "amount": D("333.33"),
            "late_fee_accrued": D("4.99"),
            "total_discount_amount": D("33.33"),
            "sponsor_covered_amount": D("0.01"),
            "principal_paid": D("299.99"),
            "late_fee_paid": D("4.99"),
        },
        "0.00",
    ),
    # 333.33 + 4.99 - 33.33 - 0.01 - 299.99 - 4.99 = 0.00 (settled)
    (
        {
            "amount": D("1500.50"),
            "late_fee_accrued": D("75.25"),
            "late_fee_waived": D("75.25"),
            "principal_paid": D("0.50"),
        },
        "1500.00",
    ),  # 1500.50 + 75.25 - 75.25 - 0.50
]


async def test_pending_literal_examples(client, db, school):
    for columns, shown in PENDING:
        _, gid = await assignment(db, school, **columns)
        assert (await read(client, school, gid))["pending"] == shown, columns


# ---- a payment: the late fee accrued on the day, cleared first, then principal (§7.1, §7.4) ----------------------


def days_ago(n: int) -> dt.date:
    return school_today() - dt.timedelta(days=n)


PAYMENTS = [
    # (assignment columns, amount paid today, (lateFeeAccrued, lateFeePaid, principalPaid, pending) after)
    (
        {"late_fee_type": "FLAT", "late_fee_value": D("50.00"), "late_fee_grace_days": 5, "due_date": days_ago(20)},
        "300.00",
        ("50.00", "50.00", "250.00", "750.00"),
    ),
    # FLAT 50 once (15 days after grace); 300 = 50 late + 250 principal; pending 1000 + 50 - 50 - 250 = 750
    (
        {
            "late_fee_type": "PERCENTAGE",
            "late_fee_value": D("10.00"),
            "late_fee_grace_days": 0,
            "due_date": days_ago(3),
            "principal_paid": D("400.00"),
        },
        "60.00",
        ("60.00", "60.00", "400.00", "600.00"),
    ),
    # 10 % of the 600 unpaid = 60, once; 60 clears the late fee only; pending 1000 + 60 - 60 - 400 = 600
    (
        {
            "late_fee_type": "DAILY_PERCENTAGE",
            "late_fee_value": D("1.00"),
            "late_fee_grace_days": 5,
            "due_date": days_ago(15),
            "late_fee_cap_type": "FIXED",
            "late_fee_cap_value": D("30.00"),
        },
        "530.00",
        ("30.00", "30.00", "500.00", "500.00"),
    ),
    # 10 days x 1 % x 1000 = 100, capped at 30; 530 = 30 late + 500 principal; pending 1000 + 30 - 30 - 500 = 500
    (
        {
            "amount": D("333.33"),
            "late_fee_type": "DAILY_PERCENTAGE",
            "late_fee_value": D("0.50"),
            "late_fee_grace_days": 0,
            "due_date": days_ago(3),
        },
        "5.00",
        ("5.00", "5.00", "0.00", "333.33"),
    ),
    # 3 days x 0.5 % x 333.33 = 4.99995 -> 5.00 (half up); 5.00 is the late fee only
    (
        {
            "late_fee_type": "PERCENTAGE",
            "late_fee_value": D("10.00"),
            "late_fee_grace_days": 2,
            "due_date": days_ago(10),
            "late_fee_cap_type": "PERCENTAGE",
            "late_fee_cap_value": D("2.50"),
            "total_discount_amount": D("200.00"),
        },
        "820.00",
        ("20.00", "20.00", "800.00", "0.00"),
    ),
    # 10 % of the 800 unpaid (1000 - 200 discount) = 80, capped at 2.5 % of 800 = 20;
    # 820 = 20 late + 800 principal; pending 1000 + 20 - 200 - 20 - 800 = 0.00
]


async def test_payment_literal_examples(client, db, school):
    for columns, amount, (accrued, late_paid, principal_paid, pending) in PAYMENTS:
        student_gid, gid = await assignment(db, school, **columns)
        body = await call(
            client,
            school["ACCOUNTANT"],
            PAY,
            {
                "input": {
                    "studentId": student_gid,
                    "paymentDate": school_today().isoformat(),
                    "mode": "CASH",
                    "idempotencyKey": unique("k"),
                    "allocations": [{"assignmentId": gid, "amount": amount}],
                }
            },
        )
        paid = ok(body, "feePaymentRecord")["feePayment"]
        assert (paid["lateFeePaid"], paid["principalPaid"]) == (late_paid, str(D(amount) - D(late_paid))), columns
        after = await read(client, school, gid)
        assert (after["lateFeeAccrued"], after["lateFeePaid"], after["principalPaid"], after["pending"]) == (
            accrued,
            late_paid,
            principal_paid,
            pending,
        ), columns


async def test_a_payment_below_the_late_fee_or_above_pending_is_refused_and_changes_nothing(client, db, school):
    # FLAT 50 is due on top of 1000: 49.99 does not clear it; 1050.01 is more than the 1050 pending
    student_gid, gid = await assignment(
        db, school, late_fee_type="FLAT", late_fee_value=D("50.00"), due_date=days_ago(9)
    )
    before = await read(client, school, gid)
    for amount in ("49.99", "1050.01"):
        body = await call(
            client,
            school["ACCOUNTANT"],
            PAY,
            {
                "input": {
                    "studentId": student_gid,
                    "paymentDate": school_today().isoformat(),
                    "mode": "CASH",
                    "idempotencyKey": unique("k"),
                    "allocations": [{"assignmentId": gid, "amount": amount}],
                }
            },
        )
        errors = body["data"]["feePaymentRecord"]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["input", "allocations", "0", "amount"])], body
        assert await read(client, school, gid) == before
    # exactly 1050.00 settles it: 50 late + 1000 principal
    body = await call(
        client,
        school["ACCOUNTANT"],
        PAY,
        {
            "input": {
                "studentId": student_gid,
                "paymentDate": school_today().isoformat(),
                "mode": "CASH",
                "idempotencyKey": unique("k"),
                "allocations": [{"assignmentId": gid, "amount": "1050.00"}],
            }
        },
    )
    assert ok(body, "feePaymentRecord")["feePayment"]["principalPaid"] == "1000.00"
    assert (await read(client, school, gid))["pending"] == "0.00"


# ---- discounts (§7.2; the percentage's base decided in issue 10) ----------------------------------------------

DISCOUNTS = [
    # (assignment columns, definition type and value, discount, pending after)
    ({"principal_paid": D("400.00")}, ("PERCENTAGE", "10.00"), "100.00", "500.00"),
    # 10 % of the amount 1000 (not of the 600 due) = 100; pending 1000 - 100 - 400 = 500
    ({"amount": D("0.99")}, ("PERCENTAGE", "12.50"), "0.12", "0.87"),  # 0.99 x 12.5 % = 0.12375 -> 0.12; 0.99 - 0.12
    ({"amount": D("2.99")}, ("PERCENTAGE", "12.50"), "0.37", "2.62"),  # 2.99 x 12.5 % = 0.37375 -> 0.37; 2.99 - 0.37
    ({"amount": D("0.20")}, ("PERCENTAGE", "12.50"), "0.03", "0.17"),  # 0.20 x 12.5 % = 0.025 -> 0.03 (half up)
    ({"principal_paid": D("920.00")}, ("PERCENTAGE", "50.00"), "80.00", "0.00"),  # 500 capped by the 80 due
    ({}, ("FLAT", "250.00"), "250.00", "750.00"),  # flat as it is; 1000 - 250
]


async def test_discount_literal_examples(client, db, school):
    for columns, (kind, value), discount, pending in DISCOUNTS:
        _, gid = await assignment(db, school, **columns)
        definition = ok(
            await call(
                client,
                school["super"],
                DEFINITION_CREATE,
                {"i": {"name": unique("Disc"), "type": kind, "amountValue": value}},
            ),
            "discountDefinitionCreate",
        )["discountDefinition"]
        applied = ok(
            await call(
                client,
                school["super"],
                DISCOUNT,
                {"i": {"assignmentId": gid, "discountDefinitionId": definition["id"]}},
            ),
            "feeDiscountApply",
        )
        assert applied["feeAdjustment"]["amount"] == discount, (columns, kind, value)
        after = await read(client, school, gid)
        assert (after["totalDiscountAmount"], after["pending"]) == (discount, pending), (columns, kind, value)


async def test_a_discount_recomputes_the_sponsor_share_on_the_new_net(client, db, school):
    # 50 % sponsor of 1000 = 500; after a flat 100 discount: 50 % of 900 = 450; pending 1000 - 100 - 450 = 450
    student_gid = encode_gid("Student", await student(db, school))
    ok(
        await call(
            client,
            school["super"],
            FUNDING_CREATE,
            {
                "i": {
                    "studentId": student_gid,
                    "coverageType": "PARTIAL",
                    "coverageMode": "PERCENTAGE",
                    "coverageValue": "50",
                }
            },
        ),
        "fundingArrangementCreate",
    )
    assigned = ok(
        await call(
            client,
            school["super"],
            ASSIGN,
            {
                "i": {
                    "feeStructureId": encode_gid("FeeStructure", school["structure"]),
                    "studentIds": [student_gid],
                    "dueDate": school_today().isoformat(),
                }
            },
        ),
        "feeAssign",
    )["studentFeeAssignments"][0]
    assert (assigned["sponsorCoveredAmount"], assigned["pending"]) == ("500.00", "500.00")
    definition = ok(
        await call(
            client,
            school["super"],
            DEFINITION_CREATE,
            {"i": {"name": unique("Disc"), "type": "FLAT", "amountValue": "100.00"}},
        ),
        "discountDefinitionCreate",
    )["discountDefinition"]
    ok(
        await call(
            client,
            school["super"],
            DISCOUNT,
            {"i": {"assignmentId": assigned["id"], "discountDefinitionId": definition["id"]}},
        ),
        "feeDiscountApply",
    )
    after = await read(client, school, assigned["id"])
    assert (after["totalDiscountAmount"], after["sponsorCoveredAmount"], after["pending"]) == (
        "100.00",
        "450.00",
        "450.00",
    )


# ---- funding snapshotted at assignment (§7.3) -------------------------------------------------------------------

FUNDING = [
    # (arrangement input beyond the student, sponsor's share of the 1000 fee, pending)
    ({"coverageType": "FULL"}, "1000.00", "0.00"),  # all of it
    (
        {"coverageType": "PARTIAL", "coverageMode": "PERCENTAGE", "coverageValue": "25"},
        "250.00",
        "750.00",
    ),  # 25 % of 1000
    ({"coverageType": "PARTIAL", "coverageMode": "PERCENTAGE", "coverageValue": "33.33"}, "333.30", "666.70"),
    # 33.33 % of 1000 = 333.30
    ({"coverageType": "PARTIAL", "coverageMode": "FIXED_AMOUNT", "coverageValue": "400.00"}, "400.00", "600.00"),
    ({"coverageType": "PARTIAL", "coverageMode": "FIXED_AMOUNT", "coverageValue": "1500.00"}, "1000.00", "0.00"),
    # 1500 capped by the 1000 net
    ({"coverageType": "FULL", "validTo": "2000-01-01"}, "0.00", "1000.00"),  # ended before the due date: nothing
]


async def test_funding_literal_examples(client, db, school):
    for arrangement, share, pending in FUNDING:
        student_gid = encode_gid("Student", await student(db, school))
        ok(
            await call(client, school["super"], FUNDING_CREATE, {"i": {"studentId": student_gid, **arrangement}}),
            "fundingArrangementCreate",
        )
        assigned = ok(
            await call(
                client,
                school["super"],
                ASSIGN,
                {
                    "i": {
                        "feeStructureId": encode_gid("FeeStructure", school["structure"]),
                        "studentIds": [student_gid],
                        "dueDate": school_today().isoformat(),
                    }
                },
            ),
            "feeAssign",
        )["studentFeeAssignments"][0]
        assert (assigned["sponsorCoveredAmount"], assigned["pending"]) == (share, pending), arrangement


# ---- hostel booking amounts (seed 000) -----------------------------------------------------------------------------

BOOKINGS = [
    # (monthly price, deposit, months, (monthlyRent, totalAmount, advanceAmount, securityDeposit))
    ("9000.00", "5000.00", 2, ("9000.00", "18000.00", "4500.00", "5000.00")),  # 9000 x 2; 25 % of 18000
    ("7333.33", "2500.00", 3, ("7333.33", "21999.99", "5500.00", "2500.00")),  # 21999.99 x 25 % = 5499.9975 -> 5500.00
    ("1234.57", "0.00", 1, ("1234.57", "1234.57", "308.64", "0.00")),  # 1234.57 x 25 % = 308.6425 -> 308.64
    ("4500.50", "1000.00", 6, ("4500.50", "27003.00", "6750.75", "1000.00")),  # 4500.50 x 6; 27003 x 25 % = 6750.75
]


async def test_booking_amount_literal_examples(client, db):
    world = await make_world(db, client)
    for i, (price, deposit, months, expected) in enumerate(BOOKINGS):
        await add_room_type(db, world, f"M{i}", price=price, deposit=deposit)
        made = await create(world.admin, booking_input(world, f"M{i}", months=months))
        assert (made["monthlyRent"], made["totalAmount"], made["advanceAmount"], made["securityDeposit"]) == expected, (
            price
        )
