"""Finance reports and CSV exports from the outside (issue 10, item 11; seed 001 §9.2): they are
for SCHOOL_ADMIN, ACCOUNTANT and SUPER_ADMIN; PLATFORM_ADMIN, teachers, guardians, hostel
staff, visitors and anonymous callers do not read them. Money renders with two decimals
everywhere in them ("0.00", never "0"), in GraphQL and in the CSV files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType

from kit.ids import encode_gid
from schema.root import build_schema
from tests.conftest import bearer, tenant_header, unique
from tests.test_closing_chain import big_fee
from tests.test_finance import (
    DAY_CLOSE,
    SUPER,
    TRANSFER_CREATE,
    VOUCHER_CREATE,
    call,
    ok,
    own_school,
    pay,
    today,
    transfer_input,
    voucher_input,
)

# every finance report and finance-module list (seed §9.3's reporting endpoints), with arguments
DAY = today() - dt.timedelta(days=5)
REPORTS: dict[str, str] = {
    "dailyCash": f'dailyCash(date: "{DAY.isoformat()}")',
    "feeHeadSummary": f'feeHeadSummary(from: "{(DAY - dt.timedelta(days=10)).isoformat()}", to: "{today().isoformat()}")',
    "monthlyPnl": f"monthlyPnl(year: {DAY.year}, month: {DAY.month})",
    "sessionPnl": "sessionPnl",
    "defaulters": "defaulters(first: 5)",
    "studentLedger": 'studentLedger(studentId: "%(student)s")',
    "dayClosings": "dayClosings(first: 5)",
    "accountTransfers": "accountTransfers(first: 5)",
}
EXPORTS = [
    f"/exports/daily-cash.csv?date={DAY.isoformat()}",
    f"/exports/monthly-pnl.csv?year={DAY.year}&month={DAY.month}",
    "/exports/session-pnl.csv",
    f"/exports/expenses.csv?from={(DAY - dt.timedelta(days=10)).isoformat()}&to={today().isoformat()}",
]
TWO_PLACES = re.compile(r"^-?\d+\.\d{2}$")


def _named(t: Any) -> Any:
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        t = t.of_type
    return t


def selection(t: Any, depth: int = 3) -> str:
    """Every field of an object type without required arguments, down to `depth` objects."""
    t = _named(t)
    if not isinstance(t, GraphQLObjectType):
        return ""
    parts = []
    for name, f in t.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) and a.default_value is None for a in f.args.values()):
            continue
        inner = _named(f.type)
        if isinstance(inner, GraphQLObjectType):
            if depth > 1 and (sub := selection(inner, depth - 1)):
                parts.append(f"{name} {{ {sub} }}")
        else:
            parts.append(name)
    return " ".join(parts)


def decimals(t: Any, value: Any, path: str = "") -> list[tuple[str, Any]]:
    """(path, value) of every Decimal in a result, walking it with its type."""
    t = t.of_type if isinstance(t, GraphQLNonNull) else t
    if value is None:
        return []
    if isinstance(t, GraphQLList):
        return [x for i, v in enumerate(value) for x in decimals(t.of_type, v, f"{path}[{i}]")]
    if isinstance(t, GraphQLScalarType):
        return [(path, value)] if t.name == "Decimal" else []
    if isinstance(t, GraphQLObjectType):
        return [x for k, v in value.items() for x in decimals(t.fields[k].type, v, f"{path}.{k}")]
    return []


async def _school_with_money(client: Any, db: Any) -> dict[str, Any]:
    """A school of the test's own: a payment, vouchers and a transfer on DAY (closed), a student
    who owes, and one without any fee (whose ledger is all zeros)."""
    school = await own_school(client, db, "ACC")
    admin = school["SCHOOL_ADMIN"]
    due = await big_fee(db, school)
    ok(await pay(client, school["ACCOUNTANT"], due, DAY, "250.50"), "feePaymentRecord")
    ok(await call(client, admin, VOUCHER_CREATE, voucher_input(school["head"], DAY, "100.00")), "expenseVoucherCreate")
    ok(
        await call(client, admin, VOUCHER_CREATE, voucher_input(school["head"], DAY, "0.50", "BANK")),
        "expenseVoucherCreate",
    )
    ok(await call(client, admin, TRANSFER_CREATE, transfer_input(DAY, "20.00")), "accountTransferCreate")
    ok(await call(client, admin, DAY_CLOSE, {"input": {"date": DAY.isoformat()}}), "dayClose")
    async with db.acquire() as conn:
        feeless = await conn.fetchval(
            "INSERT INTO students (school_id, admission_number, first_name, gender) "
            "VALUES ($1, $2, 'Nofee', 'MALE') RETURNING id",
            school["id"],
            unique("N"),
        )
    school["due"], school["feeless"] = due, encode_gid("Student", feeless)
    return school


async def test_finance_reports_and_exports_by_role(client, db):
    school = await _school_with_money(client, db)
    tenant = tenant_header(school["gid"])
    callers = {
        "SUPER_ADMIN": (True, {**await bearer(client, SUPER), **tenant}),
        "SCHOOL_ADMIN": (True, school["SCHOOL_ADMIN"]),
        "ACCOUNTANT": (True, school["ACCOUNTANT"]),
        "PLATFORM_ADMIN": (False, {**await bearer(client, "platform@demo.campus"), **tenant}),
        "TEACHER": (False, await bearer(client, "teacher@greenwood.demo")),
        "GUARDIAN": (False, await bearer(client, "multi@demo.campus")),
        "HOSTEL_ADMIN": (False, await bearer(client, "warden@sunrise.demo")),
        "VISITOR": (False, await bearer(client, "visitor@demo.campus")),
        "anonymous": (False, {}),
    }
    declared = {name for name in REPORTS}
    schema = build_schema()._schema
    assert declared <= set(schema.query_type.fields), "a report field is missing from the schema"
    for role, (allowed, headers) in callers.items():
        for name, field in REPORTS.items():
            query = "{ r: %s { %s } }" % (
                field % {"student": school["due"][0]},
                selection(schema.query_type.fields[name].type, 1) or "__typename",
            )
            body = await call(client, headers, query)
            if allowed:
                assert "errors" not in body and body["data"]["r"] is not None, (role, name, body)
            else:
                codes = {e["extensions"]["code"] for e in body.get("errors", [])}
                assert codes & {"FORBIDDEN", "UNAUTHENTICATED"} and not (body.get("data") or {}).get("r"), (
                    role,
                    name,
                    body,
                )
        for path in EXPORTS:
            r = await client.get(path, headers=headers)
            if allowed:
                assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), (role, path, r.text)
            else:
                assert r.status_code in (401, 404) and "text/csv" not in r.headers["content-type"], (role, path, r.text)


async def test_money_renders_with_two_decimals_in_every_report_and_export(client, db):
    school = await _school_with_money(client, db)
    admin = school["SCHOOL_ADMIN"]
    schema = build_schema()._schema
    queries = dict(REPORTS)
    queries["nobodyOwesThatMuch"] = 'defaulters(first: 5, minPending: "99999999")'
    queries["emptyDay"] = f'dailyCash(date: "{(DAY - dt.timedelta(days=1)).isoformat()}")'
    queries["feelessLedger"] = 'studentLedger(studentId: "%(feeless)s")'
    seen: list[tuple[str, Any]] = []
    for label, field in queries.items():
        root = field.split("(")[0]
        ftype = schema.query_type.fields[root].type
        query = "{ r: %s { %s } }" % (
            field % {"student": school["due"][0], "feeless": school["feeless"]},
            selection(ftype),
        )
        body = await call(client, admin, query)
        assert "errors" not in body, (label, body)
        found = decimals(ftype, body["data"]["r"], label)
        seen += found
    bad = [(path, value) for path, value in seen if not TWO_PLACES.match(value)]
    assert not bad, bad
    # zeros were among them (they rendered "0" before issue 10)
    assert any(value == "0.00" for _, value in seen) and len(seen) > 50, len(seen)
    for path in EXPORTS:
        r = await client.get(path, headers=admin)
        assert r.status_code == 200, r.text
        rows = list(csv.reader(io.StringIO(r.text)))
        header = rows[0]
        money_columns = [i for i, h in enumerate(header) if h in ("amount", "principal", "late_fee")]
        cells = [
            row[i] for row in rows[1:] for i in money_columns if i < len(row) and row[i] and row[i] not in ("yes", "no")
        ]
        assert cells and all(TWO_PLACES.match(c) for c in cells), (path, cells)


async def test_a_platform_admin_neither_writes_nor_reads_the_books(client, db):
    """Seed 001 §9.2: finance mutations are school-admin focused. PLATFORM_ADMIN may not post a
    voucher or a transfer, toggle either, or close a day (each refusal changes nothing); the
    payload of dayClose / accountTransferCreate used to hand back the day's cash and bank to it.
    Every type read only by the finance reporters is also hidden wherever it is reached (a type
    row filter), checked over the registry."""
    from kit.fields import READ_POLICIES, VISIBILITY
    from schema.fees import FINANCE_REPORTS
    from tests.test_finance import HEAD_CREATE, HEAD_TOGGLE, OVERRIDE, VOUCHER_TOGGLE, closing_state, forbidden

    report_only = {name for name, (rule, _) in READ_POLICIES.items() if rule is FINANCE_REPORTS}
    assert {"DayClosing", "FinanceAccountTransfer"} <= report_only
    assert all(name in VISIBILITY for name in report_only), report_only - set(VISIBILITY)

    school = await own_school(client, db, "PLT")
    platform = {**await bearer(client, "platform@demo.campus"), **tenant_header(school["gid"])}
    day = today() - dt.timedelta(days=3)
    voucher = ok(
        await call(client, school["SCHOOL_ADMIN"], VOUCHER_CREATE, voucher_input(school["head"], day, "7.00")),
        "expenseVoucherCreate",
    )["expenseVoucher"]["id"]
    before = await closing_state(db, school["id"])
    for query, variables in (
        (HEAD_CREATE, {"input": {"name": unique("Head")}}),
        (HEAD_TOGGLE, {"input": {"id": school["head"]}}),
        (VOUCHER_CREATE, voucher_input(school["head"], day, "20.00")),
        (VOUCHER_TOGGLE, {"input": {"id": voucher}}),
        (TRANSFER_CREATE, transfer_input(day, "20.00")),
        (DAY_CLOSE, {"input": {"date": day.isoformat()}}),
        (OVERRIDE, {"input": {"date": day.isoformat()}}),
    ):
        forbidden(await call(client, platform, query, variables))
    assert await closing_state(db, school["id"]) == before
    # the school admin posts and closes, and reads both; the super admin may too
    ok(
        await call(client, school["SCHOOL_ADMIN"], TRANSFER_CREATE, transfer_input(day, "20.00")),
        "accountTransferCreate",
    )
    closed = ok(await call(client, school["super"], DAY_CLOSE, {"input": {"date": day.isoformat()}}), "dayClose")
    assert closed["dayClosing"]["closingBank"] == "20.00", closed
    listed = await call(
        client,
        school["SCHOOL_ADMIN"],
        "{ dayClosings { nodes { date closingCash closingBank } } accountTransfers { nodes { amount } } }",
    )
    assert listed["data"]["dayClosings"]["nodes"] == [
        {"date": day.isoformat(), "closingCash": "-27.00", "closingBank": "20.00"}
    ]
    assert listed["data"]["accountTransfers"]["nodes"] == [{"amount": "20.00"}]


def test_no_mutation_payload_shows_a_type_its_caller_may_not_read():
    """The class of the test above over the whole schema: for every mutation, every role its rule
    lets in may read the types of its payload (their read rule), or those types carry a row filter
    (which hides the rows the caller may not read wherever the type is reached)."""
    from graphql import GraphQLObjectType

    from auth.permissions import DECLARED
    from kit.registry import VISIBILITY
    from kit.fields import READ_POLICIES

    roles = (
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

    class Caller:
        def __init__(self, role: str) -> None:
            self.roles, self.user_id = frozenset({role}), 1

    schema = build_schema()._schema
    leaks, checked, filtered = [], 0, 0
    for name, field in schema.mutation_type.fields.items():
        rule = DECLARED.get(f"Mutation.{name}")
        payload = _named(field.type)
        if rule is None or not isinstance(payload, GraphQLObjectType):
            continue
        for inner in payload.fields.values():
            t = _named(inner.type)
            if t.name in VISIBILITY:  # a row filter hides what the caller may not read, wherever it is reached
                filtered += 1
                continue
            if t.name not in READ_POLICIES:
                continue
            checked += 1
            read_rule = READ_POLICIES[t.name][0]
            leaks += [(name, t.name, r) for r in roles if rule.allows(Caller(r)) and not read_rule.allows(Caller(r))]
    assert checked + filtered > 50 and checked > 10 and not leaks, (checked, filtered, leaks)
