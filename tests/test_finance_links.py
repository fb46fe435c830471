"""The seed 001 §1.1 links of the money entities that the schema lacked before their types were
generated from the declarations (models/fees, models/expenses, models/finance): `session` of
payments, allocations, transfers, funding, vouchers and closings; `assignment` of adjustments and
late-fee logs; `discountDefinition` of adjustments; `feeStructure` of late-fee policies;
`ExpenseVoucher.createdBy` and `DayClosing.closedBy` (the user who wrote them); `ExpenseHead.normalizedName`; and filtering by
`sessionId` with the session's global ID, as every other reference filter takes.
"""

from __future__ import annotations

import datetime as dt

from kit.ids import encode_gid
from tests.conftest import bearer
from tests.test_finance import ADMIN, DAY_CLOSE, VOUCHER_CREATE, call, data, ok, own_school, today, voucher_input


async def test_fee_records_link_to_their_session_assignment_and_definition(client, db):
    admin = await bearer(client, ADMIN)
    body = data(
        await call(
            client,
            admin,
            """{
      feePayments(first: 5) { nodes { session { id } student { id }
        allocations(first: 5) { nodes { session { id } assignment { id session { id } } feeType { id } } } } }
      feeAdjustments(first: 20) { nodes { type discountNameSnapshot assignment { id } discountDefinition { id name } } }
      studentFeeAssignments(first: 50) { nodes { id lateFeeLogs(first: 5) { nodes { assignment { id } } } } }
      feeStructures(first: 20) { nodes { id lateFeePolicies(first: 2) { nodes { feeStructure { id } } } } }
      fundingArrangements(first: 5) { nodes { session { id } student { id } } }
    }""",
        )
    )
    payments = body["feePayments"]["nodes"]
    assert payments and all(p["session"] and p["session"]["id"] for p in payments), payments
    allocations = [a for p in payments for a in p["allocations"]["nodes"]]
    assert allocations and all(a["session"]["id"] == a["assignment"]["session"]["id"] for a in allocations), allocations
    adjustments = body["feeAdjustments"]["nodes"]
    assert adjustments and all(a["assignment"]["id"] for a in adjustments)
    for a in adjustments:
        if a["discountDefinition"] is not None:
            assert a["type"] == "DISCOUNT" and a["discountDefinition"]["name"] == a["discountNameSnapshot"], a
    logs = [(a["id"], log) for a in body["studentFeeAssignments"]["nodes"] for log in a["lateFeeLogs"]["nodes"]]
    assert logs and all(log["assignment"]["id"] == owner for owner, log in logs)
    policies = [(s["id"], p) for s in body["feeStructures"]["nodes"] for p in s["lateFeePolicies"]["nodes"]]
    assert policies and all(p["feeStructure"]["id"] == owner for owner, p in policies)
    assert body["fundingArrangements"]["nodes"] and all(
        f["session"]["id"] for f in body["fundingArrangements"]["nodes"]
    )

    # filtering by the session takes its global ID, like every other reference
    session = payments[0]["session"]["id"]
    same = data(
        await call(
            client,
            admin,
            """query($s: ID!) { feePayments(first: 50, filter: {sessionId: {eq: $s}}) {
      nodes { session { id } } } }""",
            {"s": session},
        )
    )["feePayments"]["nodes"]
    assert same and {p["session"]["id"] for p in same} == {session}


async def test_vouchers_and_closings_say_who_wrote_them(client, db):
    school = await own_school(client, db, "LNK")
    admin = school["SCHOOL_ADMIN"]
    async with db.acquire() as conn:
        admin_id = await conn.fetchval(
            "SELECT user_id FROM role_assignments WHERE school_id = $1 AND role = 'SCHOOL_ADMIN'", school["id"]
        )
    me, session = encode_gid("User", admin_id), encode_gid("AcademicSession", school["session"])
    day = today() - dt.timedelta(days=2)
    ok(await call(client, admin, VOUCHER_CREATE, voucher_input(school["head"], day, "12.00")), "expenseVoucherCreate")
    ok(await call(client, admin, DAY_CLOSE, {"input": {"date": day.isoformat()}}), "dayClose")
    body = data(
        await call(
            client,
            admin,
            """{
      expenseVouchers(first: 5) { nodes { amount session { id } createdBy { id } } }
      dayClosings(first: 5) { nodes { date session { id } closedBy { id } } }
      expenseHeads(first: 5) { nodes { name normalizedName } }
    }""",
        )
    )
    assert body["expenseVouchers"]["nodes"] == [
        {"amount": "12.00", "session": {"id": session}, "createdBy": {"id": me}}
    ]
    assert body["dayClosings"]["nodes"] == [
        {"date": day.isoformat(), "session": {"id": session}, "closedBy": {"id": me}}
    ]
    assert body["expenseHeads"]["nodes"] == [{"name": "General", "normalizedName": "general"}]
