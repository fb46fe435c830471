"""Finance reports (seed 001 §8.2-8.3, §9.3): one computation each, shared by the GraphQL
queries (schema/expenses.py), the CSV exports (gateway/exports.py) and `dayClose`
(resolvers/finance/service.py).

Every function takes `run(sql, params) -> rows`: `ctx.db.fetch` / `RequestDB.fetch` for reads
(asyncpg, `$n` parameters, row-level security in force), or a runner over the mutation's ORM
session (`session_runner`). Each report is ONE statement whatever the number of students,
payments or vouchers; the objects it names (students, fee types, heads, the closing) are loaded
by the callers in one batch each.

Scope:
- Reports of a date or a date range (`day_figures`/dailyCash, `fee_head_summary`, monthly P&L,
  the expense register) are the school's money on those dates, whatever academic session the
  rows belong to: cash in the drawer has no session, and a day closing is per school and date.
- Session reports (session P&L, defaulters, the student ledger) use the session the request
  resolved (ctx.session_id: X-Session-Id or the school's current one), never an argument.
- Pending is `formula.pending_sql_text` (THE formula, seed §8.1) summed over a student's active
  assignments, for the paged and the full list alike (seed §8.3: the paged list dropped the
  discount and sponsor terms, and §4.3: it used the raw session argument).
- Fee payments count as cash when their mode is CASH and as bank otherwise (BANK, UPI, ...);
  expense vouchers likewise (CASH vs BANK/UPI), active vouchers only. Transfers: `transfer_out`
  is money leaving CASH, `transfer_in` money arriving in BANK (the only movement allowed today).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from kit.sql import Run, session_runner  # noqa: F401 (re-exported for callers)
from resolvers.fees.formula import pending_sql_text
from kit.ids import INT8_MAX

ZERO = Decimal("0.00")


def _d(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value)


def is_cash(mode: str | None) -> bool:
    return (mode or "").strip().upper() == "CASH"


# ---- one day (dailyCash, dayClose) ----------------------------------------------------------


@dataclass
class ModeAmount:
    mode: str
    count: int
    amount: Decimal


@dataclass
class HeadCollection:
    fee_type_id: int
    fee_type_name: str
    allocations: int
    principal: Decimal
    late_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.late_fee


@dataclass
class TransferAmount:
    from_account: str
    to_account: str
    count: int
    amount: Decimal


@dataclass
class DayFigures:
    date: dt.date
    revenue_by_mode: list[ModeAmount] = field(default_factory=list)
    revenue_by_head: list[HeadCollection] = field(default_factory=list)
    expenses_by_mode: list[ModeAmount] = field(default_factory=list)
    transfers: list[TransferAmount] = field(default_factory=list)
    closing_id: int | None = None
    override_allowed: bool = False

    @property
    def cash_revenue(self) -> Decimal:
        return sum((m.amount for m in self.revenue_by_mode if is_cash(m.mode)), ZERO)

    @property
    def bank_revenue(self) -> Decimal:
        return sum((m.amount for m in self.revenue_by_mode if not is_cash(m.mode)), ZERO)

    @property
    def cash_expense(self) -> Decimal:
        return sum((m.amount for m in self.expenses_by_mode if is_cash(m.mode)), ZERO)

    @property
    def bank_expense(self) -> Decimal:
        return sum((m.amount for m in self.expenses_by_mode if not is_cash(m.mode)), ZERO)

    @property
    def transfer_out(self) -> Decimal:
        """Money that left the cash drawer (CASH -> BANK)."""
        return sum((t.amount for t in self.transfers if t.from_account == "CASH"), ZERO)

    @property
    def transfer_in(self) -> Decimal:
        """Money that arrived in the bank (CASH -> BANK)."""
        return sum((t.amount for t in self.transfers if t.to_account == "BANK"), ZERO)

    @property
    def cash_in_from_transfers(self) -> Decimal:
        return sum((t.amount for t in self.transfers if t.to_account == "CASH"), ZERO)

    @property
    def bank_out_to_transfers(self) -> Decimal:
        return sum((t.amount for t in self.transfers if t.from_account == "BANK"), ZERO)

    @property
    def net_cash(self) -> Decimal:
        return self.cash_revenue - self.cash_expense - self.transfer_out + self.cash_in_from_transfers

    @property
    def net_bank(self) -> Decimal:
        return self.bank_revenue - self.bank_expense + self.transfer_in - self.bank_out_to_transfers

    @property
    def total_revenue(self) -> Decimal:
        return self.cash_revenue + self.bank_revenue

    @property
    def total_expense(self) -> Decimal:
        return self.cash_expense + self.bank_expense

    @property
    def net(self) -> Decimal:
        """Revenue minus expenses; transfers move money between accounts and net to zero."""
        return self.total_revenue - self.total_expense


DAY_SQL = """
SELECT 'PAY' AS kind, upper(btrim(coalesce(p.mode, ''))) AS k1, NULL::text AS k2, NULL::bigint AS ref,
       count(*)::int AS n, sum(p.principal_paid + p.late_fee_paid) AS a1, NULL::numeric AS a2
  FROM fee_payments p
 WHERE p.school_id = $1 AND p.payment_date = $2
 GROUP BY upper(btrim(coalesce(p.mode, '')))
UNION ALL
SELECT 'HEAD', ft.name, NULL, ft.id, count(*)::int, sum(al.principal_amount), sum(al.late_fee_amount)
  FROM fee_payment_allocations al
  JOIN fee_payments p ON p.school_id = al.school_id AND p.id = al.fee_payment_id
  JOIN fee_types ft ON ft.school_id = al.school_id AND ft.id = al.fee_type_id
 WHERE al.school_id = $1 AND p.payment_date = $2
 GROUP BY ft.id, ft.name
UNION ALL
SELECT 'EXP', v.payment_mode, NULL, NULL, count(*)::int, sum(v.amount), NULL
  FROM expense_vouchers v
 WHERE v.school_id = $1 AND v.expense_date = $2 AND v.active
 GROUP BY v.payment_mode
UNION ALL
SELECT 'TRF', t.from_account, t.to_account, NULL, count(*)::int, sum(t.amount), NULL
  FROM finance_account_transfers t
 WHERE t.school_id = $1 AND t.transfer_date = $2
 GROUP BY t.from_account, t.to_account
UNION ALL
SELECT 'CLOSED', CASE WHEN dc.override_allowed THEN 'override' ELSE '' END, NULL, dc.id, 0, NULL, NULL
  FROM day_closing dc
 WHERE dc.school_id = $1 AND dc.date = $2
ORDER BY 1, 2, 3
"""


async def day_figures(run: Run, school_id: int, day: dt.date) -> DayFigures:
    """The school's money of one date: fee payments by mode and by fee head, active vouchers by
    mode, transfers, and the day's closing if there is one. One statement."""
    out = DayFigures(date=day)
    for kind, k1, k2, ref, n, a1, a2 in await run(DAY_SQL, [school_id, day]):
        if kind == "PAY":
            out.revenue_by_mode.append(ModeAmount(k1 or "UNSPECIFIED", n, _d(a1)))
        elif kind == "HEAD":
            out.revenue_by_head.append(HeadCollection(ref, k1, n, _d(a1), _d(a2)))
        elif kind == "EXP":
            out.expenses_by_mode.append(ModeAmount(k1, n, _d(a1)))
        elif kind == "TRF":
            out.transfers.append(TransferAmount(k1, k2, n, _d(a1)))
        elif kind == "CLOSED":
            out.closing_id, out.override_allowed = ref, k1 == "override"
    return out


# ---- fee heads over a date range --------------------------------------------------------------

HEADS_BY_DATE_SQL = """
SELECT ft.id, ft.name, count(*)::int, coalesce(sum(al.principal_amount), 0), coalesce(sum(al.late_fee_amount), 0)
  FROM fee_payment_allocations al
  JOIN fee_payments p ON p.school_id = al.school_id AND p.id = al.fee_payment_id
  JOIN fee_types ft ON ft.school_id = al.school_id AND ft.id = al.fee_type_id
 WHERE al.school_id = $1 AND p.payment_date BETWEEN $2 AND $3
 GROUP BY ft.id, ft.name
 ORDER BY ft.name, ft.id
"""


@dataclass
class HeadSummary:
    start: dt.date
    end: dt.date
    heads: list[HeadCollection]

    @property
    def total_principal(self) -> Decimal:
        return sum((h.principal for h in self.heads), ZERO)

    @property
    def total_late_fee(self) -> Decimal:
        return sum((h.late_fee for h in self.heads), ZERO)

    @property
    def total(self) -> Decimal:
        return self.total_principal + self.total_late_fee


async def fee_head_summary(run: Run, school_id: int, start: dt.date, end: dt.date) -> HeadSummary:
    """Fee-head-wise collection from allocations of payments dated in [start, end]."""
    rows = await run(HEADS_BY_DATE_SQL, [school_id, start, end])
    return HeadSummary(start, end, [HeadCollection(r[0], r[1], r[2], _d(r[3]), _d(r[4])) for r in rows])


# ---- profit and loss ----------------------------------------------------------------------------


@dataclass
class ExpenseHeadTotal:
    expense_head_id: int
    expense_head_name: str
    vouchers: int
    amount: Decimal


@dataclass
class Pnl:
    start: dt.date | None
    end: dt.date | None
    session_id: int | None
    income: list[HeadCollection]
    expenses: list[ExpenseHeadTotal]

    @property
    def total_income(self) -> Decimal:
        return sum((h.total for h in self.income), ZERO)

    @property
    def total_expense(self) -> Decimal:
        return sum((e.amount for e in self.expenses), ZERO)

    @property
    def net(self) -> Decimal:
        return self.total_income - self.total_expense


_PNL_SQL = """
SELECT 'I' AS kind, ft.id, ft.name, count(*)::int, coalesce(sum(al.principal_amount), 0), coalesce(sum(al.late_fee_amount), 0)
  FROM fee_payment_allocations al
  JOIN fee_payments p ON p.school_id = al.school_id AND p.id = al.fee_payment_id
  JOIN fee_types ft ON ft.school_id = al.school_id AND ft.id = al.fee_type_id
 WHERE al.school_id = $1 AND {income_where}
 GROUP BY ft.id, ft.name
UNION ALL
SELECT 'E', h.id, h.name, count(*)::int, coalesce(sum(v.amount), 0), 0
  FROM expense_vouchers v
  JOIN expense_heads h ON h.school_id = v.school_id AND h.id = v.expense_head_id
 WHERE v.school_id = $1 AND v.active AND {expense_where}
 GROUP BY h.id, h.name
ORDER BY 1, 3, 2
"""
PNL_BY_DATE_SQL = _PNL_SQL.format(
    income_where="p.payment_date BETWEEN $2 AND $3", expense_where="v.expense_date BETWEEN $2 AND $3"
)
PNL_BY_SESSION_SQL = _PNL_SQL.format(income_where="al.session_id = $2", expense_where="v.session_id = $2")


def _pnl(rows: list[Any], start: dt.date | None, end: dt.date | None, session_id: int | None) -> Pnl:
    income, expenses = [], []
    for kind, pk, name, n, a1, a2 in rows:
        if kind == "I":
            income.append(HeadCollection(pk, name, n, _d(a1), _d(a2)))
        else:
            expenses.append(ExpenseHeadTotal(pk, name, n, _d(a1)))
    return Pnl(start, end, session_id, income, expenses)


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    # December ends on the 31st (computing it from next January fails for year 9999)
    end = dt.date(year, 12, 31) if month == 12 else dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return start, end


async def monthly_pnl(run: Run, school_id: int, year: int, month: int) -> Pnl:
    """Income (allocations of payments dated in the month: principal and late fee by fee head)
    and expenses (active vouchers dated in the month, by head)."""
    start, end = month_range(year, month)
    return _pnl(await run(PNL_BY_DATE_SQL, [school_id, start, end]), start, end, None)


async def session_pnl(run: Run, school_id: int, session_id: int) -> Pnl:
    """Income (allocations of the session, by fee head) and expenses (active vouchers of the
    session, by head)."""
    return _pnl(await run(PNL_BY_SESSION_SQL, [school_id, session_id]), None, None, session_id)


# ---- defaulters ---------------------------------------------------------------------------------

PENDING = pending_sql_text("a")

# The list is ordered and paged on one sum per student (a small hash aggregate over the session's
# assignments); the detailed totals are summed for the page's students only (index on student).
DEFAULTERS_SQL = f"""
WITH per AS (
  SELECT a.student_id, sum({PENDING}) AS pending
    FROM student_fee_assignments a
   WHERE a.school_id = $1 AND a.session_id = $2 AND a.active
   GROUP BY a.student_id
  HAVING sum({PENDING}) > 0 AND sum({PENDING}) >= $3
), totals AS (
  SELECT count(*)::int AS n, coalesce(sum(pending), 0) AS pending FROM per
), page AS (
  SELECT per.student_id, per.pending FROM per
   WHERE $4::numeric IS NULL OR per.pending < $4 OR (per.pending = $4 AND per.student_id > $5)
   ORDER BY per.pending DESC, per.student_id
   LIMIT $6
)
SELECT totals.n, totals.pending AS total_pending, page.student_id, d.assignments, d.amount, d.discount, d.sponsor_covered,
       d.late_fee_accrued, d.late_fee_waived, d.principal_paid, d.late_fee_paid, page.pending
  FROM totals
  LEFT JOIN page ON true
  LEFT JOIN LATERAL (
       SELECT count(*)::int AS assignments,
              sum(a.amount) AS amount,
              sum(a.total_discount_amount) AS discount,
              sum(a.sponsor_covered_amount) AS sponsor_covered,
              sum(a.late_fee_accrued) AS late_fee_accrued,
              sum(a.late_fee_waived) AS late_fee_waived,
              sum(a.principal_paid) AS principal_paid,
              sum(a.late_fee_paid) AS late_fee_paid
         FROM student_fee_assignments a
        WHERE a.school_id = $1 AND a.session_id = $2 AND a.active AND a.student_id = page.student_id) d ON true
 ORDER BY page.pending DESC, page.student_id
"""


@dataclass
class Defaulter:
    student_id: int
    assignments: int
    amount: Decimal
    discount: Decimal
    sponsor_covered: Decimal
    late_fee_accrued: Decimal
    late_fee_waived: Decimal
    principal_paid: Decimal
    late_fee_paid: Decimal
    pending: Decimal

    @property
    def paid(self) -> Decimal:
        return self.principal_paid + self.late_fee_paid

    @property
    def cursor(self) -> str:
        return encode_defaulter_cursor(self.pending, self.student_id)


@dataclass
class DefaulterPage:
    rows: list[Defaulter]
    has_next: bool
    has_previous: bool
    count: int
    pending: Decimal


class BadCursor(ValueError):
    pass


_CURSOR_TAG = "defaulters"


def encode_defaulter_cursor(pending: Decimal, student_id: int) -> str:
    return base64.b64encode(json.dumps([_CURSOR_TAG, str(pending), student_id]).encode()).decode()


def decode_defaulter_cursor(cursor: str) -> tuple[Decimal, int]:
    try:
        tag, pending, student_id = json.loads(base64.b64decode(cursor.encode(), validate=True))
        if (
            tag != _CURSOR_TAG
            or not isinstance(student_id, int)
            or isinstance(student_id, bool)
            or not 0 <= student_id <= INT8_MAX
            or not isinstance(pending, str)
            or not Decimal(pending).is_finite()
        ):
            raise ValueError
        return Decimal(pending), student_id
    except (ValueError, TypeError, binascii.Error, InvalidOperation, UnicodeDecodeError):
        raise BadCursor("after is not a cursor of this list.") from None


async def defaulters(
    run: Run, school_id: int, session_id: int, first: int, after: str | None = None, min_pending: Decimal | None = None
) -> DefaulterPage:
    """Students whose pending (the one formula, summed over their active assignments of the
    session) is above zero and at least `min_pending`, most pending first (then by student id),
    a keyset page of `first` after the cursor, and the totals of the whole list. One statement."""
    cursor = decode_defaulter_cursor(after) if after else (None, None)
    floor = min_pending if min_pending is not None else ZERO
    rows = await run(DEFAULTERS_SQL, [school_id, session_id, floor, cursor[0], cursor[1], first + 1])
    count, total = (rows[0][0], _d(rows[0][1])) if rows else (0, ZERO)
    found = [Defaulter(r[2], r[3], *(_d(x) for x in r[4:12])) for r in rows if r[2] is not None]
    return DefaulterPage(found[:first], len(found) > first, after is not None, count, total)


# ---- student ledger -----------------------------------------------------------------------------

LEDGER_SQL = f"""
SELECT s.id,
       ARRAY(SELECT a.id FROM student_fee_assignments a
              WHERE a.school_id = s.school_id AND a.student_id = s.id AND a.session_id = $3
              ORDER BY a.due_date NULLS LAST, a.id) AS assignment_ids,
       ARRAY(SELECT f.id FROM fee_adjustments f
               JOIN student_fee_assignments a ON a.school_id = f.school_id AND a.id = f.assignment_id
              WHERE f.school_id = s.school_id AND a.student_id = s.id AND a.session_id = $3
              ORDER BY f.created_at, f.id) AS adjustment_ids,
       ARRAY(SELECT p.id FROM fee_payments p
              WHERE p.school_id = s.school_id AND p.student_id = s.id AND p.session_id = $3
              ORDER BY p.payment_date, p.id) AS payment_ids,
       t.assignments, t.amount, t.discount, t.sponsor_covered, t.late_fee_accrued, t.late_fee_waived,
       t.principal_paid, t.late_fee_paid, t.pending,
       pt.payments, pt.payments_total
  FROM students s
 CROSS JOIN LATERAL (
       SELECT count(*)::int AS assignments,
              coalesce(sum(a.amount), 0) AS amount,
              coalesce(sum(a.total_discount_amount), 0) AS discount,
              coalesce(sum(a.sponsor_covered_amount), 0) AS sponsor_covered,
              coalesce(sum(a.late_fee_accrued), 0) AS late_fee_accrued,
              coalesce(sum(a.late_fee_waived), 0) AS late_fee_waived,
              coalesce(sum(a.principal_paid), 0) AS principal_paid,
              coalesce(sum(a.late_fee_paid), 0) AS late_fee_paid,
              coalesce(sum({PENDING}), 0) AS pending
         FROM student_fee_assignments a
        WHERE a.school_id = s.school_id AND a.student_id = s.id AND a.session_id = $3 AND a.active) t
 CROSS JOIN LATERAL (
       SELECT count(*)::int AS payments, coalesce(sum(p.principal_paid + p.late_fee_paid), 0) AS payments_total
         FROM fee_payments p
        WHERE p.school_id = s.school_id AND p.student_id = s.id AND p.session_id = $3) pt
 WHERE s.school_id = $1 AND s.id = $2
"""


@dataclass
class LedgerTotals:
    assignments: int
    amount: Decimal
    discount: Decimal
    sponsor_covered: Decimal
    late_fee_accrued: Decimal
    late_fee_waived: Decimal
    principal_paid: Decimal
    late_fee_paid: Decimal
    pending: Decimal
    payments: int
    payments_total: Decimal


@dataclass
class Ledger:
    student_id: int
    assignment_ids: list[int]
    adjustment_ids: list[int]
    payment_ids: list[int]
    totals: LedgerTotals


async def student_ledger(run: Run, school_id: int, session_id: int, student_id: int) -> Ledger | None:
    """A student's fees in the session: every assignment (active or not), the adjustments and
    payments on them, and the totals of the active assignments (pending by the one formula).
    None when the student is not in the school. One statement."""
    rows = await run(LEDGER_SQL, [school_id, student_id, session_id])
    if not rows:
        return None
    r = rows[0]
    totals = LedgerTotals(r[4], *(_d(x) for x in r[5:13]), r[13], _d(r[14]))
    return Ledger(r[0], list(r[1]), list(r[2]), list(r[3]), totals)


# ---- expense register (CSV) ---------------------------------------------------------------------

EXPENSES_SQL = """
SELECT v.voucher_number, v.expense_date, h.name, v.amount, v.payment_mode, v.description, v.reference_number
  FROM expense_vouchers v
  JOIN expense_heads h ON h.school_id = v.school_id AND h.id = v.expense_head_id
 WHERE v.school_id = $1 AND v.active AND v.expense_date BETWEEN $2 AND $3
 ORDER BY v.expense_date, v.voucher_number
"""


async def expense_register(run: Run, school_id: int, start: dt.date, end: dt.date) -> list[Any]:
    """Active vouchers dated in [start, end], by date and number."""
    return await run(EXPENSES_SQL, [school_id, start, end])
