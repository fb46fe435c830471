"""Finance reports and their CSV exports through HTTP (seed 001 §8.1-8.3, §9.3): dailyCash,
feeHeadSummary, monthlyPnl, sessionPnl, defaulters (paged == full, the one formula, the resolved
session: the seed's bugs of §4.3 and §8.3), studentLedger, each against an independent SQL
computation, with statement counts that do not grow with the number of students; and the CSV
exports with their token, tenant and role rules.

The figures are checked in schools of the tests' own (data inserted through SQL), so that
nothing else writing to the demo schools can move them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest

from kit.ids import encode_gid
from tests.conftest import bearer, school_today, tenant_header, unique
from tests.test_finance import (
    ADMIN,
    DAY_CLOSE,
    SUPER,
    TEACHER,
    VOUCHER_CREATE,
    call,
    data,
    figures,
    greenwood_head,
    ok,
    own_school,
    voucher_input,
)

MONTH = (2021, 6)
DAYS = [dt.date(2021, 6, 3), dt.date(2021, 6, 10), dt.date(2021, 6, 17)]
OTHER_MONTH_DAY = dt.date(2021, 7, 2)
MODES = ("CASH", "UPI", "BANK")
Z = Decimal("0.00")

DAILY = """query($date: Date!) { dailyCash(date: $date) {
  date revenueByMode { mode count amount } revenueByFeeHead { feeTypeName allocations principal lateFee total feeType { id name } }
  expensesByMode { mode count amount } transfers { fromAccount toAccount count amount }
  cashRevenue bankRevenue totalRevenue cashExpense bankExpense totalExpense transferOut transferIn netCash netBank net
  closed closing { id cashRevenue bankRevenue cashExpense bankExpense transferOut transferIn } } }"""
HEADS = """query($from: Date!, $to: Date!) { feeHeadSummary(from: $from, to: $to) {
  from to heads { feeTypeName allocations principal lateFee total feeType { id } } totalPrincipal totalLateFee total } }"""
PNL_FIELDS = """from to income { feeTypeName allocations principal lateFee total feeType { id name } }
  expenses { expenseHeadName vouchers amount expenseHead { id name } } totalIncome totalExpense net"""
MONTHLY = "query($y: Int!, $m: Int!) { monthlyPnl(year: $y, month: $m) { %s } }" % PNL_FIELDS
SESSION = "{ sessionPnl { %s session { id name } } }" % PNL_FIELDS
DEFAULTERS = """query($first: Int, $after: String, $min: Decimal) { defaulters(first: $first, after: $after, minPending: $min) {
  edges { cursor node { assignments amount discount sponsorCovered lateFeeAccrued lateFeeWaived principalPaid lateFeePaid paid
                        pending student { id firstName admissionNumber } } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount totals { count pending } } }"""
LEDGER = """query($id: ID!) { studentLedger(studentId: $id) {
  student { id firstName }
  assignments { id amount pending active feeStructure { feeType { name } } allocations(first: 10) { nodes { principalAmount } } }
  adjustments { id type amount }
  payments { id paymentDate principalPaid lateFeePaid mode allocations(first: 10) { nodes { principalAmount lateFeeAmount } } }
  totals { assignments amount discount sponsorCovered lateFeeAccrued lateFeeWaived principalPaid lateFeePaid pending
           payments paymentsTotal } } }"""


def stmts(body: dict[str, Any]) -> int:
    return body["extensions"]["stats"]["sqlStatements"]


def m(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


# ---- data of a school of the test's own ----------------------------------------------------------


async def seed_fees(
    db: Any,
    school_id: int,
    session_id: int,
    old_session_id: int | None,
    students: int,
    start: int = 0,
    payments: bool = True,
) -> list[int]:
    """Students with varied fees in the session (discounts, sponsors, late fees accrued, waived and
    paid, partial and full payments with allocations in MONTH, an inactive assignment) and some
    in the older session. Returns the student ids. Every total is consistent with its rows."""
    ids: list[int] = []
    async with db.acquire() as conn, conn.transaction():
        types = {}
        for name in ("Tuition", "Transport"):
            types[name] = await conn.fetchval(
                "INSERT INTO fee_types (school_id, name) VALUES ($1, $2) ON CONFLICT (name, school_id) DO UPDATE "
                "SET name = EXCLUDED.name RETURNING id",
                school_id,
                name,
            )
        structures = {}
        for sess in (session_id, old_session_id):
            if sess is None:
                continue
            for name, amount in (("Tuition", 3000), ("Transport", 500)):
                structures[(sess, name)] = await conn.fetchval(
                    "INSERT INTO fee_structures (school_id, session_id, fee_type_id, amount) VALUES ($1, $2, $3, $4) "
                    "RETURNING id",
                    school_id,
                    sess,
                    types[name],
                    amount,
                )
        student_rows = await conn.fetch(
            "INSERT INTO students (school_id, admission_number, first_name, gender) "
            "SELECT $1, $2 || '-' || g, 'Student ' || g, 'FEMALE' FROM generate_series($3::int, $4::int) g RETURNING id",
            school_id,
            unique("ADM"),
            start,
            start + students - 1,
        )
        ids = [r["id"] for r in student_rows]
        assignments, pays = [], []
        for n, student in enumerate(ids, start=start):
            amount = Decimal("3000.00")
            discount = Decimal("300.00") if n % 4 == 1 else Z
            sponsor = (amount - discount) if n % 5 == 2 else Z
            accrued = Decimal("100.00") if n % 3 == 0 else Z
            waived = Decimal("100.00") if n % 6 == 0 else Z
            due = amount - discount - sponsor
            principal = due if n % 4 == 0 else (due / 2).quantize(Decimal("0.01")) if n % 4 == 2 else Z
            late_paid = accrued - waived if accrued and not waived and n % 2 == 1 else Z
            assignments.append(
                (
                    student,
                    structures[(session_id, "Tuition")],
                    session_id,
                    amount,
                    discount,
                    sponsor,
                    accrued,
                    waived,
                    principal,
                    late_paid,
                    True,
                    types["Tuition"],
                )
            )
            if n % 2 == 1:
                t_paid = Decimal("500.00") if n % 7 == 1 else Z
                assignments.append(
                    (
                        student,
                        structures[(session_id, "Transport")],
                        session_id,
                        Decimal("500.00"),
                        Z,
                        Z,
                        Z,
                        Z,
                        t_paid,
                        Z,
                        True,
                        types["Transport"],
                    )
                )
            if n % 9 == 0:  # an ended assignment: not due any more
                assignments.append(
                    (
                        student,
                        structures[(session_id, "Transport")],
                        session_id,
                        Decimal("500.00"),
                        Z,
                        Z,
                        Z,
                        Z,
                        Z,
                        Z,
                        False,
                        types["Transport"],
                    )
                )
            if old_session_id is not None and n % 3 == 1:  # owes in the older session only
                assignments.append(
                    (
                        student,
                        structures[(old_session_id, "Tuition")],
                        old_session_id,
                        Decimal("2000.00"),
                        Z,
                        Z,
                        Z,
                        Z,
                        Decimal("500.00"),
                        Z,
                        True,
                        types["Tuition"],
                    )
                )
        rows = await conn.fetch(
            "INSERT INTO student_fee_assignments (school_id, student_id, fee_structure_id, session_id, amount, "
            "total_discount_amount, sponsor_covered_amount, late_fee_accrued, late_fee_waived, principal_paid, late_fee_paid, "
            "active) SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::numeric[], $6::numeric[], "
            "$7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::bool[]) RETURNING id",
            school_id,
            *[list(col) for col in zip(*[a[:11] for a in assignments], strict=True)],
        )
        for k, (a, row) in enumerate(zip(assignments, rows, strict=True)):
            if a[8] or a[9]:
                day = OTHER_MONTH_DAY if a[2] == old_session_id else DAYS[k % len(DAYS)]
                pays.append((a[0], a[2], a[8], a[9], day, MODES[(k // 3) % 3], row["id"], a[11]))
        if payments and pays:
            pids = await conn.fetch(
                "INSERT INTO fee_payments (school_id, student_id, session_id, principal_paid, late_fee_paid, payment_date, mode) "
                "SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::numeric[], $5::numeric[], $6::date[], $7::text[]) "
                "RETURNING id",
                school_id,
                *[list(col) for col in zip(*[p[:6] for p in pays], strict=True)],
            )
            await conn.execute(
                "INSERT INTO fee_payment_allocations (school_id, fee_payment_id, assignment_id, fee_type_id, principal_amount, "
                "late_fee_amount, session_id) SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], "
                "$5::numeric[], $6::numeric[], $7::bigint[])",
                school_id,
                [r["id"] for r in pids],
                [p[6] for p in pays],
                [p[7] for p in pays],
                [p[2] for p in pays],
                [p[3] for p in pays],
                [p[1] for p in pays],
            )
    return ids


async def seed_expenses(db: Any, school_id: int, session_id: int, old_session_id: int) -> None:
    async with db.acquire() as conn, conn.transaction():
        heads = [
            await conn.fetchval(
                "INSERT INTO expense_heads (school_id, name, normalized_name) VALUES ($1, $2, $3) RETURNING id",
                school_id,
                n,
                n.lower(),
            )
            for n in ("Electricity", "Repairs")
        ]
        rows = [
            (DAYS[0], heads[0], "1200.00", "CASH", session_id, True),
            (DAYS[0], heads[1], "300.50", "UPI", session_id, True),
            (DAYS[1], heads[1], "75.25", "BANK", session_id, True),
            (DAYS[1], heads[0], "999.00", "CASH", session_id, False),
            (DAYS[2], heads[0], "410.00", "CASH", session_id, True),
            (OTHER_MONTH_DAY, heads[1], "60.00", "CASH", session_id, True),
            (DAYS[2], heads[1], "55.00", "BANK", old_session_id, True),
        ]
        for n, (day, head, amount, mode, sess, active) in enumerate(rows, start=1):
            await conn.execute(
                "INSERT INTO expense_vouchers (school_id, voucher_number, expense_date, expense_head_id, amount, "
                "payment_mode, session_id, active, description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                school_id,
                f"EXP-{n:05d}",
                day,
                head,
                Decimal(amount),
                mode,
                sess,
                active,
                f"=cmd|{n}",
            )
        await conn.execute(
            "INSERT INTO finance_account_transfers (school_id, session_id, transfer_date, amount, from_account, "
            "to_account) VALUES ($1, $2, $3, 700, 'CASH', 'BANK')",
            school_id,
            session_id,
            DAYS[0],
        )


@pytest.fixture(scope="module")
async def school(app, db) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as client:
        s = await own_school(client, db, "REP")
    old = s["sessions"][0]
    s["students"] = await seed_fees(db, s["id"], s["session"], old, 13)
    await seed_expenses(db, s["id"], s["session"], old)
    s["old"] = old
    return s


# ---- independent computations ---------------------------------------------------------------------

INDEPENDENT_DEFAULTERS = """
SELECT student_id, count(*) AS assignments, sum(amount) AS amount, sum(total_discount_amount) AS discount,
       sum(sponsor_covered_amount) AS sponsor, sum(late_fee_accrued) AS accrued, sum(late_fee_waived) AS waived,
       sum(principal_paid) AS principal_paid, sum(late_fee_paid) AS late_fee_paid,
       sum(amount + late_fee_accrued - total_discount_amount - sponsor_covered_amount - late_fee_waived - principal_paid
           - late_fee_paid) AS pending
  FROM student_fee_assignments
 WHERE school_id = $1 AND session_id = $2 AND active
 GROUP BY student_id
HAVING sum(amount + late_fee_accrued - total_discount_amount - sponsor_covered_amount - late_fee_waived - principal_paid
           - late_fee_paid) > 0
 ORDER BY pending DESC, student_id
"""


async def expected_defaulters(db: Any, school_id: int, session_id: int) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    async with db.acquire() as conn:
        rows = await conn.fetch(INDEPENDENT_DEFAULTERS, school_id, session_id)
    return [(encode_gid("Student", r["student_id"]), m(r["pending"]), m(r["discount"]), m(r["sponsor"])) for r in rows]


def people(edges: list[dict[str, Any]]) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [
        (e["node"]["student"]["id"], m(e["node"]["pending"]), m(e["node"]["discount"]), m(e["node"]["sponsorCovered"]))
        for e in edges
    ]


async def walk(
    client: Any, headers: dict[str, str], size: int, minimum: str | None = None
) -> tuple[list[Any], list[int]]:
    edges, counts, after = [], [], None
    while True:
        body = await call(client, headers, DEFAULTERS, {"first": size, "after": after, "min": minimum})
        page = data(body)["defaulters"]
        edges += page["edges"]
        counts.append(stmts(body))
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return edges, counts
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]


# ---- defaulters ---------------------------------------------------------------------------------


async def test_defaulters_paged_equals_full_and_the_independent_sql(client, db, school):
    admin = school["SCHOOL_ADMIN"]
    expected = await expected_defaulters(db, school["id"], school["session"])
    # discounted and sponsored students among them (the seed's paged list dropped those two terms)
    assert len(expected) > 5 and any(d for _, _, d, _ in expected) and any(s for *_, s in expected)
    paged, counts = await walk(client, admin, 5)
    full = data(await call(client, admin, DEFAULTERS, {"first": 100}))["defaulters"]
    assert people(paged) == people(full["edges"]) == expected
    assert len(set(counts)) == 1, counts
    assert full["totals"] == {"count": len(expected), "pending": str(sum((p for _, p, _, _ in expected), Z))}
    assert full["totalCount"] == len(expected)
    # every node's totals add up by the one formula
    for e in full["edges"]:
        n = e["node"]
        assert m(n["pending"]) == (
            m(n["amount"])
            + m(n["lateFeeAccrued"])
            - m(n["discount"])
            - m(n["sponsorCovered"])
            - m(n["lateFeeWaived"])
            - m(n["principalPaid"])
            - m(n["lateFeePaid"])
        )
        assert m(n["paid"]) == m(n["principalPaid"]) + m(n["lateFeePaid"])
    # the accountant reads the same; minPending keeps the largest debts, totals follow the filter
    assert (
        people(data(await call(client, school["ACCOUNTANT"], DEFAULTERS, {"first": 100}))["defaulters"]["edges"])
        == expected
    )
    floor = expected[3][1]
    above, _ = await walk(client, admin, 2, str(floor))
    assert people(above) == [d for d in expected if d[1] >= floor]
    # an empty page after the last one still carries the totals
    last = full["pageInfo"]["endCursor"]
    tail = data(await call(client, admin, DEFAULTERS, {"first": 5, "after": last}))["defaulters"]
    assert tail["edges"] == [] and tail["totals"]["count"] == len(expected) and tail["pageInfo"]["hasNextPage"] is False


async def test_defaulters_follow_the_resolved_session(client, db, school):
    headers = {**school["SCHOOL_ADMIN"], "X-Session-Id": encode_gid("AcademicSession", school["old"])}
    expected_old = await expected_defaulters(db, school["id"], school["old"])
    paged, _ = await walk(client, headers, 3)
    full = data(await call(client, headers, DEFAULTERS, {"first": 100}))["defaulters"]
    assert people(paged) == people(full["edges"]) == expected_old and expected_old
    assert expected_old != await expected_defaulters(db, school["id"], school["session"])


async def test_defaulters_refusals(client, school):
    body = await call(client, school["SCHOOL_ADMIN"], DEFAULTERS, {"first": 5, "after": "bm90IGEgY3Vyc29y"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await call(client, school["SCHOOL_ADMIN"], DEFAULTERS, {"first": 101})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await call(client, await bearer(client, TEACHER), DEFAULTERS, {"first": 5})
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await call(client, await bearer(client, SUPER), DEFAULTERS, {"first": 5})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # choose a school first


# ---- student ledger -----------------------------------------------------------------------------


async def test_student_ledger_against_sql(client, db, school):
    admin = school["SCHOOL_ADMIN"]
    student = school["students"][9]  # n = 9: late fee accrued, an ended assignment, a transport fee
    async with db.acquire() as conn:
        transport = await conn.fetchval(
            "SELECT a.id FROM student_fee_assignments a JOIN fee_structures s ON s.id = a.fee_structure_id "
            "WHERE a.student_id = $1 AND a.session_id = $2 AND a.active AND s.amount = 500",
            student,
            school["session"],
        )
        await conn.execute(
            "INSERT INTO fee_adjustments (school_id, assignment_id, type, amount, reason) SELECT school_id, id, "
            "'DISCOUNT', 1, 'test' FROM student_fee_assignments WHERE id = $1",
            transport,
        )
        await conn.execute(
            "UPDATE student_fee_assignments SET total_discount_amount = total_discount_amount + 1 WHERE id = $1",
            transport,
        )
        assigned = await conn.fetch(
            "SELECT id, active FROM student_fee_assignments WHERE student_id = $1 AND session_id = $2 "
            "ORDER BY due_date NULLS LAST, id",
            student,
            school["session"],
        )
        totals = await conn.fetchrow(
            "SELECT count(*) AS n, sum(amount + late_fee_accrued - total_discount_amount - sponsor_covered_amount - late_fee_waived"
            " - principal_paid - late_fee_paid) AS pending, sum(principal_paid) AS principal, sum(late_fee_paid) AS late "
            "FROM student_fee_assignments WHERE student_id = $1 AND session_id = $2 AND active",
            student,
            school["session"],
        )
        paid = await conn.fetch(
            "SELECT id, principal_paid + late_fee_paid AS total FROM fee_payments WHERE student_id = $1 "
            "AND session_id = $2 ORDER BY payment_date, id",
            student,
            school["session"],
        )
    body = await call(client, admin, LEDGER, {"id": encode_gid("Student", student)})
    ledger = data(body)["studentLedger"]
    assert ledger["student"]["id"] == encode_gid("Student", student)
    assert [a["id"] for a in ledger["assignments"]] == [encode_gid("StudentFeeAssignment", r["id"]) for r in assigned]
    assert [a["active"] for a in ledger["assignments"]] == [r["active"] for r in assigned] and not all(
        r["active"] for r in assigned
    )
    assert [p["id"] for p in ledger["payments"]] == [encode_gid("FeePayment", r["id"]) for r in paid]
    assert [(a["type"], m(a["amount"])) for a in ledger["adjustments"]] == [("DISCOUNT", Decimal("1.00"))]
    t = ledger["totals"]
    assert (t["assignments"], m(t["pending"]), m(t["principalPaid"]), m(t["lateFeePaid"])) == (
        totals["n"],
        m(totals["pending"]),
        m(totals["principal"]),
        m(totals["late"]),
    )
    assert m(t["pending"]) == sum((m(a["pending"]) for a in ledger["assignments"] if a["active"]), Z)
    assert t["payments"] == len(paid) and m(t["paymentsTotal"]) == sum((m(r["total"]) for r in paid), Z)
    # the ledger, the student, the assignments (fee structure and type joined) and their allocations, the
    # adjustments, the payments and their allocations: 7, however many rows; a list that is empty costs nothing
    assert stmts(body) == 7
    assert stmts(await call(client, admin, LEDGER, {"id": encode_gid("Student", school["students"][1])})) <= 7
    # a student of another school (or none) reads as null; the older session through X-Session-Id
    riverside = await bearer(client, "admin@riverside.demo")
    assert data(await call(client, riverside, LEDGER, {"id": encode_gid("Student", student)}))["studentLedger"] is None
    old = data(
        await call(
            client,
            {**admin, "X-Session-Id": encode_gid("AcademicSession", school["old"])},
            LEDGER,
            {"id": encode_gid("Student", school["students"][1])},
        )
    )["studentLedger"]
    assert m(old["totals"]["pending"]) == Decimal("1500.00") and old["totals"]["assignments"] == 1


# ---- day and range reports ----------------------------------------------------------------------

INDEPENDENT_DAY = """
SELECT (SELECT coalesce(sum(principal_paid + late_fee_paid), 0) FROM fee_payments WHERE school_id = $1 AND payment_date = $2
          AND mode = 'CASH'),
       (SELECT coalesce(sum(principal_paid + late_fee_paid), 0) FROM fee_payments WHERE school_id = $1 AND payment_date = $2
          AND mode <> 'CASH'),
       (SELECT coalesce(sum(amount), 0) FROM expense_vouchers WHERE school_id = $1 AND expense_date = $2 AND active
          AND payment_mode = 'CASH'),
       (SELECT coalesce(sum(amount), 0) FROM expense_vouchers WHERE school_id = $1 AND expense_date = $2 AND active
          AND payment_mode <> 'CASH'),
       (SELECT coalesce(sum(amount), 0) FROM finance_account_transfers WHERE school_id = $1 AND transfer_date = $2)
"""


async def test_daily_cash_against_sql_and_its_closing(client, db, school):
    admin = school["SCHOOL_ADMIN"]
    for day in DAYS:
        body = await call(client, admin, DAILY, {"date": day.isoformat()})
        report = data(body)["dailyCash"]
        async with db.acquire() as conn:
            cash_in, bank_in, cash_out, bank_out, moved = await conn.fetchrow(INDEPENDENT_DAY, school["id"], day)
            by_head = {
                r[0]: m(r[1])
                for r in await conn.fetch(
                    "SELECT ft.name, sum(al.principal_amount + al.late_fee_amount) FROM fee_payment_allocations al "
                    "JOIN fee_payments p ON p.id = al.fee_payment_id JOIN fee_types ft ON ft.id = al.fee_type_id "
                    "WHERE al.school_id = $1 AND p.payment_date = $2 GROUP BY ft.name",
                    school["id"],
                    day,
                )
            }
        assert (
            m(report["cashRevenue"]),
            m(report["bankRevenue"]),
            m(report["cashExpense"]),
            m(report["bankExpense"]),
            m(report["transferOut"]),
        ) == (m(cash_in), m(bank_in), m(cash_out), m(bank_out), m(moved))
        assert {h["feeTypeName"]: m(h["total"]) for h in report["revenueByFeeHead"]} == by_head
        assert (
            sum((m(x["amount"]) for x in report["revenueByMode"]), Z)
            == m(report["totalRevenue"])
            == m(cash_in + bank_in)
        )
        assert m(report["net"]) == m(cash_in + bank_in - cash_out - bank_out)
        assert m(report["netCash"]) == m(cash_in - cash_out - moved) and m(report["netBank"]) == m(
            bank_in - bank_out + moved
        )
        assert report["closed"] is False and report["closing"] is None
        assert stmts(body) == 2  # the report, the fee types named
    # once the day is closed, its closing holds the same figures
    before = data(await call(client, admin, DAILY, {"date": DAYS[0].isoformat()}))["dailyCash"]
    for day in (DAYS[0] - dt.timedelta(days=1), DAYS[0]):
        ok(await call(client, admin, DAY_CLOSE, {"input": {"date": day.isoformat()}}), "dayClose")
    after = data(await call(client, admin, DAILY, {"date": DAYS[0].isoformat()}))["dailyCash"]
    assert after["closed"] is True
    closing = figures({**after["closing"], "openingCash": 0, "openingBank": 0, "closingCash": 0, "closingBank": 0})
    assert {
        k: closing[k] for k in ("cashRevenue", "bankRevenue", "cashExpense", "bankExpense", "transferOut", "transferIn")
    } == {
        k: m(before[k])
        for k in ("cashRevenue", "bankRevenue", "cashExpense", "bankExpense", "transferOut", "transferIn")
    }


async def test_fee_head_summary_against_sql(client, db, school):
    start, end = DAYS[0], OTHER_MONTH_DAY
    report = data(await call(client, school["ACCOUNTANT"], HEADS, {"from": start.isoformat(), "to": end.isoformat()}))
    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT ft.name, count(*) AS n, sum(al.principal_amount) AS p, sum(al.late_fee_amount) AS l "
            "FROM fee_payment_allocations al JOIN fee_payments p ON p.id = al.fee_payment_id "
            "JOIN fee_types ft ON ft.id = al.fee_type_id WHERE al.school_id = $1 "
            "AND p.payment_date BETWEEN $2 AND $3 GROUP BY ft.name ORDER BY ft.name",
            school["id"],
            start,
            end,
        )
    heads = report["feeHeadSummary"]["heads"]
    assert [(h["feeTypeName"], h["allocations"], m(h["principal"]), m(h["lateFee"])) for h in heads] == [
        (r["name"], r["n"], m(r["p"]), m(r["l"])) for r in rows
    ]
    assert m(report["feeHeadSummary"]["total"]) == sum((m(r["p"]) + m(r["l"]) for r in rows), Z) > 0
    bad = await call(client, school["ACCOUNTANT"], HEADS, {"from": end.isoformat(), "to": start.isoformat()})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def expected_pnl(db: Any, school_id: int, where_income: str, where_expense: str, *args: Any) -> tuple[dict, dict]:
    async with db.acquire() as conn:
        income = {
            r[0]: (m(r[1]), m(r[2]))
            for r in await conn.fetch(
                "SELECT ft.name, sum(al.principal_amount), sum(al.late_fee_amount) FROM fee_payment_allocations al "
                "JOIN fee_payments p ON p.id = al.fee_payment_id JOIN fee_types ft ON ft.id = al.fee_type_id "
                f"WHERE al.school_id = $1 AND {where_income} GROUP BY ft.name",
                school_id,
                *args,
            )
        }
        expenses = {
            r[0]: (r[1], m(r[2]))
            for r in await conn.fetch(
                "SELECT h.name, count(*), sum(v.amount) FROM expense_vouchers v JOIN expense_heads h ON h.id = v.expense_head_id "
                f"WHERE v.school_id = $1 AND v.active AND {where_expense} GROUP BY h.name",
                school_id,
                *args,
            )
        }
    return income, expenses


def pnl_parts(report: dict[str, Any]) -> tuple[dict, dict]:
    return (
        {i["feeTypeName"]: (m(i["principal"]), m(i["lateFee"])) for i in report["income"]},
        {e["expenseHeadName"]: (e["vouchers"], m(e["amount"])) for e in report["expenses"]},
    )


async def test_monthly_and_session_pnl_against_sql(client, db, school):
    admin = school["SCHOOL_ADMIN"]
    monthly = data(await call(client, admin, MONTHLY, {"y": MONTH[0], "m": MONTH[1]}))["monthlyPnl"]
    assert (monthly["from"], monthly["to"]) == ("2021-06-01", "2021-06-30")
    expected = await expected_pnl(
        db,
        school["id"],
        "p.payment_date BETWEEN $2 AND $3",
        "v.expense_date BETWEEN $2 AND $3",
        dt.date(2021, 6, 1),
        dt.date(2021, 6, 30),
    )
    assert pnl_parts(monthly) == expected and expected[0] and expected[1]
    assert m(monthly["net"]) == m(monthly["totalIncome"]) - m(monthly["totalExpense"])
    assert m(monthly["totalIncome"]) == sum((p + lf for p, lf in expected[0].values()), Z)

    session = data(await call(client, admin, SESSION))["sessionPnl"]
    assert session["session"]["id"] == encode_gid("AcademicSession", school["session"]) and session["from"] is None
    assert pnl_parts(session) == await expected_pnl(
        db, school["id"], "al.session_id = $2", "v.session_id = $2", school["session"]
    )
    old_headers = {**admin, "X-Session-Id": encode_gid("AcademicSession", school["old"])}
    old = data(await call(client, old_headers, SESSION))["sessionPnl"]
    assert pnl_parts(old) == await expected_pnl(
        db, school["id"], "al.session_id = $2", "v.session_id = $2", school["old"]
    )
    assert pnl_parts(old) != pnl_parts(session)
    bad = await call(client, admin, MONTHLY, {"y": 2021, "m": 13})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_report_statement_counts_do_not_grow_with_students(client, db):
    """The same reports over a school, then over the same school with four times the students."""
    s = await own_school(client, db, "CNT")
    await seed_fees(db, s["id"], s["session"], None, 10)
    await seed_expenses(db, s["id"], s["session"], s["sessions"][0])
    admin = s["SCHOOL_ADMIN"]
    queries = [
        (DEFAULTERS, {"first": 5}),
        (DEFAULTERS, {"first": 50}),
        (DAILY, {"date": DAYS[1].isoformat()}),
        (HEADS, {"from": DAYS[0].isoformat(), "to": DAYS[2].isoformat()}),
        (MONTHLY, {"y": 2021, "m": 6}),
        (SESSION, {}),
    ]

    async def counts() -> list[int]:
        out = []
        for query, variables in queries:
            body = await call(client, admin, query, variables)
            data(body)
            out.append(stmts(body))
        return out

    small = await counts()
    await seed_fees(db, s["id"], s["session"], None, 30, start=10)
    large = await counts()
    assert small == large, (small, large)
    # defaulters: the page with its totals, then the students; the others: the report, then one batch per
    # kind of object named (fee types, expense heads, the session)
    assert small == [2, 2, 2, 2, 3, 4], small


async def test_reports_show_nothing_of_another_school(client, school):
    """Isolation of the report queries (tests/test_isolation.py lists them here): Riverside's admin
    and accountant asking for the dates, month and student of this test's school get Riverside's
    own figures, in which nothing of this school appears; other roles are refused."""
    mine = data(await call(client, school["SCHOOL_ADMIN"], MONTHLY, {"y": 2021, "m": 6}))["monthlyPnl"]
    assert mine["income"] and mine["expenses"]
    my_heads = {e["expenseHead"]["id"] for e in mine["expenses"]} | {i["feeType"]["id"] for i in mine["income"]}
    for email in ("admin@riverside.demo", "accounts@riverside.demo"):
        headers = await bearer(client, email)
        for day in DAYS:
            daily = data(await call(client, headers, DAILY, {"date": day.isoformat()}))["dailyCash"]
            assert (
                daily["revenueByMode"]
                == daily["revenueByFeeHead"]
                == daily["expensesByMode"]
                == daily["transfers"]
                == []
            )
            assert daily["closing"] is None and m(daily["net"]) == Z
        summary = data(await call(client, headers, HEADS, {"from": "2021-06-01", "to": "2021-07-31"}))["feeHeadSummary"]
        assert summary["heads"] == [] and m(summary["total"]) == Z
        theirs = data(await call(client, headers, MONTHLY, {"y": 2021, "m": 6}))["monthlyPnl"]
        assert theirs["income"] == theirs["expenses"] == [] and m(theirs["net"]) == Z
        session = data(await call(client, headers, SESSION))["sessionPnl"]
        named = {e["expenseHead"]["id"] for e in session["expenses"]} | {i["feeType"]["id"] for i in session["income"]}
        assert not named & my_heads
        for student in school["students"][:3]:
            assert (
                data(await call(client, headers, LEDGER, {"id": encode_gid("Student", student)}))["studentLedger"]
                is None
            )
        # naming this school as tenant is refused outright
        r = await client.post("/graphql", json={"query": SESSION}, headers={**headers, **tenant_header(school["gid"])})
        assert r.status_code in (401, 403) and "data" not in r.json()
    for email in (TEACHER, "teacher@riverside.demo", "warden@lotus.demo", "visitor@demo.campus"):
        headers = await bearer(client, email)
        for query, variables in (
            (DAILY, {"date": "2021-06-03"}),
            (HEADS, {"from": "2021-06-01", "to": "2021-06-30"}),
            (MONTHLY, {"y": 2021, "m": 6}),
            (SESSION, {}),
            (LEDGER, {"id": encode_gid("Student", school["students"][0])}),
        ):
            body = await call(client, headers, query, variables)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (email, body)
            assert body["data"] is None or not any(body["data"].values()), body
    body = (await client.post("/graphql", json={"query": SESSION})).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# ---- CSV exports --------------------------------------------------------------------------------


def read_csv(response: Any) -> list[list[str]]:
    assert response.headers["content-type"].startswith("text/csv"), response.headers
    return list(csv.reader(io.StringIO(response.text)))


async def test_csv_exports_match_the_reports(client, school):
    admin = school["SCHOOL_ADMIN"]
    day = DAYS[1]
    r = await client.get(f"/exports/daily-cash.csv?date={day.isoformat()}", headers=admin)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == f'attachment; filename="daily-cash-{day.isoformat()}.csv"'
    rows = read_csv(r)
    report = data(await call(client, admin, DAILY, {"date": day.isoformat()}))["dailyCash"]
    totals = {row[1]: Decimal(row[3]) for row in rows if row[0] == "total"}
    assert totals["cash_revenue"] == m(report["cashRevenue"]) and totals["net"] == m(report["net"])
    assert totals["bank_expense"] == m(report["bankExpense"]) and totals["transfer_out"] == m(report["transferOut"])
    assert {(row[1], Decimal(row[3])) for row in rows if row[0] == "revenue_by_mode"} == {
        (x["mode"], m(x["amount"])) for x in report["revenueByMode"]
    }

    r = await client.get("/exports/monthly-pnl.csv?year=2021&month=6", headers=school["ACCOUNTANT"])
    assert r.status_code == 200, r.text
    rows = read_csv(r)
    monthly = data(await call(client, admin, MONTHLY, {"y": 2021, "m": 6}))["monthlyPnl"]
    assert {(row[1], Decimal(row[5])) for row in rows if row[0] == "income"} == {
        (i["feeTypeName"], m(i["total"])) for i in monthly["income"]
    }
    assert {(row[1], Decimal(row[5])) for row in rows if row[0] == "expense"} == {
        (e["expenseHeadName"], m(e["amount"])) for e in monthly["expenses"]
    }
    assert [row for row in rows if row[0] == "total"][-1] == ["total", "net", "", "", "", str(m(monthly["net"]))]

    old_headers = {**admin, "X-Session-Id": encode_gid("AcademicSession", school["old"])}
    for headers in (admin, old_headers):
        r = await client.get("/exports/session-pnl.csv", headers=headers)
        assert r.status_code == 200, r.text
        session = data(await call(client, headers, SESSION))["sessionPnl"]
        assert read_csv(r)[-1] == ["total", "net", "", "", "", str(m(session["net"]))]

    r = await client.get(f"/exports/expenses.csv?from={DAYS[0].isoformat()}&to={DAYS[2].isoformat()}", headers=admin)
    assert r.status_code == 200, r.text
    rows = read_csv(r)
    assert rows[0][0] == "voucher_number"
    # active vouchers of the range, by date; formula-like text is neutralised for spreadsheets
    assert [row[0] for row in rows[1:]] == ["EXP-00001", "EXP-00002", "EXP-00003", "EXP-00005", "EXP-00007"]
    assert rows[1][5] == "'=cmd|1"


async def test_csv_exports_follow_token_tenant_and_role_rules(client, db):
    admin = await bearer(client, ADMIN)
    marker = unique("only-greenwood")
    head = await greenwood_head(client)
    day = school_today()  # Greenwood's books are closed through a few days ago
    ok(
        await call(client, admin, VOUCHER_CREATE, voucher_input(head, day, "12.34", description=marker)),
        "expenseVoucherCreate",
    )
    url = f"/exports/expenses.csv?from={day.isoformat()}&to={day.isoformat()}"
    mine = await client.get(url, headers=admin)
    assert mine.status_code == 200 and marker in mine.text
    # Riverside's admin gets Riverside's vouchers only
    riverside = await bearer(client, "admin@riverside.demo")
    empty = await client.get(url, headers=riverside)
    assert empty.status_code == 200 and marker not in empty.text and len(read_csv(empty)) == 1
    async with db.acquire() as conn:
        riverside_id = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-RVP'")
        last = await conn.fetchval("SELECT max(expense_date) FROM expense_vouchers WHERE school_id = $1", riverside_id)
        start = last - dt.timedelta(days=60)
        theirs = {
            r[0]
            for r in await conn.fetch(
                "SELECT voucher_number FROM expense_vouchers WHERE school_id = $1 AND active "
                "AND expense_date BETWEEN $2 AND $3",
                riverside_id,
                start,
                last,
            )
        }
    other = await client.get(f"/exports/expenses.csv?from={start.isoformat()}&to={last.isoformat()}", headers=riverside)
    assert other.status_code == 200 and theirs
    assert {row[0] for row in read_csv(other)[1:]} == theirs
    # the super admin reads a school it names; without a school, and for other roles: 404
    sup = await bearer(client, SUPER)
    async with db.acquire() as conn:
        greenwood_id = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
    named = await client.get(url, headers={**sup, **tenant_header(encode_gid("School", greenwood_id))})
    assert named.status_code == 200 and marker in named.text
    for headers in (
        sup,
        await bearer(client, TEACHER),
        await bearer(client, "warden@lotus.demo"),
        await bearer(client, "visitor@demo.campus"),
    ):
        r = await client.get(url, headers=headers)
        assert r.status_code == 404 and r.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND", r.text
    # a school user naming another school as tenant is refused before anything is read
    r = await client.get(url, headers={**admin, **tenant_header(encode_gid("School", riverside_id))})
    assert r.status_code in (403, 404) and marker not in r.text
    # no token, a bad token: 401
    for path in (
        "/exports/daily-cash.csv?date=2021-06-03",
        "/exports/monthly-pnl.csv?year=2021&month=6",
        "/exports/session-pnl.csv",
        url,
    ):
        assert (await client.get(path)).status_code == 401
    assert (await client.get(url, headers={"Authorization": "Bearer nonsense"})).status_code == 401
    # bad parameters: 400
    for path in (
        "/exports/daily-cash.csv",
        "/exports/daily-cash.csv?date=yesterday",
        "/exports/monthly-pnl.csv?year=2021",
        "/exports/monthly-pnl.csv?year=2021&month=0",
        "/exports/expenses.csv?from=2021-01-01&to=2020-01-01",
        "/exports/expenses.csv?from=2020-01-01&to=2021-06-01",
    ):
        r = await client.get(path, headers=admin)
        assert r.status_code == 400, (path, r.text)
