"""The money state machines besides bookings, as tables (every status x every action), expectations
written out here by hand:

1. A school day's books (seed 001 §6.1, §7.6; resolvers/finance/closing.py): OPEN (no closing),
   CLOSED (a closing in force), REOPENED (a super admin's override).

        OPEN      --dayClose-->            CLOSED     (history: dayClose)
        OPEN      --dayClosingOverride-->  NOT_FOUND  ("is not closed")
        OPEN      --expenseVoucherCreate-> the voucher is written, the day stays OPEN
        CLOSED    --dayClose-->            CONFLICT   ("already closed")
        CLOSED    --dayClosingOverride-->  REOPENED   (history: dayClosingOverride)
        CLOSED    --expenseVoucherCreate-> LOCKED     (no voucher)
        REOPENED  --dayClose-->            CLOSED     (recomputed, with the late entries; history: dayClose)
        REOPENED  --dayClosingOverride-->  stays REOPENED, nothing written (idempotent: what the code does;
                                           the seed is silent)
        REOPENED  --expenseVoucherCreate-> the voucher is written, the day stays REOPENED

2. A hostel refund (seed 000 booking_cancellation.py: RefundStatus): a cancellation of a paid booking
   writes a PENDING refund; `refundTransactionProcess` moves PENDING -> PROCESSED (the cancellation's
   refund status follows); a PROCESSED refund is refused (CONFLICT) and stays as it was.

Every pair runs on rows of its own (a school of its own per pair; a hostel of its own), so no pair
sees another's closings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kit.ids import decode_gid
from tests.booking_world import add_room_type, booking_input, call as booking_call, create, make_world
from tests.conftest import GQL, make_schools, school_today, tenant_header, unique

STATES = ["OPEN", "CLOSED", "REOPENED"]
ACTIONS = ["dayClose", "dayClosingOverride", "expenseVoucherCreate"]
# state -> action -> ("moves", new state) | ("refused", error code) | ("stays", state)  (by hand, from the rules above)
DAY_TABLE: dict[str, dict[str, tuple[str, str]]] = {
    "OPEN": {
        "dayClose": ("moves", "CLOSED"),
        "dayClosingOverride": ("refused", "NOT_FOUND"),
        "expenseVoucherCreate": ("stays", "OPEN"),
    },
    "CLOSED": {
        "dayClose": ("refused", "CONFLICT"),
        "dayClosingOverride": ("moves", "REOPENED"),
        "expenseVoucherCreate": ("refused", "LOCKED"),
    },
    "REOPENED": {
        "dayClose": ("moves", "CLOSED"),
        "dayClosingOverride": ("stays", "REOPENED"),
        "expenseVoucherCreate": ("stays", "REOPENED"),
    },
}
# how each action is recorded in the day's history (activity log of its DayClosing)
HISTORY_ACTION = {"dayClose": "dayClose", "dayClosingOverride": "dayClosingOverride"}
# how to reach each state through the API
PATHS = {"OPEN": [], "CLOSED": ["dayClose"], "REOPENED": ["dayClose", "dayClosingOverride"]}

ERRORS = "errors { field code message }"
MUTATIONS = {
    "dayClose": f"""mutation($i: DayCloseInput!) {{ dayClose(input: $i) {{ dayClosing {{ id date cashExpense closingCash
        overrideAllowed }} {ERRORS} }} }}""",
    "dayClosingOverride": f"""mutation($i: DayClosingOverrideInput!) {{ dayClosingOverride(input: $i) {{
        dayClosing {{ id date overrideAllowed }} {ERRORS} }} }}""",
    "expenseVoucherCreate": f"""mutation($i: ExpenseVoucherCreateInput!) {{ expenseVoucherCreate(input: $i) {{
        expenseVoucher {{ id amount }} {ERRORS} }} }}""",
}
HEAD_CREATE = (
    f"""mutation($i: ExpenseHeadCreateInput!) {{ expenseHeadCreate(input: $i) {{ expenseHead {{ id }} {ERRORS} }} }}"""
)
DAY = """query { dayClosings(first: 10) { nodes { id date overrideAllowed cashExpense closingCash } }
  expenseVouchers(first: 50) { totalCount } }"""
HISTORY = """query($id: Int!) { activityLogs(filter: {entityType: {eq: "DayClosing"}, entityId: {eq: $id}}, first: 50) {
  nodes { action } } }"""


def test_the_day_table_is_whole() -> None:
    assert set(DAY_TABLE) == set(STATES) and all(set(row) == set(ACTIONS) for row in DAY_TABLE.values())


async def _school_day(gql: GQL, db: Any) -> tuple[GQL, dict[str, Any]]:
    """The demo super admin acting in a school of its own whose session covers the last 30 days, an
    expense head, and the day: two days ago, with a 100.00 CASH voucher."""
    [school] = await make_schools(db, unique("DAYT"), 1, sessions_per_school=1)
    async with db.acquire() as conn:
        await conn.execute(
            "UPDATE academic_sessions SET start_date = $1, end_date = $2 WHERE id = $3",
            school_today() - dt.timedelta(days=30),
            school_today() + dt.timedelta(days=30),
            school["sessions"][0],
        )
    g = GQL(gql.client)
    g.headers = {**gql.headers, **tenant_header(school["gid"])}
    head = (await g(HEAD_CREATE, {"i": {"name": "General"}}))["data"]["expenseHeadCreate"]["expenseHead"]["id"]
    day = school_today() - dt.timedelta(days=2)
    world = {"head": head, "day": day}
    assert (await _act(g, world, "expenseVoucherCreate"))["errors"] == []
    return g, world


async def _act(g: GQL, world: dict[str, Any], action: str) -> dict[str, Any]:
    if action == "expenseVoucherCreate":
        inp = {
            "expenseDate": world["day"].isoformat(),
            "expenseHeadId": world["head"],
            "amount": "100.00",
            "paymentMode": "CASH",
        }
    else:
        inp = {"date": world["day"].isoformat()}
    return (await g(MUTATIONS[action], {"i": inp}))["data"][action]


async def _seen(g: GQL) -> tuple[str, list[dict[str, Any]], int, list[str]]:
    """(the day's state, its closing rows, the number of vouchers, the closing's history)."""
    body = (await g(DAY))["data"]
    rows = body["dayClosings"]["nodes"]
    assert len(rows) <= 1
    state = "OPEN" if not rows else "REOPENED" if rows[0]["overrideAllowed"] else "CLOSED"
    history: list[str] = []
    if rows:
        logs = await g(HISTORY, {"id": decode_gid(rows[0]["id"])[1]})
        history = [n["action"] for n in logs["data"]["activityLogs"]["nodes"]]
    return state, rows, body["expenseVouchers"]["totalCount"], history


@pytest.mark.parametrize("state", STATES)
async def test_every_action_on_a_day_in_every_state(gql: GQL, db: Any, state: str) -> None:
    for action, (outcome, then) in DAY_TABLE[state].items():
        g, world = await _school_day(gql, db)
        for step in PATHS[state]:
            assert (await _act(g, world, step))["errors"] == [], (state, step)
        before_state, before_rows, before_vouchers, before_history = await _seen(g)
        assert before_state == state
        result = await _act(g, world, action)
        after_state, after_rows, after_vouchers, after_history = await _seen(g)
        where = f"{state} --{action}-->"
        if outcome == "refused":
            assert [e["code"] for e in result["errors"]] == [then], (where, result)
            assert (after_state, after_rows, after_vouchers, after_history) == (
                state,
                before_rows,
                before_vouchers,
                before_history,
            ), f"{where} a refusal changes nothing"
            continue
        assert result["errors"] == [], (where, result)
        assert after_state == then, where
        if outcome == "moves":
            assert after_history == [*before_history, HISTORY_ACTION[action]], f"{where} writes one history entry"
        else:
            assert after_history == before_history, where
        if action == "expenseVoucherCreate":
            assert after_vouchers == before_vouchers + 1, where
        else:
            assert after_vouchers == before_vouchers, where
        if action == "dayClose":
            # the day's figures, by hand: one 100.00 CASH voucher (two after the reopened day's late entry... none
            # here), so cash expense 100.00 and closing cash 0 - 100 = -100.00
            assert (after_rows[0]["cashExpense"], after_rows[0]["closingCash"]) == ("100.00", "-100.00"), where


async def test_closing_a_reopened_day_counts_its_late_entries(gql: GQL, db: Any) -> None:
    g, world = await _school_day(gql, db)
    for step in ("dayClose", "dayClosingOverride", "expenseVoucherCreate", "dayClose"):
        assert (await _act(g, world, step))["errors"] == [], step
    state, rows, vouchers, history = await _seen(g)
    # two CASH vouchers of 100.00: cash expense 200.00, closing cash 0 - 200 = -200.00
    assert (state, rows[0]["cashExpense"], rows[0]["closingCash"], vouchers) == ("CLOSED", "200.00", "-200.00", 2)
    assert history == ["dayClose", "dayClosingOverride", "dayClose"]


# ---- refunds ---------------------------------------------------------------------------------------------------------

REFUND_FIELDS = "id status amount method reference"
PROCESS = f"""mutation($i: RefundTransactionProcessInput!) {{ refundTransactionProcess(input: $i) {{
  refundTransaction {{ {REFUND_FIELDS} }} {ERRORS} }} }}"""
REFUNDS = f"""query($b: ID!) {{ refundTransactions(first: 5, filter: {{bookingId: {{eq: $b}}}}) {{ nodes {{ {REFUND_FIELDS} }} }}
  bookingCancellations(first: 5, filter: {{bookingId: {{eq: $b}}}}) {{ nodes {{ refundPercent amountPaid refundAmount
  refundStatus }} }} }}"""


async def test_a_refund_is_processed_once(client: Any, db: Any) -> None:
    world = await make_world(db, client)
    await add_room_type(db, world, "RF", beds=1, rooms=2)
    async with db.acquire() as conn:  # a policy of this hostel: 10 days or more before check-in, 80 % back
        await conn.execute(
            "INSERT INTO cancellation_policies (hostel_id, name, tiers, effective_from, active) "
            "VALUES ($1, 'Table policy', $2::jsonb, $3, true)",
            world.hostel,
            '[{"minDaysBefore": 10, "refundPercent": "80"}]',
            school_today() - dt.timedelta(days=1),
        )
    made = await create(world.admin, booking_input(world, "RF", start=school_today() + dt.timedelta(days=20)))
    for action, extra in (
        ("bookingApprove", {}),
        ("bookingConfirm", {"advancePaid": "4500.00"}),
        ("bookingCancel", {"reason": "table"}),
    ):
        assert (await booking_call(world.admin, action, {"id": made["id"], **extra}))["errors"] == [], action
    seen = (await world.admin(REFUNDS, {"b": made["id"]}))["data"]
    # 20 days' notice >= 10: 80 % of the 4500.00 paid = 3600.00, PENDING
    assert seen["bookingCancellations"]["nodes"] == [
        {"refundPercent": "80.00", "amountPaid": "4500.00", "refundAmount": "3600.00", "refundStatus": "PENDING"}
    ]
    [refund] = seen["refundTransactions"]["nodes"]
    assert (refund["status"], Decimal(refund["amount"])) == ("PENDING", Decimal("3600.00"))

    # PENDING --process--> PROCESSED, and the cancellation follows
    done = (await world.admin(PROCESS, {"i": {"id": refund["id"], "method": "BANK_TRANSFER", "reference": "UTR-1"}}))[
        "data"
    ]["refundTransactionProcess"]
    assert done["errors"] == [] and done["refundTransaction"]["status"] == "PROCESSED", done
    after = (await world.admin(REFUNDS, {"b": made["id"]}))["data"]
    assert after["bookingCancellations"]["nodes"][0]["refundStatus"] == "PROCESSED"
    # PROCESSED --process--> refused, nothing changes
    again = (await world.admin(PROCESS, {"i": {"id": refund["id"], "method": "CASH", "reference": "R-2"}}))["data"][
        "refundTransactionProcess"
    ]
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"] and again["refundTransaction"] is None, again
    assert (await world.admin(REFUNDS, {"b": made["id"]}))["data"] == after
