"""feePaymentRecord through GraphQL (seed 001 §7.1, §7.4, §7.6): allocations, late fee first,
refusals that change nothing, idempotency, and payments racing for one assignment.

Every test pays fees it creates itself (a student, a fee type, a structure and assignments
inserted with SQL in Greenwood or Riverside), dated on a day no one else uses, so the demo
term and other tests' data stay as they were.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from decimal import Decimal
from typing import Any

from kit.ids import decode_gid, encode_gid
from tests.conftest import as_user, GQL, school_today, unique

ADMIN, ACCOUNTANT, TEACHER = "admin@greenwood.demo", "accounts@greenwood.demo", "teacher@greenwood.demo"

RECORD = """mutation($input: FeePaymentRecordInput!) { feePaymentRecord(input: $input) {
  feePayment { id principalPaid lateFeePaid paymentDate mode transactionReference remarks student { id }
               allocations(first: 20) { nodes { principalAmount lateFeeAmount assignment { id pending } feeType { id } } } }
  errors { field code message } replayed } }"""

BY_KEY = """query($key: String!) { feePaymentByIdempotencyKey(idempotencyKey: $key) { id principalPaid } }"""


def gid(type_name: str, pk: int) -> str:
    return encode_gid(type_name, pk)


# ---- arranging ----------------------------------------------------------------------------------


async def _school(db: Any, code: str = "DEMO-GWH") -> dict[str, int]:
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT id, current_session_id FROM schools WHERE school_code = $1", code)
    return {"id": row["id"], "session": row["current_session_id"]}


async def _open_day(db: Any, *school_ids: int, room: int = 0) -> dt.date:
    """A day these schools take payments on: after their last closing in force (issue 10: the
    books are closed through it) and not after the school's today; the demo schools' current
    sessions cover it. `room`: leave that many open days after it (for a later payment)."""
    async with db.acquire() as conn:
        through = await conn.fetchval(
            "SELECT max(date) FROM day_closing WHERE school_id = ANY($1::bigint[]) AND NOT override_allowed",
            list(school_ids),
        )
    last = school_today() - dt.timedelta(days=room)
    first = (through + dt.timedelta(days=1)) if through else last - dt.timedelta(days=2)
    assert first <= last, "no open day left in these schools"
    return first + dt.timedelta(days=random.randrange(0, (last - first).days + 1))


async def _arrange(
    db: Any,
    school: dict[str, int],
    amounts: list[str],
    *,
    due: dt.date | None = None,
    late: tuple[str, str, int] = ("NONE", "0", 0),
    session_id: int | None = None,
    student_id: int | None = None,
) -> dict[str, Any]:
    """A student (new unless given) with one fee assignment per amount, each of its own fee type."""
    session_id = session_id or school["session"]
    late_type, late_value, grace = late
    async with db.acquire() as conn, conn.transaction():
        if student_id is None:
            student_id = await conn.fetchval(
                "INSERT INTO students (school_id, admission_number, first_name, gender) VALUES ($1, $2, 'Payer', 'FEMALE') "
                "RETURNING id",
                school["id"],
                unique("PAY"),
            )
        assignments, fee_types = [], []
        for amount in amounts:
            fee_type = await conn.fetchval(
                "INSERT INTO fee_types (school_id, name) VALUES ($1, $2) RETURNING id", school["id"], unique("Fee")
            )
            structure = await conn.fetchval(
                "INSERT INTO fee_structures (school_id, session_id, fee_type_id, amount) VALUES ($1, $2, $3, $4) RETURNING id",
                school["id"],
                session_id,
                fee_type,
                Decimal(amount),
            )
            assignments.append(
                await conn.fetchval(
                    "INSERT INTO student_fee_assignments (school_id, student_id, fee_structure_id, session_id, amount, due_date, "
                    "late_fee_type, late_fee_value, late_fee_grace_days, late_fee_cap_type, late_fee_cap_value) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'NONE', 0) RETURNING id",
                    school["id"],
                    student_id,
                    structure,
                    session_id,
                    Decimal(amount),
                    due,
                    late_type,
                    Decimal(late_value),
                    grace,
                )
            )
            fee_types.append(fee_type)
    return {"student": student_id, "assignments": assignments, "fee_types": fee_types}


async def _row(db: Any, assignment_id: int) -> dict[str, Any]:
    async with db.acquire() as conn:
        return dict(await conn.fetchrow("SELECT * FROM student_fee_assignments WHERE id = $1", assignment_id))


async def _rows(db: Any, ids: list[int]) -> list[dict[str, Any]]:
    return [await _row(db, pk) for pk in ids]


async def _payment_count(db: Any, student_id: int) -> int:
    async with db.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM fee_payments WHERE student_id = $1", student_id)


def _input(
    student: int,
    day: dt.date,
    allocations: list[tuple[int, str]],
    key: str | None = None,
    mode: str = "CASH",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "studentId": gid("Student", student),
        "paymentDate": day.isoformat(),
        "mode": mode,
        "idempotencyKey": key or unique("key"),
        "allocations": [
            {"assignmentId": gid("StudentFeeAssignment", a), "amount": amount} for a, amount in allocations
        ],
        **extra,
    }


async def _pay(g: GQL, inp: dict[str, Any]) -> dict[str, Any]:
    return (await g(RECORD, {"input": inp}))["data"]["feePaymentRecord"]


async def _refused(
    g: GQL, db: Any, inp: dict[str, Any], assignments: list[int], student: int
) -> list[tuple[Any, str, str]]:
    """Send a payment that must be refused; nothing may change. Returns (field, code, message) of its errors."""
    before, count = await _rows(db, assignments), await _payment_count(db, student)
    payload = await _pay(g, inp)
    assert payload["feePayment"] is None and payload["errors"], payload
    assert await _rows(db, assignments) == before
    assert await _payment_count(db, student) == count
    return [(e["field"], e["code"], e["message"]) for e in payload["errors"]]


# ---- recording ----------------------------------------------------------------------------------


async def test_full_payment_of_two_fees_in_one_payment(client, db):
    school = await _school(db)
    data = await _arrange(db, school, ["1500.00", "250.50"])
    (a, b), day = data["assignments"], await _open_day(db, school["id"])
    g = await as_user(client, ACCOUNTANT)
    inp = _input(
        data["student"],
        day,
        [(a, "1500.00"), (b, "250.50")],
        mode="upi",
        transactionReference=" UPI-77 ",
        remarks="term fees",
    )
    payload = await _pay(g, inp)
    assert payload["errors"] == [] and payload["replayed"] is False
    payment = payload["feePayment"]
    assert (payment["principalPaid"], payment["lateFeePaid"], payment["paymentDate"], payment["mode"]) == (
        "1750.50",
        "0.00",
        day.isoformat(),
        "UPI",
    )
    assert (payment["transactionReference"], payment["remarks"]) == ("UPI-77", "term fees")
    assert payment["student"]["id"] == gid("Student", data["student"])
    nodes = sorted(payment["allocations"]["nodes"], key=lambda n: n["principalAmount"])
    assert [
        (n["principalAmount"], n["lateFeeAmount"], n["assignment"]["pending"], n["feeType"]["id"]) for n in nodes
    ] == [
        ("1500.00", "0.00", "0.00", gid("FeeType", data["fee_types"][0])),
        ("250.50", "0.00", "0.00", gid("FeeType", data["fee_types"][1])),
    ]
    rows = await _rows(db, [a, b])
    assert [(r["principal_paid"], r["late_fee_paid"], r["version"]) for r in rows] == [
        (Decimal("1500.00"), Decimal("0.00"), 1),
        (Decimal("250.50"), Decimal("0.00"), 1),
    ]
    async with db.acquire() as conn:
        pk = decode_gid(payment["id"])[1]
        stored = await conn.fetchrow(
            "SELECT session_id, idempotency_key, request_hash FROM fee_payments WHERE id = $1", pk
        )
        allocations = await conn.fetch(
            "SELECT assignment_id, session_id FROM fee_payment_allocations WHERE fee_payment_id = $1", pk
        )
        log = await conn.fetchrow(
            "SELECT action, entity_type, user_id FROM activity_logs WHERE entity_id = $1 "
            "AND action = 'feePaymentRecord'",
            pk,
        )
    assert stored["session_id"] == school["session"] and stored["idempotency_key"] == inp["idempotencyKey"]
    assert len(stored["request_hash"]) == 64
    assert {(r["assignment_id"], r["session_id"]) for r in allocations} == {
        (a, school["session"]),
        (b, school["session"]),
    }
    assert log["entity_type"] == "FeePayment" and log["user_id"] is not None
    # the same key finds it
    found = (await g(BY_KEY, {"key": inp["idempotencyKey"]}))["data"]["feePaymentByIdempotencyKey"]
    assert found == {"id": payment["id"], "principalPaid": "1750.50"}
    assert (await g(BY_KEY, {"key": unique("never")}))["data"]["feePaymentByIdempotencyKey"] is None


async def test_partial_payments_until_paid(client, db):
    school = await _school(db)
    data = await _arrange(db, school, ["1000.00"])
    [a], day = data["assignments"], await _open_day(db, school["id"])
    g = await as_user(client, ADMIN)
    first = await _pay(g, _input(data["student"], day, [(a, "400.00")]))
    assert first["errors"] == [] and first["feePayment"]["principalPaid"] == "400.00"
    assert first["feePayment"]["allocations"]["nodes"][0]["assignment"]["pending"] == "600.00"
    second = await _pay(g, _input(data["student"], day, [(a, "600")]))
    assert second["errors"] == [] and second["feePayment"]["principalPaid"] == "600.00"
    row = await _row(db, a)
    assert (row["principal_paid"], row["late_fee_paid"], row["late_fee_accrued"]) == (Decimal("1000.00"), 0, 0)
    # nothing is pending any more: one cent more is an over-payment
    errors = await _refused(g, db, _input(data["student"], day, [(a, "0.01")]), [a], data["student"])
    assert errors[0][:2] == (["input", "allocations", "0", "amount"], "INVALID") and "over-payment" in errors[0][2]


async def test_late_fee_is_accrued_at_payment_time_and_cleared_before_principal(client, db):
    school = await _school(db)
    day = await _open_day(db, school["id"])
    data = await _arrange(db, school, ["1000.00"], due=day - dt.timedelta(days=30), late=("FLAT", "100.00", 5))
    [a] = data["assignments"]
    g = await as_user(client, ACCOUNTANT)
    # less than the pending late fee: refused, and the accrual itself is rolled back
    errors = await _refused(g, db, _input(data["student"], day, [(a, "50.00")]), [a], data["student"])
    assert errors == [
        (
            ["input", "allocations", "0", "amount"],
            "INVALID",
            "allocations[0]: a late fee of 100.00 is pending on this fee and must be cleared first; "
            "50.00 does not cover it.",
        )
    ]
    # more than principal + late fee: refused, the message names both
    errors = await _refused(g, db, _input(data["student"], day, [(a, "1100.01")]), [a], data["student"])
    assert errors[0][2] == (
        "allocations[0]: 1100.01 is more than the 1100.00 pending on this fee (including a late fee "
        "of 100.00); over-payment is refused."
    )
    # 1100 on 1000 + 100: 100 late fee, 1000 principal
    payload = await _pay(g, _input(data["student"], day, [(a, "1100.00")]))
    assert payload["errors"] == []
    assert (payload["feePayment"]["principalPaid"], payload["feePayment"]["lateFeePaid"]) == ("1000.00", "100.00")
    [node] = payload["feePayment"]["allocations"]["nodes"]
    assert (node["principalAmount"], node["lateFeeAmount"], node["assignment"]["pending"]) == (
        "1000.00",
        "100.00",
        "0.00",
    )
    row = await _row(db, a)
    assert (row["late_fee_accrued"], row["late_fee_applied"], row["late_fee_paid"], row["principal_paid"]) == (
        Decimal("100.00"),
        True,
        Decimal("100.00"),
        Decimal("1000.00"),
    )
    async with db.acquire() as conn:
        logs = await conn.fetch(
            "SELECT computed_amount, applied_date, reason FROM late_fee_logs WHERE assignment_id = $1", a
        )
    assert [(r["computed_amount"], r["applied_date"]) for r in logs] == [(Decimal("100.00"), day)]
    assert logs[0]["reason"].startswith("FLAT late fee")


async def test_late_fee_then_principal_in_parts(client, db):
    """A flat late fee is accrued once; a later payment of the same fee clears principal only."""
    school = await _school(db)
    day = await _open_day(db, school["id"], room=1)
    data = await _arrange(db, school, ["1000.00"], due=day - dt.timedelta(days=30), late=("FLAT", "100.00", 5))
    [a] = data["assignments"]
    g = await as_user(client, ADMIN)
    first = await _pay(g, _input(data["student"], day, [(a, "100.00")]))  # exactly the late fee
    assert (first["feePayment"]["principalPaid"], first["feePayment"]["lateFeePaid"]) == ("0.00", "100.00")
    second = await _pay(g, _input(data["student"], day + dt.timedelta(days=1), [(a, "1000.00")]))
    assert second["errors"] == []
    assert (second["feePayment"]["principalPaid"], second["feePayment"]["lateFeePaid"]) == ("1000.00", "0.00")
    row = await _row(db, a)
    assert (row["late_fee_accrued"], row["late_fee_paid"], row["principal_paid"]) == (100, 100, 1000)


async def test_refusals_change_nothing(client, db):
    school = await _school(db)
    data = await _arrange(db, school, ["1000.00", "300.00"])
    (a, b), student, day = data["assignments"], data["student"], await _open_day(db, school["id"])
    g = await as_user(client, ADMIN)

    async def refused(inp: dict[str, Any]) -> list[tuple[Any, str, str]]:
        return await _refused(g, db, inp, [a, b], student)

    # over-payment of one assignment, naming its index
    errors = await refused(_input(student, day, [(b, "300.00"), (a, "1000.01")]))
    assert errors == [
        (
            ["input", "allocations", "1", "amount"],
            "INVALID",
            "allocations[1]: 1000.01 is more than the 1000.00 pending on this fee; over-payment is refused.",
        )
    ]
    # one assignment twice
    errors = await refused(_input(student, day, [(a, "10.00"), (b, "10.00"), (a, "20.00")]))
    assert errors == [
        (
            ["input", "allocations", "2", "assignmentId"],
            "INVALID",
            "allocations[2] names the same fee assignment as allocations[0]; send one allocation per assignment.",
        )
    ]
    # amounts: zero, negative, fractions of a cent (all reported at once)
    errors = await refused(_input(student, day, [(a, "0"), (b, "-5.00")]))
    assert [(f, c) for f, c, _ in errors] == [
        (["input", "allocations", "0", "amount"], "INVALID"),
        (["input", "allocations", "1", "amount"], "INVALID"),
    ]
    errors = await refused(_input(student, day, [(a, "10.005")]))
    assert "2 decimal places" in errors[0][2]
    # no allocations, a wrong id, an unknown mode, an empty key, a future date
    assert (await refused(_input(student, day, [])))[0][:2] == (["input", "allocations"], "INVALID")
    errors = await refused(
        {**_input(student, day, [(a, "1.00")]), "allocations": [{"assignmentId": gid("Student", a), "amount": "1.00"}]}
    )
    assert errors[0][:2] == (["input", "allocations", "0", "assignmentId"], "INVALID")
    assert (await refused(_input(student, day, [(a, "1.00")], mode="CHEQUE")))[0][:2] == (["input", "mode"], "INVALID")
    assert (await refused(_input(student, day, [(a, "1.00")], key="  ")))[0][:2] == (
        ["input", "idempotencyKey"],
        "INVALID",
    )
    tomorrow = school_today() + dt.timedelta(days=1)
    assert (await refused(_input(student, tomorrow, [(a, "1.00")])))[0][:2] == (["input", "paymentDate"], "INVALID")
    # another student's fee
    other = await _arrange(db, school, ["100.00"])
    errors = await refused(_input(student, day, [(a, "1.00"), (other["assignments"][0], "1.00")]))
    assert errors == [
        (
            ["input", "allocations", "1", "assignmentId"],
            "INVALID",
            "allocations[1]: this fee assignment is not the student's.",
        )
    ]
    # an inactive assignment
    inactive = await _arrange(db, school, ["100.00"], student_id=student)
    async with db.acquire() as conn:
        await conn.execute(
            "UPDATE student_fee_assignments SET active = false WHERE id = $1", inactive["assignments"][0]
        )
    errors = await refused(_input(student, day, [(inactive["assignments"][0], "1.00")]))
    assert errors[0][:2] == (["input", "allocations", "0", "assignmentId"], "INVALID") and "inactive" in errors[0][2]


async def test_fees_of_two_sessions_are_two_payments(client, db):
    school = await _school(db)
    async with db.acquire() as conn:
        previous = await conn.fetchval(
            "SELECT id FROM academic_sessions WHERE school_id = $1 AND id <> $2 ORDER BY id LIMIT 1",
            school["id"],
            school["session"],
        )
    assert previous is not None, "the demo school has an earlier session"
    data = await _arrange(db, school, ["100.00"])
    old = await _arrange(db, school, ["200.00"], session_id=previous, student_id=data["student"])
    day = await _open_day(db, school["id"])
    g = await as_user(client, ADMIN)
    errors = await _refused(
        g,
        db,
        _input(data["student"], day, [(data["assignments"][0], "100.00"), (old["assignments"][0], "200.00")]),
        [data["assignments"][0], old["assignments"][0]],
        data["student"],
    )
    assert errors[0][:2] == (["input", "allocations"], "INVALID") and "one academic session" in errors[0][2]
    # a fee of the earlier session is paid in its session only (issue 10): dated today it is refused
    errors = await _refused(
        g, db, _input(data["student"], day, [(old["assignments"][0], "200.00")]), old["assignments"], data["student"]
    )
    assert errors[0][:2] == (["input", "paymentDate"], "INVALID") and "outside the academic session" in errors[0][2]


async def test_a_payment_is_dated_within_its_session_and_not_in_the_schools_future(client, db):
    """Item 9 of issue 10: the assignment's session bounds the payment date; "today" is the school's."""
    school = await _school(db)
    async with db.acquire() as conn:
        span = await conn.fetchrow(
            "SELECT start_date, end_date FROM academic_sessions WHERE id = $1", school["session"]
        )
        zone = await conn.fetchval("SELECT time_zone FROM schools WHERE id = $1", school["id"])
    data = await _arrange(db, school, ["100.00"])
    [a] = data["assignments"]
    g = await as_user(client, ADMIN)
    from zoneinfo import ZoneInfo

    local_today = dt.datetime.now(ZoneInfo(zone)).date()
    for day, why in (
        (span["start_date"] - dt.timedelta(days=1), "outside the academic session"),
        (local_today + dt.timedelta(days=1), "in the future"),
    ):
        errors = await _refused(g, db, _input(data["student"], day, [(a, "100.00")]), [a], data["student"])
        assert errors[0][:2] == (["input", "paymentDate"], "INVALID") and why in errors[0][2], errors
    assert (await _pay(g, _input(data["student"], local_today, [(a, "100.00")])))["errors"] == []


async def test_another_schools_assignment_is_not_found(client, db):
    greenwood, riverside = await _school(db), await _school(db, "DEMO-RVP")
    mine = await _arrange(db, greenwood, ["100.00"])
    theirs = await _arrange(db, riverside, ["100.00"])
    day = await _open_day(db, greenwood["id"])
    g = await as_user(client, ADMIN)
    foreign = await _refused(
        g,
        db,
        _input(mine["student"], day, [(theirs["assignments"][0], "100.00")]),
        theirs["assignments"],
        theirs["student"],
    )
    missing = await _refused(
        g, db, _input(mine["student"], day, [(987_654_321, "100.00")]), mine["assignments"], mine["student"]
    )
    assert (
        foreign
        == missing
        == [
            (
                ["input", "allocations", "0", "assignmentId"],
                "NOT_FOUND",
                "allocations[0]: no StudentFeeAssignment with this ID.",
            )
        ]
    )
    # the other school's own student and fee, named from Greenwood: the same
    foreign = await _refused(
        g,
        db,
        _input(theirs["student"], day, [(theirs["assignments"][0], "100.00")]),
        theirs["assignments"],
        theirs["student"],
    )
    assert foreign == missing


async def test_roles(client, db):
    school = await _school(db)
    data = await _arrange(db, school, ["100.00"])
    [a], day = data["assignments"], await _open_day(db, school["id"])
    before = await _row(db, a)
    teacher = await as_user(client, TEACHER)
    body = await teacher(RECORD, {"input": _input(data["student"], day, [(a, "100.00")])}, expect_errors=True)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await teacher(BY_KEY, {"key": "x"}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = GQL(client)
    body = await anonymous(RECORD, {"input": _input(data["student"], day, [(a, "100.00")])}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await _row(db, a) == before and await _payment_count(db, data["student"]) == 0
    # a platform role without a school: refused, nothing written
    platform = await as_user(client, "superadmin@demo.campus")
    payload = await _pay(platform, _input(data["student"], day, [(a, "100.00")]))
    assert payload["errors"][0]["code"] == "INVALID" and await _row(db, a) == before


# ---- idempotency ----------------------------------------------------------------------------------


async def test_a_retry_returns_the_first_payment_and_writes_nothing(client, db):
    school = await _school(db)
    data = await _arrange(db, school, ["900.00", "100.00"])
    (a, b), day = data["assignments"], await _open_day(db, school["id"])
    g = await as_user(client, ACCOUNTANT)
    key = unique("retry")
    inp = _input(data["student"], day, [(a, "500.00"), (b, "100.00")], key=key, remarks="first")
    first = await _pay(g, inp)
    assert first["errors"] == [] and first["replayed"] is False
    after_first = await _rows(db, [a, b])
    async with db.acquire() as conn:
        activity = await conn.fetchval("SELECT count(*) FROM activity_logs WHERE action = 'feePaymentRecord'")
    # the same content (allocations in another order, amounts spelled differently): the first payment, nothing written
    same = {**inp, "allocations": list(reversed(inp["allocations"]))}
    same["allocations"][1] = {**same["allocations"][1], "amount": "500"}
    retry = await _pay(g, same)
    assert retry["replayed"] is True and retry["errors"] == [] and retry["feePayment"] == first["feePayment"]
    assert await _rows(db, [a, b]) == after_first and await _payment_count(db, data["student"]) == 1
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM activity_logs WHERE action = 'feePaymentRecord'") == activity
    # a retry by another allowed user: still the first payment
    assert (await _pay(await as_user(client, ADMIN), inp))["feePayment"]["id"] == first["feePayment"]["id"]
    # the key with different content
    for changed in (
        {**inp, "remarks": "second"},
        _input(data["student"], day, [(a, "400.00")], key=key),
        {**inp, "paymentDate": (day - dt.timedelta(days=1)).isoformat()},
    ):
        errors = await _refused(g, db, changed, [a, b], data["student"])
        assert errors == [
            (["input", "idempotencyKey"], "CONFLICT", "This idempotency key was used for a different payment.")
        ]
    # keys are per school: Riverside may use the same one
    riverside = await _school(db, "DEMO-RVP")
    theirs = await _arrange(db, riverside, ["100.00"])
    other = await as_user(client, "admin@riverside.demo")
    payload = await _pay(
        other,
        _input(
            theirs["student"], await _open_day(db, riverside["id"]), [(theirs["assignments"][0], "100.00")], key=key
        ),
    )
    assert payload["errors"] == [] and payload["replayed"] is False


async def test_a_key_of_another_school_finds_nothing(client, db):
    """feePaymentByIdempotencyKey sees the active school's payments only (isolation of a non-list root field)."""
    greenwood, riverside = await _school(db), await _school(db, "DEMO-RVP")
    mine, theirs = await _arrange(db, greenwood, ["100.00"]), await _arrange(db, riverside, ["70.00", "30.00"])
    admin, other = await as_user(client, ADMIN), await as_user(client, "admin@riverside.demo")
    shared, only_theirs = unique("shared"), unique("theirs")
    day = await _open_day(db, greenwood["id"], riverside["id"])
    paid_here = await _pay(admin, _input(mine["student"], day, [(mine["assignments"][0], "40.00")], key=shared))
    paid_there = await _pay(other, _input(theirs["student"], day, [(theirs["assignments"][0], "70.00")], key=shared))
    assert (await _pay(other, _input(theirs["student"], day, [(theirs["assignments"][1], "30.00")], key=only_theirs)))[
        "errors"
    ] == []
    for g, expected in ((admin, paid_here), (other, paid_there)):
        found = (await g(BY_KEY, {"key": shared}))["data"]["feePaymentByIdempotencyKey"]
        assert found["id"] == expected["feePayment"]["id"]
    assert (await admin(BY_KEY, {"key": only_theirs}))["data"]["feePaymentByIdempotencyKey"] is None
    # a platform role without a school: keys are per school, nothing to find
    platform = await as_user(client, "superadmin@demo.campus")
    assert (await platform(BY_KEY, {"key": shared}))["data"]["feePaymentByIdempotencyKey"] is None


async def test_a_refused_payment_does_not_use_up_its_key(client, db):
    school = await _school(db)
    data = await _arrange(db, school, ["100.00"])
    [a], day = data["assignments"], await _open_day(db, school["id"])
    g = await as_user(client, ADMIN)
    key = unique("fix")
    await _refused(g, db, _input(data["student"], day, [(a, "150.00")], key=key), [a], data["student"])
    payload = await _pay(g, _input(data["student"], day, [(a, "100.00")], key=key))
    assert payload["errors"] == [] and payload["replayed"] is False


async def test_statements_of_a_payment(client, db):
    """One allocation: key lock and look-up, day lock and check, rows locked, payment, allocation,
    assignment, activity, then the payload's read."""
    school = await _school(db)
    data = await _arrange(db, school, ["100.00"])
    [a], day = data["assignments"], await _open_day(db, school["id"])
    g = await as_user(client, ADMIN)
    query = """mutation($input: FeePaymentRecordInput!) { feePaymentRecord(input: $input) {
      feePayment { id principalPaid } errors { code } replayed } }"""
    inp = _input(data["student"], day, [(a, "60.00")])
    body = await g(query, {"input": inp})
    assert body["data"]["feePaymentRecord"]["errors"] == []
    paid = g.statements(body)
    replay = g.statements(await g(query, {"input": inp}))
    # savepoint, release: 2; the work: 9; the payload: 1
    assert paid == 12, paid
    assert replay == 5, replay


# ---- concurrency ------------------------------------------------------------------------------------


async def test_fifty_parallel_payments_on_one_fee(client, db):
    """10 000.00 pending, 50 payments of 1 000.00 at once: exactly 10 go through."""
    school = await _school(db)
    data = await _arrange(db, school, ["10000.00"])
    [a], day = data["assignments"], await _open_day(db, school["id"])
    g = await as_user(client, ACCOUNTANT)
    answers = await asyncio.gather(*(_pay(g, _input(data["student"], day, [(a, "1000.00")])) for _ in range(50)))
    succeeded = [p for p in answers if p["errors"] == []]
    refused = [p for p in answers if p["errors"]]
    assert len(succeeded) == 10 and len(refused) == 40
    assert all(
        p["feePayment"] is None
        and p["errors"][0]["code"] == "INVALID"
        and p["errors"][0]["field"] == ["input", "allocations", "0", "amount"]
        and "over-payment" in p["errors"][0]["message"]
        for p in refused
    )
    assert len({p["feePayment"]["id"] for p in succeeded}) == 10
    row = await _row(db, a)
    assert row["principal_paid"] == Decimal("10000.00") and row["version"] == 10
    async with db.acquire() as conn:
        total = await conn.fetchval(
            "SELECT sum(principal_amount + late_fee_amount) FROM fee_payment_allocations WHERE assignment_id = $1", a
        )
        pending = await conn.fetchval(f"SELECT {_pending_sql('s')} FROM student_fee_assignments s WHERE id = $1", a)
    assert total == Decimal("10000.00") and pending == 0
    assert await _payment_count(db, data["student"]) == 10


async def test_twenty_parallel_retries_of_one_key(client, db):
    school = await _school(db)
    data = await _arrange(db, school, ["5000.00"])
    [a], day = data["assignments"], await _open_day(db, school["id"])
    g = await as_user(client, ADMIN)
    inp = _input(data["student"], day, [(a, "1234.56")])
    answers = await asyncio.gather(*(_pay(g, inp) for _ in range(20)))
    assert all(p["errors"] == [] for p in answers), [p["errors"] for p in answers if p["errors"]]
    assert len({p["feePayment"]["id"] for p in answers}) == 1
    assert sorted(p["replayed"] for p in answers) == [False] + [True] * 19
    async with db.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM fee_payments WHERE idempotency_key = $1", inp["idempotencyKey"])
            == 1
        )
    assert (await _row(db, a))["principal_paid"] == Decimal("1234.56")


def _pending_sql(alias: str) -> str:
    from resolvers.fees.formula import pending_sql_text

    return pending_sql_text(alias)


async def test_ledger_every_assignment_equals_its_allocations(db):
    """Run last: after everything above (and the demo term), each assignment's paid totals are
    exactly the sums of its allocations, and nothing is over-paid."""
    school = await _school(db)
    async with db.acquire() as conn:
        drift = await conn.fetch(
            "SELECT a.id, a.principal_paid, a.late_fee_paid, coalesce(sum(x.principal_amount), 0) AS p, "
            "coalesce(sum(x.late_fee_amount), 0) AS l FROM student_fee_assignments a "
            "LEFT JOIN fee_payment_allocations x ON x.assignment_id = a.id AND x.school_id = a.school_id "
            "WHERE a.school_id = $1 GROUP BY a.id "
            "HAVING a.principal_paid <> coalesce(sum(x.principal_amount), 0) OR a.late_fee_paid <> coalesce(sum(x.late_fee_amount), 0)",
            school["id"],
        )
        assert [dict(r) for r in drift] == []
        negative = await conn.fetchval(
            f"SELECT count(*) FROM student_fee_assignments s WHERE school_id = $1 AND {_pending_sql('s')} < 0",
            school["id"],
        )
        assert negative == 0
        # every payment is the sum of its allocations
        unbalanced = await conn.fetch(
            "SELECT p.id FROM fee_payments p JOIN fee_payment_allocations x ON x.fee_payment_id = p.id AND x.school_id = p.school_id "
            "WHERE p.school_id = $1 GROUP BY p.id HAVING p.principal_paid <> sum(x.principal_amount) "
            "OR p.late_fee_paid <> sum(x.late_fee_amount)",
            school["id"],
        )
        assert unbalanced == []
