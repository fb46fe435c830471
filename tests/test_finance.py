"""Expenses, transfers and day closings through HTTP (seed 001 expense and finance domains,
§6.1-6.2, §7.6, §9.3): expense heads unique by normalised name, gap-free voucher numbers under
concurrency, CASH-to-BANK transfers, closing a day (figures against an independent SQL
computation), what a closed day refuses (vouchers, their toggles, transfers, fee payments through
feePaymentRecord, a second closing), the super admin's override, late entries and closing again.

Closings are made in schools of the tests' own (inserted through SQL, with their own users), so
the demo's closed days and every other test's dates stay as they are.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

import demo
from kit.ids import decode_gid, encode_gid
from tests.conftest import (
    bearer,
    login,
    make_schools,
    school_today,
    tenant_header,
    unique,
)

ADMIN, ACCOUNTANT, TEACHER = "admin@greenwood.demo", "accounts@greenwood.demo", "teacher@greenwood.demo"
SUPER = "superadmin@demo.campus"

HEAD_CREATE = """mutation($input: ExpenseHeadCreateInput!) { expenseHeadCreate(input: $input) {
  expenseHead { id name active } errors { field code message } } }"""
HEAD_TOGGLE = """mutation($input: ExpenseHeadToggleInput!) { expenseHeadToggle(input: $input) {
  expenseHead { id active } errors { field code message } } }"""
VOUCHER_CREATE = """mutation($input: ExpenseVoucherCreateInput!) { expenseVoucherCreate(input: $input) {
  expenseVoucher { id voucherNumber expenseDate amount paymentMode active expenseHead { id name } }
  errors { field code message } } }"""
VOUCHER_TOGGLE = """mutation($input: ExpenseVoucherToggleInput!) { expenseVoucherToggle(input: $input) {
  expenseVoucher { id active } errors { field code message } } }"""
TRANSFER_CREATE = """mutation($input: AccountTransferCreateInput!) { accountTransferCreate(input: $input) {
  financeAccountTransfer { id transferDate amount fromAccount toAccount } errors { field code message } } }"""
CLOSING_FIELDS = """id date openingCash openingBank cashRevenue bankRevenue cashExpense bankExpense transferOut transferIn
  closingCash closingBank overrideAllowed closedAt"""
DAY_CLOSE = (
    """mutation($input: DayCloseInput!) { dayClose(input: $input) {
  dayClosing { %s } errors { field code message } } }"""
    % CLOSING_FIELDS
)
OVERRIDE = """mutation($input: DayClosingOverrideInput!) { dayClosingOverride(input: $input) {
  dayClosing { id date overrideAllowed } errors { field code message } } }"""


def today() -> dt.date:
    return school_today()


async def call(
    client: Any, headers: dict[str, str], query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    return body["data"]


def payload(body: dict[str, Any], name: str) -> dict[str, Any]:
    return data(body)[name]


def ok(body: dict[str, Any], name: str) -> dict[str, Any]:
    p = payload(body, name)
    assert p["errors"] == [], p["errors"]
    return p


def refused(body: dict[str, Any], name: str, code: str, field: str | None = None) -> dict[str, Any]:
    p = payload(body, name)
    assert [e["code"] for e in p["errors"]] == [code], p
    if field is not None:
        assert p["errors"][0]["field"] == ["input", field], p
    assert all(v is None for k, v in p.items() if k != "errors"), p
    return p["errors"][0]


def forbidden(body: dict[str, Any]) -> None:
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body


def pk(gid: str) -> int:
    return decode_gid(gid)[1]


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


# ---- a school of the test's own ------------------------------------------------------------


async def new_user(db: Any, school_id: int, role: str) -> str:
    from auth.passwords import hash_password

    email = f"{unique(role.lower()).lower()}@finance.test"
    async with db.acquire() as conn:
        user_id = await conn.fetchval(
            "INSERT INTO users (email, password_hash, role, school_id) VALUES ($1, $2, $3, $4) RETURNING id",
            email,
            hash_password(demo.DEMO_PASSWORD),
            role,
            school_id,
        )
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, school_id) VALUES ($1, $2, $3)", user_id, role, school_id
        )
    return email


async def own_school(client: Any, db: Any, prefix: str = "FIN") -> dict[str, Any]:
    """A new school with two academic sessions (the second is current, covering the last 400
    days), a school admin, an accountant, and one expense head; with the headers of each caller."""
    [school] = await make_schools(db, unique(prefix), 1, sessions_per_school=2)
    out: dict[str, Any] = dict(school)
    for role in ("SCHOOL_ADMIN", "ACCOUNTANT"):
        tokens = await login(client, await new_user(db, school["id"], role))
        assert tokens["errors"] == [], tokens
        out[role] = {"Authorization": f"Bearer {tokens['accessToken']}"}
    out["super"] = {**await bearer(client, SUPER), **tenant_header(school["gid"])}
    out["session"] = school["sessions"][-1]
    async with db.acquire() as conn:  # the current session runs from a year ago to next month: payments fall in it
        await conn.execute(
            "UPDATE academic_sessions SET start_date = $1, end_date = $2 WHERE id = $3",
            today() - dt.timedelta(days=400),
            today() + dt.timedelta(days=30),
            out["session"],
        )
    head = ok(await call(client, out["SCHOOL_ADMIN"], HEAD_CREATE, {"input": {"name": "General"}}), "expenseHeadCreate")
    out["head"] = head["expenseHead"]["id"]
    return out


def voucher_input(head: str, day: dt.date, amount: str = "100.00", mode: str = "CASH", **extra: Any) -> dict[str, Any]:
    return {
        "input": {"expenseDate": day.isoformat(), "expenseHeadId": head, "amount": amount, "paymentMode": mode, **extra}
    }


def transfer_input(day: dt.date, amount: str = "50.00", source: str = "CASH", target: str = "BANK") -> dict[str, Any]:
    return {"input": {"transferDate": day.isoformat(), "amount": amount, "fromAccount": source, "toAccount": target}}


async def greenwood_head(client: Any, name: str | None = None) -> str:
    body = await call(client, await bearer(client, ADMIN), HEAD_CREATE, {"input": {"name": name or unique("Head")}})
    return ok(body, "expenseHeadCreate")["expenseHead"]["id"]


async def count(db: Any, sql: str, *args: Any) -> int:
    async with db.acquire() as conn:
        return await conn.fetchval(sql, *args)


# ---- expense heads ---------------------------------------------------------------------------


async def test_expense_heads_are_unique_by_normalised_name(client, db):
    admin = await bearer(client, ADMIN)
    word = unique("Office").lower()
    created = ok(
        await call(
            client, admin, HEAD_CREATE, {"input": {"name": f"  {word.upper()}   Supplies ", "description": "Pens"}}
        ),
        "expenseHeadCreate",
    )
    assert created["expenseHead"]["name"] == f"{word.upper()} Supplies" and created["expenseHead"]["active"]
    before = await count(db, "SELECT count(*) FROM expense_heads")
    logs = await count(db, "SELECT count(*) FROM activity_logs WHERE action = 'expenseHeadCreate'")
    for clash in (f"{word} supplies", f"{word}\tSUPPLIES", f" {word.title()}  supplies"):
        error = refused(
            await call(client, admin, HEAD_CREATE, {"input": {"name": clash}}), "expenseHeadCreate", "CONFLICT", "name"
        )
        assert "already exists" in error["message"]
    refused(await call(client, admin, HEAD_CREATE, {"input": {"name": "   "}}), "expenseHeadCreate", "INVALID", "name")
    refused(
        await call(client, admin, HEAD_CREATE, {"input": {"name": "x" * 151}}), "expenseHeadCreate", "INVALID", "name"
    )
    assert await count(db, "SELECT count(*) FROM expense_heads") == before
    assert await count(db, "SELECT count(*) FROM activity_logs WHERE action = 'expenseHeadCreate'") == logs
    async with db.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT normalized_name FROM expense_heads WHERE id = $1", pk(created["expenseHead"]["id"])
            )
            == f"{word} supplies"
        )
    # another school may use the same name
    riverside = await bearer(client, "admin@riverside.demo")
    ok(await call(client, riverside, HEAD_CREATE, {"input": {"name": f"{word} supplies"}}), "expenseHeadCreate")
    # accountants read, they do not create
    forbidden(await call(client, await bearer(client, ACCOUNTANT), HEAD_CREATE, {"input": {"name": unique("Acc")}}))


async def test_expense_head_toggle_and_vouchers_need_an_active_head(client, db):
    admin = await bearer(client, ADMIN)
    head = await greenwood_head(client)
    day = today()
    off = ok(await call(client, admin, HEAD_TOGGLE, {"input": {"id": head}}), "expenseHeadToggle")
    assert off["expenseHead"]["active"] is False
    vouchers = await count(db, "SELECT count(*) FROM expense_vouchers")
    error = refused(
        await call(client, admin, VOUCHER_CREATE, voucher_input(head, day)),
        "expenseVoucherCreate",
        "INVALID",
        "expenseHeadId",
    )
    assert "not active" in error["message"]
    assert await count(db, "SELECT count(*) FROM expense_vouchers") == vouchers
    # explicit state: idempotent
    on = ok(await call(client, admin, HEAD_TOGGLE, {"input": {"id": head, "active": True}}), "expenseHeadToggle")
    again = ok(await call(client, admin, HEAD_TOGGLE, {"input": {"id": head, "active": True}}), "expenseHeadToggle")
    assert on["expenseHead"]["active"] is True and again["expenseHead"]["active"] is True
    ok(await call(client, admin, VOUCHER_CREATE, voucher_input(head, day)), "expenseVoucherCreate")
    # a head of another school is NOT_FOUND, like a missing one
    riverside = await bearer(client, "admin@riverside.demo")
    for target in (head, encode_gid("ExpenseHead", 987_654_321)):
        refused(
            await call(client, riverside, HEAD_TOGGLE, {"input": {"id": target}}),
            "expenseHeadToggle",
            "NOT_FOUND",
            "id",
        )
        refused(
            await call(client, riverside, VOUCHER_CREATE, voucher_input(target, day)),
            "expenseVoucherCreate",
            "NOT_FOUND",
            "expenseHeadId",
        )
    assert (
        await count(
            db, "SELECT count(*) FROM activity_logs WHERE action = 'expenseHeadToggle' AND entity_id = $1", pk(head)
        )
        == 3
    )


# ---- vouchers --------------------------------------------------------------------------------


async def test_voucher_numbers_have_no_gaps_under_20_parallel_creates(client, db):
    admin = await bearer(client, ADMIN)
    head = await greenwood_head(client)
    day = today()
    async with db.acquire() as conn:
        school = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
        numbers = await conn.fetch("SELECT voucher_number FROM expense_vouchers WHERE school_id = $1", school)
    existing = max(int(r["voucher_number"].removeprefix("EXP-")) for r in numbers)
    good = [
        call(
            client,
            admin,
            VOUCHER_CREATE,
            voucher_input(head, day, f"{10 + i}.50", ("CASH", "BANK", "UPI")[i % 3], description=f"parallel {i}"),
        )
        for i in range(20)
    ]
    bad = [call(client, admin, VOUCHER_CREATE, voucher_input(head, day, "0")) for _ in range(4)]
    results = await asyncio.gather(*good, *bad)
    created = [ok(body, "expenseVoucherCreate")["expenseVoucher"] for body in results[:20]]
    for body in results[20:]:
        refused(body, "expenseVoucherCreate", "INVALID", "amount")
    got = sorted(int(v["voucherNumber"].removeprefix("EXP-")) for v in created)
    assert got == list(range(existing + 1, existing + 21))
    assert all(len(v["voucherNumber"]) == len("EXP-00001") for v in created)
    async with db.acquire() as conn:
        assert (
            await conn.fetchval("SELECT next_number FROM voucher_sequences WHERE school_id = $1", school)
            == existing + 21
        )
        all_numbers = sorted(
            int(r[0].removeprefix("EXP-"))
            for r in await conn.fetch("SELECT voucher_number FROM expense_vouchers WHERE school_id = $1", school)
        )
    assert all_numbers == list(range(1, existing + 21))
    # the next one, alone, follows on
    one = ok(await call(client, admin, VOUCHER_CREATE, voucher_input(head, day)), "expenseVoucherCreate")
    assert one["expenseVoucher"]["voucherNumber"] == f"EXP-{existing + 21:05d}"


async def test_a_school_without_a_sequence_row_starts_after_its_highest_number(client, db):
    school = await own_school(client, db)
    day = today() - dt.timedelta(days=3)
    async with db.acquire() as conn:
        head = pk(school["head"])
        await conn.execute(
            "INSERT INTO expense_vouchers (school_id, voucher_number, expense_date, expense_head_id, amount, "
            "payment_mode, session_id) VALUES ($1, 'EXP-00007', $2, $3, 5, 'CASH', $4)",
            school["id"],
            day,
            head,
            school["session"],
        )
        assert await conn.fetchval("SELECT count(*) FROM voucher_sequences WHERE school_id = $1", school["id"]) == 0
    body = await call(client, school["SCHOOL_ADMIN"], VOUCHER_CREATE, voucher_input(school["head"], day))
    assert ok(body, "expenseVoucherCreate")["expenseVoucher"]["voucherNumber"] == "EXP-00008"


async def test_voucher_refusals_change_nothing(client, db):
    admin = await bearer(client, ADMIN)
    head = await greenwood_head(client)
    day = today()
    before = (
        await count(db, "SELECT count(*) FROM expense_vouchers"),
        await count(db, "SELECT sum(next_number) FROM voucher_sequences"),
        await count(db, "SELECT count(*) FROM activity_logs WHERE action = 'expenseVoucherCreate'"),
    )
    for amount in ("0", "-5.00", "10.001"):
        refused(
            await call(client, admin, VOUCHER_CREATE, voucher_input(head, day, amount)),
            "expenseVoucherCreate",
            "INVALID",
            "amount",
        )
    refused(
        await call(client, admin, VOUCHER_CREATE, voucher_input(head, today() + dt.timedelta(days=1))),
        "expenseVoucherCreate",
        "INVALID",
        "expenseDate",
    )
    refused(
        await call(client, admin, VOUCHER_CREATE, voucher_input(head, day, description="d" * 501)),
        "expenseVoucherCreate",
        "INVALID",
        "description",
    )
    refused(
        await call(client, admin, VOUCHER_CREATE, voucher_input(encode_gid("Student", 1), day)),
        "expenseVoucherCreate",
        "INVALID",
        "expenseHeadId",
    )
    forbidden(await call(client, await bearer(client, ACCOUNTANT), VOUCHER_CREATE, voucher_input(head, day)))
    forbidden(await call(client, await bearer(client, TEACHER), VOUCHER_CREATE, voucher_input(head, day)))
    after = (
        await count(db, "SELECT count(*) FROM expense_vouchers"),
        await count(db, "SELECT sum(next_number) FROM voucher_sequences"),
        await count(db, "SELECT count(*) FROM activity_logs WHERE action = 'expenseVoucherCreate'"),
    )
    assert after == before


async def test_voucher_toggle(client, db):
    admin = await bearer(client, ADMIN)
    head = await greenwood_head(client)
    created = ok(
        await call(
            client, admin, VOUCHER_CREATE, voucher_input(head, today(), "42.00", "UPI", referenceNumber="UPI-1")
        ),
        "expenseVoucherCreate",
    )["expenseVoucher"]
    assert created["paymentMode"] == "UPI" and created["amount"] == "42.00" and created["active"]
    off = ok(await call(client, admin, VOUCHER_TOGGLE, {"input": {"id": created["id"]}}), "expenseVoucherToggle")
    assert off["expenseVoucher"] == {"id": created["id"], "active": False}
    on = ok(await call(client, admin, VOUCHER_TOGGLE, {"input": {"id": created["id"]}}), "expenseVoucherToggle")
    assert on["expenseVoucher"]["active"] is True
    async with db.acquire() as conn:
        assert (
            await conn.fetchval("SELECT version FROM expense_vouchers WHERE id = $1", pk(created["id"])) == 3
        )  # 1 at creation, +1 per change
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM activity_logs WHERE action = 'expenseVoucherToggle' AND entity_id = $1",
                pk(created["id"]),
            )
            == 2
        )
    riverside = await bearer(client, "admin@riverside.demo")
    for target in (created["id"], encode_gid("ExpenseVoucher", 987_654_321)):
        refused(
            await call(client, riverside, VOUCHER_TOGGLE, {"input": {"id": target}}),
            "expenseVoucherToggle",
            "NOT_FOUND",
            "id",
        )
    forbidden(await call(client, await bearer(client, ACCOUNTANT), VOUCHER_TOGGLE, {"input": {"id": created["id"]}}))


# ---- transfers -------------------------------------------------------------------------------


async def test_transfers_go_from_cash_to_bank_only(client, db):
    admin = await bearer(client, ADMIN)
    day = today()
    made = ok(
        await call(client, admin, TRANSFER_CREATE, transfer_input(day, "1500.00", "cash", " bank ")),
        "accountTransferCreate",
    )["financeAccountTransfer"]
    assert made == {
        "id": made["id"],
        "transferDate": day.isoformat(),
        "amount": "1500.00",
        "fromAccount": "CASH",
        "toAccount": "BANK",
    }
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT t.session_id, s.current_session_id FROM finance_account_transfers t "
            "JOIN schools s ON s.id = t.school_id WHERE t.id = $1",
            pk(made["id"]),
        )
        assert row["session_id"] == row["current_session_id"]
    before = await count(db, "SELECT count(*) FROM finance_account_transfers")
    refused(
        await call(client, admin, TRANSFER_CREATE, transfer_input(day, source="BANK", target="CASH")),
        "accountTransferCreate",
        "INVALID",
        "fromAccount",
    )
    refused(
        await call(client, admin, TRANSFER_CREATE, transfer_input(day, target="CASH")),
        "accountTransferCreate",
        "INVALID",
        "toAccount",
    )
    refused(
        await call(client, admin, TRANSFER_CREATE, transfer_input(day, "0")),
        "accountTransferCreate",
        "INVALID",
        "amount",
    )
    refused(
        await call(client, admin, TRANSFER_CREATE, transfer_input(today() + dt.timedelta(days=2))),
        "accountTransferCreate",
        "INVALID",
        "transferDate",
    )
    forbidden(await call(client, await bearer(client, ACCOUNTANT), TRANSFER_CREATE, transfer_input(day)))
    assert await count(db, "SELECT count(*) FROM finance_account_transfers") == before
    # append-only: the application role cannot change a transfer
    assert "accountTransferUpdate" not in str(
        await call(client, admin, '{ __type(name: "Mutation") { fields { name } } }')
    )


# ---- closing a day ---------------------------------------------------------------------------

INDEPENDENT_DAY_SQL = """
SELECT
  (SELECT coalesce(sum(principal_paid + late_fee_paid), 0) FROM fee_payments
    WHERE school_id = $1 AND payment_date = $2 AND upper(mode) = 'CASH') AS cash_revenue,
  (SELECT coalesce(sum(principal_paid + late_fee_paid), 0) FROM fee_payments
    WHERE school_id = $1 AND payment_date = $2 AND upper(coalesce(mode, '')) <> 'CASH') AS bank_revenue,
  (SELECT coalesce(sum(amount), 0) FROM expense_vouchers
    WHERE school_id = $1 AND expense_date = $2 AND active AND payment_mode = 'CASH') AS cash_expense,
  (SELECT coalesce(sum(amount), 0) FROM expense_vouchers
    WHERE school_id = $1 AND expense_date = $2 AND active AND payment_mode IN ('BANK', 'UPI')) AS bank_expense,
  (SELECT coalesce(sum(amount), 0) FROM finance_account_transfers
    WHERE school_id = $1 AND transfer_date = $2 AND from_account = 'CASH' AND to_account = 'BANK') AS moved
"""


async def expected_closing(db: Any, school_id: int, day: dt.date) -> dict[str, Decimal]:
    """The closing of `day` computed here, independently of the service."""
    async with db.acquire() as conn:
        prev = await conn.fetchrow(
            "SELECT closing_cash, closing_bank FROM day_closing WHERE school_id = $1 AND date < $2 "
            "ORDER BY date DESC LIMIT 1",
            school_id,
            day,
        )
        f = await conn.fetchrow(INDEPENDENT_DAY_SQL, school_id, day)
    opening_cash = prev["closing_cash"] if prev else Decimal("0")
    opening_bank = prev["closing_bank"] if prev else Decimal("0")
    return {
        "openingCash": opening_cash,
        "openingBank": opening_bank,
        "cashRevenue": f["cash_revenue"],
        "bankRevenue": f["bank_revenue"],
        "cashExpense": f["cash_expense"],
        "bankExpense": f["bank_expense"],
        "transferOut": f["moved"],
        "transferIn": f["moved"],
        "closingCash": opening_cash + f["cash_revenue"] - f["cash_expense"] - f["moved"],
        "closingBank": opening_bank + f["bank_revenue"] - f["bank_expense"] + f["moved"],
    }


def figures(closing: dict[str, Any]) -> dict[str, Decimal]:
    keys = (
        "openingCash",
        "openingBank",
        "cashRevenue",
        "bankRevenue",
        "cashExpense",
        "bankExpense",
        "transferOut",
        "transferIn",
        "closingCash",
        "closingBank",
    )
    return {k: money(closing[k]) for k in keys}


def same(a: dict[str, Decimal], b: dict[str, Decimal]) -> bool:
    return {k: money(v) for k, v in a.items()} == {k: money(v) for k, v in b.items()}


async def add_fee_payments(db: Any, school: dict[str, Any], day: dt.date, payments: list[tuple[str, str, str]]) -> None:
    """Payments (mode, principal, late fee) on `day`, each with its allocation, through SQL (the
    payment workflow is tested in its own file; here only the money of the day matters)."""
    async with db.acquire() as conn, conn.transaction():
        sid = school["id"]
        fee_type = await conn.fetchval(
            "INSERT INTO fee_types (school_id, name) VALUES ($1, $2) RETURNING id", sid, unique("Fee")
        )
        structure = await conn.fetchval(
            "INSERT INTO fee_structures (school_id, session_id, fee_type_id, amount) "
            "VALUES ($1, $2, $3, 100000) RETURNING id",
            sid,
            school["session"],
            fee_type,
        )
        student = await conn.fetchval(
            "INSERT INTO students (school_id, admission_number, first_name, gender) "
            "VALUES ($1, $2, 'Payer', 'MALE') RETURNING id",
            sid,
            unique("P"),
        )
        principal = sum(Decimal(p) for _, p, _ in payments)
        late = sum(Decimal(lf) for _, _, lf in payments)
        assignment = await conn.fetchval(
            "INSERT INTO student_fee_assignments (school_id, student_id, fee_structure_id, session_id, amount, "
            "principal_paid, late_fee_accrued, late_fee_paid) VALUES ($1, $2, $3, $4, 100000, $5, $6, $6) RETURNING id",
            sid,
            student,
            structure,
            school["session"],
            principal,
            late,
        )
        for mode, p, lf in payments:
            payment = await conn.fetchval(
                "INSERT INTO fee_payments (school_id, student_id, session_id, principal_paid, late_fee_paid, payment_date, mode) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                sid,
                student,
                school["session"],
                Decimal(p),
                Decimal(lf),
                day,
                mode,
            )
            await conn.execute(
                "INSERT INTO fee_payment_allocations (school_id, fee_payment_id, assignment_id, fee_type_id, "
                "principal_amount, late_fee_amount, session_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                sid,
                payment,
                assignment,
                fee_type,
                Decimal(p),
                Decimal(lf),
                school["session"],
            )


async def test_day_close_figures_and_what_a_closed_day_refuses(client, db):
    school = await own_school(client, db)
    admin, head = school["SCHOOL_ADMIN"], school["head"]
    d0, d1 = today() - dt.timedelta(days=20), today() - dt.timedelta(days=19)

    # the first closing ever opens at 0 / 0
    first = ok(await call(client, admin, DAY_CLOSE, {"input": {"date": d0.isoformat()}}), "dayClose")["dayClosing"]
    assert figures(first) == {k: Decimal("0.00") for k in figures(first)}

    await add_fee_payments(
        db,
        school,
        d1,
        [("CASH", "1000.00", "100.00"), ("UPI", "2500.00", "0"), ("BANK", "700.00", "0"), ("cash", "300.00", "0")],
    )
    for amount, mode in (("120.00", "CASH"), ("80.50", "BANK"), ("45.25", "UPI"), ("999.00", "CASH")):
        ok(await call(client, admin, VOUCHER_CREATE, voucher_input(head, d1, amount, mode)), "expenseVoucherCreate")
    dropped = ok(
        await call(client, admin, VOUCHER_CREATE, voucher_input(head, d1, "5000.00", "CASH")), "expenseVoucherCreate"
    )["expenseVoucher"]
    ok(
        await call(client, admin, VOUCHER_TOGGLE, {"input": {"id": dropped["id"], "active": False}}),
        "expenseVoucherToggle",
    )
    ok(await call(client, admin, TRANSFER_CREATE, transfer_input(d1, "400.00")), "accountTransferCreate")

    expected = await expected_closing(db, school["id"], d1)
    closed = ok(await call(client, admin, DAY_CLOSE, {"input": {"date": d1.isoformat()}}), "dayClose")["dayClosing"]
    assert same(figures(closed), expected)
    assert figures(closed) == {
        "openingCash": Decimal("0.00"),
        "openingBank": Decimal("0.00"),
        "cashRevenue": Decimal("1400.00"),
        "bankRevenue": Decimal("3200.00"),
        "cashExpense": Decimal("1119.00"),
        "bankExpense": Decimal("125.75"),
        "transferOut": Decimal("400.00"),
        "transferIn": Decimal("400.00"),
        "closingCash": Decimal("-119.00"),
        "closingBank": Decimal("3474.25"),
    }
    assert closed["overrideAllowed"] is False and closed["closedAt"]
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT d.session_id, d.closed_by, u.email FROM day_closing d JOIN users u ON u.id = d.closed_by "
            "WHERE d.id = $1",
            pk(closed["id"]),
        )
        assert row["session_id"] == school["session"] and row["email"].startswith("school_admin")

    # a closed day refuses vouchers, their (de)activation, transfers, a second closing; nothing changes
    snapshot = await closing_state(db, school["id"])
    error = refused(
        await call(client, admin, VOUCHER_CREATE, voucher_input(head, d1)),
        "expenseVoucherCreate",
        "LOCKED",
        "expenseDate",
    )
    assert d1.isoformat() in error["message"]
    refused(
        await call(client, admin, VOUCHER_TOGGLE, {"input": {"id": dropped["id"]}}), "expenseVoucherToggle", "LOCKED"
    )
    refused(
        await call(client, admin, TRANSFER_CREATE, transfer_input(d1)),
        "accountTransferCreate",
        "LOCKED",
        "transferDate",
    )
    refused(await call(client, admin, DAY_CLOSE, {"input": {"date": d1.isoformat()}}), "dayClose", "CONFLICT", "date")
    refused(
        await call(client, admin, DAY_CLOSE, {"input": {"date": (today() + dt.timedelta(days=1)).isoformat()}}),
        "dayClose",
        "INVALID",
        "date",
    )
    due = await fee_due(db, school)
    refused(await pay(client, school["ACCOUNTANT"], due, d1, "10.00"), "feePaymentRecord", "LOCKED", "paymentDate")
    forbidden(await call(client, school["ACCOUNTANT"], DAY_CLOSE, {"input": {"date": d1.isoformat()}}))
    assert await closing_state(db, school["id"]) == snapshot

    # the override is the super admin's alone
    forbidden(await call(client, admin, OVERRIDE, {"input": {"date": d1.isoformat()}}))
    forbidden(await call(client, school["ACCOUNTANT"], OVERRIDE, {"input": {"date": d1.isoformat()}}))
    refused(
        await call(client, school["super"], OVERRIDE, {"input": {"date": (d1 + dt.timedelta(days=5)).isoformat()}}),
        "dayClosingOverride",
        "NOT_FOUND",
        "date",
    )
    assert await closing_state(db, school["id"]) == snapshot
    opened = ok(
        await call(client, school["super"], OVERRIDE, {"input": {"date": d1.isoformat()}}), "dayClosingOverride"
    )
    assert opened["dayClosing"] == {"id": closed["id"], "date": d1.isoformat(), "overrideAllowed": True}

    # late entries are taken, and closing again recomputes and locks the day again
    ok(await call(client, admin, VOUCHER_CREATE, voucher_input(head, d1, "19.00", "CASH")), "expenseVoucherCreate")
    ok(await call(client, admin, TRANSFER_CREATE, transfer_input(d1, "100.00")), "accountTransferCreate")
    ok(
        await call(client, admin, VOUCHER_TOGGLE, {"input": {"id": dropped["id"], "active": True}}),
        "expenseVoucherToggle",
    )
    ok(await pay(client, school["ACCOUNTANT"], due, d1, "10.00"), "feePaymentRecord")
    expected = await expected_closing(db, school["id"], d1)
    again = ok(await call(client, admin, DAY_CLOSE, {"input": {"date": d1.isoformat()}}), "dayClose")["dayClosing"]
    assert again["id"] == closed["id"] and again["overrideAllowed"] is False
    assert same(figures(again), expected)
    assert figures(again)["cashExpense"] == Decimal("6138.00") and figures(again)["transferOut"] == Decimal("500.00")
    assert figures(again)["cashRevenue"] == Decimal("1410.00")
    refused(await call(client, admin, VOUCHER_CREATE, voucher_input(head, d1)), "expenseVoucherCreate", "LOCKED")
    refused(await pay(client, school["ACCOUNTANT"], due, d1, "10.00"), "feePaymentRecord", "LOCKED", "paymentDate")
    async with db.acquire() as conn:
        actions = dict(
            await conn.fetch(
                "SELECT action, count(*) FROM activity_logs WHERE school_id = $1 "
                "AND action IN ('dayClose', 'dayClosingOverride') GROUP BY action",
                school["id"],
            )
        )
    assert actions == {"dayClose": 3, "dayClosingOverride": 1}


async def closing_state(db: Any, school_id: int) -> tuple[Any, ...]:
    async with db.acquire() as conn:
        return (
            tuple(await conn.fetch("SELECT * FROM day_closing WHERE school_id = $1 ORDER BY date", school_id)),
            await conn.fetchval("SELECT count(*) FROM expense_vouchers WHERE school_id = $1", school_id),
            tuple(
                await conn.fetch(
                    "SELECT id, active, version FROM expense_vouchers WHERE school_id = $1 ORDER BY id", school_id
                )
            ),
            await conn.fetchval("SELECT count(*) FROM finance_account_transfers WHERE school_id = $1", school_id),
            await conn.fetchval("SELECT count(*) FROM fee_payments WHERE school_id = $1", school_id),
            await conn.fetchval("SELECT next_number FROM voucher_sequences WHERE school_id = $1", school_id),
        )


async def fee_due(db: Any, school: dict[str, Any], amount: int = 1000) -> tuple[str, str]:
    """A student of the school owing `amount` in the current session (no late fee), for feePaymentRecord:
    (student, assignment) global IDs."""
    amount = Decimal(amount)
    async with db.acquire() as conn, conn.transaction():
        sid = school["id"]
        fee_type = await conn.fetchval(
            "INSERT INTO fee_types (school_id, name) VALUES ($1, $2) RETURNING id", sid, unique("Fee")
        )
        structure = await conn.fetchval(
            "INSERT INTO fee_structures (school_id, session_id, fee_type_id, amount) "
            "VALUES ($1, $2, $3, $4) RETURNING id",
            sid,
            school["session"],
            fee_type,
            amount,
        )
        student = await conn.fetchval(
            "INSERT INTO students (school_id, admission_number, first_name, gender) "
            "VALUES ($1, $2, 'Late', 'MALE') RETURNING id",
            sid,
            unique("L"),
        )
        assignment = await conn.fetchval(
            "INSERT INTO student_fee_assignments (school_id, student_id, fee_structure_id, session_id, amount) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING id",
            sid,
            student,
            structure,
            school["session"],
            amount,
        )
    return encode_gid("Student", student), encode_gid("StudentFeeAssignment", assignment)


PAY = """mutation($input: FeePaymentRecordInput!) { feePaymentRecord(input: $input) {
  feePayment { id paymentDate mode } errors { field code message } } }"""


async def pay(client: Any, headers: dict[str, str], due: tuple[str, str], day: dt.date, amount: str) -> dict[str, Any]:
    """A fee payment through feePaymentRecord (the payment workflow's own tests are in test_payments.py)."""
    return await call(
        client,
        headers,
        PAY,
        {
            "input": {
                "studentId": due[0],
                "paymentDate": day.isoformat(),
                "mode": "CASH",
                "idempotencyKey": unique("k"),
                "allocations": [{"assignmentId": due[1], "amount": amount}],
            }
        },
    )


async def test_days_are_closed_in_order_and_chain_their_balances(client, db):
    school = await own_school(client, db)
    admin, head = school["SCHOOL_ADMIN"], school["head"]
    d1, d2, d3 = (today() - dt.timedelta(days=n) for n in (12, 11, 10))
    await add_fee_payments(db, school, d1, [("CASH", "900.00", "0")])
    ok(await call(client, admin, DAY_CLOSE, {"input": {"date": d1.isoformat()}}), "dayClose")
    ok(await call(client, admin, VOUCHER_CREATE, voucher_input(head, d2, "100.00", "CASH")), "expenseVoucherCreate")
    await add_fee_payments(db, school, d3, [("BANK", "250.00", "0")])
    # d2 has money and is not closed: d3 waits for it
    error = refused(
        await call(client, admin, DAY_CLOSE, {"input": {"date": d3.isoformat()}}), "dayClose", "CONFLICT", "date"
    )
    assert d2.isoformat() in error["message"]
    c2 = ok(await call(client, admin, DAY_CLOSE, {"input": {"date": d2.isoformat()}}), "dayClose")["dayClosing"]
    c3 = ok(await call(client, admin, DAY_CLOSE, {"input": {"date": d3.isoformat()}}), "dayClose")["dayClosing"]
    assert (money(c2["openingCash"]), money(c2["closingCash"])) == (Decimal("900.00"), Decimal("800.00"))
    assert (c3["openingCash"], c3["openingBank"]) == (c2["closingCash"], c2["closingBank"])
    assert money(c3["closingBank"]) == Decimal("250.00")
    assert same(figures(c3), await expected_closing(db, school["id"], d3))
    # a day without money closes with the previous balances
    d4 = today() - dt.timedelta(days=9)
    c4 = ok(await call(client, admin, DAY_CLOSE, {"input": {"date": d4.isoformat()}}), "dayClose")["dayClosing"]
    assert (c4["closingCash"], c4["closingBank"]) == (c3["closingCash"], c3["closingBank"])


async def test_closings_of_one_school_do_not_touch_another(client, db):
    school = await own_school(client, db)
    day = today()
    ok(await call(client, school["SCHOOL_ADMIN"], DAY_CLOSE, {"input": {"date": day.isoformat()}}), "dayClose")
    # Greenwood's same date is still open
    head = await greenwood_head(client)
    ok(
        await call(client, await bearer(client, ADMIN), VOUCHER_CREATE, voucher_input(head, day)),
        "expenseVoucherCreate",
    )
    # Riverside's admin cannot reopen or see it
    riverside = await bearer(client, "admin@riverside.demo")
    forbidden(await call(client, riverside, OVERRIDE, {"input": {"date": day.isoformat()}}))
    closings = data(
        await call(
            client,
            riverside,
            "query($d: Date!) { dayClosings(filter: {date: {eq: $d}}) { nodes { id } } }",
            {"d": day.isoformat()},
        )
    )
    assert closings["dayClosings"]["nodes"] == []


async def test_platform_roles_need_a_school_to_write(client, db):
    body = await call(client, await bearer(client, SUPER), DAY_CLOSE, {"input": {"date": "2020-01-01"}})
    refused(body, "dayClose", "INVALID")


async def test_anonymous_callers_are_refused(client, db):
    day = (today() - dt.timedelta(days=40)).isoformat()
    head = encode_gid("ExpenseHead", 1)
    for query, variables in (
        (DAY_CLOSE, {"input": {"date": day}}),
        (OVERRIDE, {"input": {"date": day}}),
        (VOUCHER_CREATE, voucher_input(head, today())),
        (TRANSFER_CREATE, transfer_input(today())),
    ):
        body = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body


async def test_vouchers_and_transfers_are_dated_within_the_session_they_are_recorded_in(client, db):
    """Issue 10 (the class of item 9): choosing last year's session (X-Session-Id) does not file
    today's money in it; nothing changes."""
    school = await own_school(client, db)
    old = {**school["SCHOOL_ADMIN"], "X-Session-Id": encode_gid("AcademicSession", school["sessions"][0])}
    before = await closing_state(db, school["id"])
    error = refused(
        await call(client, old, VOUCHER_CREATE, voucher_input(school["head"], today())),
        "expenseVoucherCreate",
        "INVALID",
        "expenseDate",
    )
    assert "outside the academic session" in error["message"]
    refused(
        await call(client, old, TRANSFER_CREATE, transfer_input(today())),
        "accountTransferCreate",
        "INVALID",
        "transferDate",
    )
    assert await closing_state(db, school["id"]) == before
    # dated within that session (2020-21) it is taken
    ok(
        await call(client, old, VOUCHER_CREATE, voucher_input(school["head"], dt.date(2020, 6, 1))),
        "expenseVoucherCreate",
    )
